"""The back office's documents of a signed session (jury minutes and their versions, the print
file, the address list) and the annual report's sealed PDF: buttons, roles, other bodies."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from decision_pages_support import make_team, prepared_session
from documents_support import check_seal, instance_ca, page_texts
from office_pages_support import open_session
from office_support import csrf_token, flashes, sign_in, submit, text
from session_documents_support import wait_for_documents
from sqlalchemy import select

from core.db.models import Candidate, Document
from core.db.models.document import JURY_MINUTES


@pytest.fixture
def team(staff, runtime, client, clock) -> Any:
    return make_team(staff, runtime, client)


def _signed(team: Any, clock: Any, job_worker: Any) -> str:
    session, _ = prepared_session(team)
    workflow = team.workflow
    assert workflow.act(session, "proposal", "manager").status_code == 200
    assert workflow.act(session, "approval", "manager2").status_code == 200
    code = workflow.body.code("signatory", clock.instant + timedelta(seconds=30))
    job = workflow.act(session, "signature", "signatory", json={"totp": code}).json["job"]
    assert job_worker.wait(job)["state"] == "done"
    wait_for_documents(job_worker)
    return session


def _client(app: Any, team: Any, who: str, clock: Any) -> Any:
    browser = app.test_client()
    if who == "signatory":  # the signature spent the code of the next step: let time pass
        clock.instant += timedelta(seconds=60)
    assert sign_in(browser, team.members[who], at=clock.instant).status_code == 302
    return browser


def _get(browser: Any, url: str) -> Any:
    response = browser.get(url)
    response.get_data()
    response.close()  # a print file streams from a temporary file
    return response


def test_the_session_page_offers_the_documents_of_a_signed_session(
    app, team, clock, job_worker, runtime
) -> None:
    session = _signed(team, clock, job_worker)
    manager = _client(app, team, "manager", clock)
    page = text(manager.get(f"/staff/sessions/{session}"))
    for link in ("minutes-link", "print-link", "addresses-link", "documents-link"):
        assert f'id="{link}"' in page, link
    assert "Procès-verbal du jury (PDF)" in page and "Certificats à imprimer (PDF)" in page
    auditor = _client(app, team, "auditor", clock)
    page = text(auditor.get(f"/staff/sessions/{session}"))
    assert 'id="minutes-link"' in page and 'id="print-link"' not in page
    minutes = auditor.get(f"/staff/sessions/{session}/minutes.pdf")
    assert minutes.status_code == 200 and minutes.mimetype == "application/pdf"
    assert minutes.headers["Cache-Control"] == "no-store"
    assert check_seal(minutes.data, instance_ca(runtime)).intact
    assert "Marc Manager" in "\n".join(page_texts(minutes.data))
    assert "Sam Signatory" in "\n".join(page_texts(minutes.data))


def test_a_new_version_of_the_minutes_from_the_documents_page(
    app, team, clock, job_worker, runtime
) -> None:
    session = _signed(team, clock, job_worker)
    manager = _client(app, team, "manager", clock)
    url = f"/staff/sessions/{session}/documents"
    page = text(manager.get(url))
    assert "Procès-verbal du jury" in page and 'id="versions"' not in page  # none made yet
    first = manager.get(f"/staff/sessions/{session}/minutes.pdf").data
    page = text(manager.get(url))
    assert "version 1" in page and 'id="renew"' in page
    made = submit(manager, f"/staff/sessions/{session}/minutes", {}, page=url)
    assert made.status_code == 303
    shown = manager.get(made.headers["Location"])
    assert flashes(shown) == ["La version 2 du procès-verbal est établie et archivée."]
    assert "version 2" in text(shown)
    assert manager.get(f"/staff/sessions/{session}/minutes.pdf?version=1").data == first
    assert manager.get(f"/staff/sessions/{session}/minutes.pdf").data != first
    auditor = _client(app, team, "auditor", clock)
    page = text(auditor.get(url))
    assert 'id="renew"' not in page and 'id="print-link"' not in page
    token = csrf_token(auditor.get(url).get_data(as_text=True))
    refused = auditor.post(f"/staff/sessions/{session}/minutes", data={"csrf_token": token})
    assert refused.status_code == 403
    assert manager.post(f"/staff/sessions/{session}/minutes", data={}).status_code == 400  # CSRF
    with runtime.unit() as deps:
        kinds = [d.kind for d in deps.session.scalars(select(Document))]
    assert kinds.count(JURY_MINUTES) == 2


def test_the_print_file_and_address_list_for_managers(app, team, clock, job_worker) -> None:
    session = _signed(team, clock, job_worker)
    manager = _client(app, team, "manager", clock)
    listed = _get(manager, f"/staff/sessions/{session}/addresses.csv")
    assert listed.status_code == 200 and listed.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(listed.get_data(as_text=True)[1:])))
    assert [r[2] for r in rows[1:]] == ["Grace Brewster Hopper", "Ada Augusta Lovelace"]
    printed = _get(manager, f"/staff/sessions/{session}/print.pdf")
    assert printed.status_code == 200 and printed.mimetype == "application/pdf"
    pages = page_texts(printed.data)
    assert len(pages) == 2
    assert "Grace Brewster Hopper" in pages[0] and "Ada Augusta Lovelace" in pages[1]
    for who in ("auditor", "evaluator", "signatory"):
        browser = _client(app, team, who, clock)
        assert _get(browser, f"/staff/sessions/{session}/print.pdf").status_code == 403, who
        assert _get(browser, f"/staff/sessions/{session}/addresses.csv").status_code == 403, who


def test_before_the_signature_the_documents_are_explained_not_served(app, team, clock) -> None:
    session, _ = prepared_session(team)
    manager = _client(app, team, "manager", clock)
    page = text(manager.get(f"/staff/sessions/{session}"))
    assert 'id="minutes-link"' not in page and 'id="print-link"' not in page
    for path in ("minutes.pdf", "print.pdf", "addresses.csv"):
        response = _get(manager, f"/staff/sessions/{session}/{path}")
        assert response.status_code == 303, path
        shown = manager.get(response.headers["Location"])
        assert flashes(shown) == [
            "Les documents de la session sont établis une fois ses décisions signées et ses "
            "certificats délivrés."
        ]
    assert 'id="not-signed"' in text(manager.get(f"/staff/sessions/{session}/documents"))


ROUTES = [
    ("GET", "/staff/sessions/{session}/documents"),
    ("GET", "/staff/sessions/{session}/minutes.pdf"),
    ("POST", "/staff/sessions/{session}/minutes"),
    ("GET", "/staff/sessions/{session}/print.pdf"),
    ("GET", "/staff/sessions/{session}/addresses.csv"),
]


def test_another_bodys_member_never_reaches_the_documents(
    app, team, clock, job_worker, staff, runtime
) -> None:
    session = _signed(team, clock, job_worker)
    for role in ("admin", "manager", "auditor"):
        other = staff(role, org="globex", email=f"{role}@globex.example")
        browser = app.test_client()
        assert sign_in(browser, other, at=clock.instant).status_code == 302
        token = csrf_token(browser.get("/staff/").get_data(as_text=True))
        for method, url in ROUTES:
            target = url.format(session=session)
            if method == "POST":
                response = browser.post(target, data={"csrf_token": token})
            else:
                response = _get(browser, target)
            assert response.status_code == 404, (role, url, response.status_code)
            assert b"%PDF" not in response.data and b"Hopper" not in response.data
    with runtime.unit() as deps:
        assert (
            deps.session.scalars(select(Document).where(Document.kind == JURY_MINUTES)).first()
            is None
        )


def test_the_annual_report_pdf_from_the_statistics_and_report_pages(
    app, team, clock, job_worker, runtime
) -> None:
    _signed(team, clock, job_worker)
    auditor = _client(app, team, "auditor", clock)
    page = text(auditor.get("/staff/statistics?year=2026"))
    assert 'href="/staff/reports/2026.pdf"' in page and "Rapport annuel 2026 (PDF scellé)" in page
    assert 'href="/staff/reports/2026"' in page
    assert 'href="/staff/reports/2026.pdf"' in text(auditor.get("/staff/statistics"))
    assert 'href="/staff/reports/2026.pdf"' in text(auditor.get("/staff/reports/2026"))
    report = auditor.get("/staff/reports/2026.pdf")
    assert report.status_code == 200 and report.mimetype == "application/pdf"
    seal = check_seal(report.data, instance_ca(runtime))
    assert seal.intact and seal.trusted and seal.coverage == "ENTIRE_FILE"
    assert "Rapport annuel d'activité 2026" in "\n".join(page_texts(report.data))
    manager = _client(app, team, "manager", clock)
    assert 'href="/staff/reports/2026.pdf"' not in text(manager.get("/staff/statistics"))
    assert manager.get("/staff/reports/2026.pdf").status_code == 403


def test_a_candidate_entered_by_hand_with_a_postal_address(client, staff, runtime) -> None:
    sign_in(client, staff("manager"))
    session_id, _ = open_session(runtime, csv=None)
    url = f"/staff/sessions/{session_id}/candidates/new"
    form = text(client.get(url))
    assert "Adresse postale (facultatif)" in form and 'name="postal_code"' in form
    fields = {
        "family_name": "Curie",
        "given_names": "Marie",
        "birth_date": "1990-11-07",
        "email": "marie@example.org",
        "address_line1": "3 place du Panthéon",
        "postal_code": "75005",
    }
    refused = submit(client, url, fields)
    assert refused.status_code == 400  # a street without a city
    done = submit(client, url, {**fields, "city": "Paris"})
    assert done.status_code == 302
    with runtime.unit() as deps:
        marie = deps.session.scalars(select(Candidate)).one()
        assert (marie.address_line1, marie.postal_code, marie.city) == (
            "3 place du Panthéon",
            "75005",
            "Paris",
        )

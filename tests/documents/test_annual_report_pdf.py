"""The annual activity report as a sealed PDF: the year's figures (those of the statistics
API), sealed over the whole file, PDF/A-3b, archived once per distinct content."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from babel.numbers import format_percent
from documents_support import catalog, check_seal, instance_ca, page_texts
from session_documents_support import signed_session
from sqlalchemy import select, update

from core.db.models import AuditEvent, Document, Organization
from core.db.models.document import ANNUAL_REPORT


@pytest.fixture
def signed(workflow: Any, job_worker: Any) -> Any:
    return signed_session(workflow, job_worker)


def _report(client: Any, who: Any, year: int = 2026) -> bytes:
    response = client.get(f"/api/v1/reports/{year}.pdf", headers=who)
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "application/pdf"
    assert f'filename="annual-report-{year}.pdf"' in response.headers["Content-Disposition"]
    return bytes(response.data)


def _text(pdf: bytes) -> str:
    return "\n".join(page_texts(pdf)).replace("\r\n", "\n")


def _percent(rate: str, language: str) -> str:
    return format_percent(Decimal(rate), format="#,##0.##%", locale=language)


def test_the_report_shows_the_years_figures_and_is_sealed(signed, client, body, runtime):
    figures = client.get("/api/v1/statistics?year=2026", headers=body.auth("auditor")).json
    total = figures["total"]
    assert (total["candidates"], total["passed"], total["issued"]) == (7, 3, 3)
    pdf = _report(client, body.auth("auditor"))
    text = _text(pdf)
    assert "Rapport annuel d'activité 2026" in text and "Acme Certification" in text
    assert "SOUD-1 — Soudage à l'arc, niveau 1" in text
    assert "Session de décembre 2026-12-01 7 3 3" in text
    row = " ".join(
        [
            "1",
            "7",
            _percent(total["eligibilityRate"], "fr"),
            "7",
            "3",
            _percent(total["passRate"], "fr"),
            total["meanAverage"].replace(".", ","),
            "3",
            "0",
        ]
    )
    assert row in text, (row, text)
    assert _percent(total["assessments"]["PRA"]["passRate"], "fr") in text
    assert "page 1 / " in text
    seal = check_seal(pdf, instance_ca(runtime))
    assert (seal.intact, seal.valid, seal.trusted) == (True, True, True)
    assert seal.coverage == "ENTIRE_FILE" and seal.modified == "NONE"
    xmp = catalog(pdf)["/Metadata"].get_object().data.decode()
    assert re.search(r'pdfaid:part(="|>)3', xmp) and re.search(r'pdfaid:conformance(="|>)B', xmp)


def test_the_same_figures_give_the_archived_report_new_ones_a_new_report(
    signed, client, body, runtime
) -> None:
    first = _report(client, body.auth("auditor"))
    assert _report(client, body.auth("admin")) == first
    ada = signed.credentials["ada@example.org"]
    client.post(
        f"/api/v1/credentials/{ada}/revoke", json={"reason": "erreur"}, headers=body.auth("manager")
    )
    second = _report(client, body.auth("auditor"))
    assert second != first
    assert "3 1" in _text(second)  # issued, revoked
    with runtime.unit() as deps:
        rows = list(deps.session.scalars(select(Document).where(Document.kind == ANNUAL_REPORT)))
        events = list(
            deps.session.scalars(select(AuditEvent).where(AuditEvent.action == "report.annual"))
        )
    assert len(rows) == 2 and all(r.filename.startswith("annual-report-2026-") for r in rows)
    assert [e.subject for e in events] == ["acme:2026", "acme:2026"]


def test_a_year_without_sessions_and_years_out_of_range(signed, client, body) -> None:
    text = _text(_report(client, body.auth("auditor"), 2019))
    assert "Rapport annuel d'activité 2019" in text
    assert "Aucune session n'a commencé cette année." in text and "SOUD-1" not in text
    for year in (0, 1899, 10000):
        response = client.get(f"/api/v1/reports/{year}.pdf", headers=body.auth("auditor"))
        assert response.status_code == 400, year
        assert response.json["error"]["problems"][0]["path"] == "year"


def test_the_report_in_english(signed, client, body, runtime) -> None:
    with runtime.unit() as deps:
        deps.session.execute(update(Organization).values(language="en"))
    figures = client.get("/api/v1/statistics?year=2026", headers=body.auth("auditor")).json
    text = _text(_report(client, body.auth("auditor")))
    assert "Annual activity report 2026" in text and "Pass rate per assessment" in text
    assert _percent(figures["total"]["passRate"], "en") in text
    assert figures["total"]["meanAverage"] in text

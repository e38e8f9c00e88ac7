"""The decision page: the jury's list, propose / approve (four eyes) / sign (TOTP) through the
page's forms, the job's progress as JSON, the session's credentials and their revocation."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from decision_pages_support import make_team, prepared_session
from office_support import csrf_token, flashes, sign_in, text
from sqlalchemy import select

from core.db.models import AuditEvent, Credential, ExamSession


@pytest.fixture
def team(staff, runtime, client, clock) -> Any:
    return make_team(staff, runtime, client)


def _client(app: Any, team: Any, who: str, clock: Any) -> Any:
    """A browser-like client signed in as ``who``."""
    client = app.test_client()
    response = sign_in(client, team.members[who], at=clock.instant)
    assert response.status_code == 302, text(response)
    assert client.get("/staff/").status_code == 200
    return client


def _post(client: Any, session: str, action: str, **data: str) -> Any:
    page = client.get(f"/staff/sessions/{session}/decision")
    token = csrf_token(page.get_data(as_text=True))
    return client.post(
        f"/staff/sessions/{session}/decision/{action}", data={**data, "csrf_token": token}
    )


def _state(runtime: Any, session: str) -> str:
    with runtime.unit() as deps:
        return deps.session.get_one(ExamSession, session).state


def test_the_page_lists_live_results_and_what_is_missing(app, team, clock) -> None:
    session, _ = prepared_session(team, graded=False)
    manager = _client(app, team, "manager", clock)
    page = text(manager.get(f"/staff/sessions/{session}/decision"))
    assert "Session de décembre" in page
    assert "Ouverte : résultats en préparation" in page
    assert "3 dossier(s) attendent des notes ou une décision d'éligibilité." in page
    assert page.count('<span class="missing">Manquant</span>') == 3
    refused = _post(manager, session, "propose")
    assert refused.status_code == 303
    assert flashes(manager.get(refused.location)) == [
        "3 dossier(s) attendent des notes ou une décision d'éligibilité : les décisions ne "
        "peuvent pas encore être proposées."
    ]
    english = text(manager.get(f"/staff/sessions/{session}/decision?lang=en"))
    assert "Open: results being prepared" in english


def test_four_eyes_through_the_pages(app, team, clock, runtime) -> None:
    session, _ = prepared_session(team)
    manager = _client(app, team, "manager", clock)
    proposed = _post(manager, session, "propose")
    assert proposed.status_code == 303
    page = manager.get(proposed.location)
    assert flashes(page) == [
        "Décisions proposées : 2 admis, 1 refusé(s). Un autre responsable ou administrateur "
        "doit maintenant les approuver."
    ]
    shown = text(page)
    assert 'id="four-eyes"' in shown
    assert "Vous avez proposé ces décisions" in shown
    assert "Marc Manager" in shown

    refused = _post(manager, session, "approve")
    assert refused.status_code == 303
    assert flashes(manager.get(refused.location)) == [
        "Quatre yeux : vous avez proposé ces décisions, vous ne pouvez donc pas les approuver. "
        "Un autre responsable ou administrateur doit les approuver."
    ]
    assert _state(runtime, session) == "proposed"

    other = _client(app, team, "manager2", clock)
    assert 'id="four-eyes"' not in text(other.get(f"/staff/sessions/{session}/decision"))
    approved = _post(other, session, "approve")
    assert flashes(other.get(approved.location)) == [
        "Décisions approuvées. Un signataire doit maintenant les signer."
    ]
    assert _state(runtime, session) == "approved"


def test_roles_that_may_not_act_get_403(app, team, clock) -> None:
    session, _ = prepared_session(team)
    evaluator = _client(app, team, "evaluator", clock)
    assert evaluator.get(f"/staff/sessions/{session}/decision").status_code == 200
    for action in ("propose", "approve", "sign"):
        assert _post(evaluator, session, action, code="123456").status_code == 403
    signatory = _client(app, team, "signatory", clock)
    assert _post(signatory, session, "propose").status_code == 403
    manager = _client(app, team, "manager", clock)
    assert _post(manager, session, "sign", code="123456").status_code == 403


def test_a_post_without_its_csrf_token_is_refused(app, team, clock, runtime) -> None:
    session, _ = prepared_session(team)
    manager = _client(app, team, "manager", clock)
    assert manager.post(f"/staff/sessions/{session}/decision/propose").status_code == 400
    assert _state(runtime, session) == "open"


def _approved(app: Any, team: Any, clock: Any) -> str:
    session, _ = prepared_session(team)
    assert team.workflow.act(session, "proposal", "manager").status_code == 200
    assert team.workflow.act(session, "approval", "manager2").status_code == 200
    return session


def test_a_wrong_totp_code_is_explained(app, team, clock, runtime) -> None:
    session = _approved(app, team, clock)
    signatory = _client(app, team, "signatory", clock)
    page = text(signatory.get(f"/staff/sessions/{session}/decision"))
    assert "Code de votre application d'authentification" in page
    for code, message in (
        ("000000", "Le code est faux, expiré ou déjà utilisé."),
        ("12", "Saisissez les 6 chiffres affichés par votre application."),
        (
            team.members["signatory"].code(clock.instant),
            "Le code est faux, expiré ou déjà utilisé.",
        ),
    ):
        refused = _post(signatory, session, "sign", code=code)
        assert refused.status_code == 303
        assert flashes(signatory.get(refused.location))[0].startswith(message), code
    assert _state(runtime, session) == "approved"


def test_signing_shows_the_progress_and_then_the_credentials(
    app, team, clock, runtime, job_worker, settings
) -> None:
    session = _approved(app, team, clock)
    signatory = _client(app, team, "signatory", clock)
    clock.instant += timedelta(seconds=30)  # the sign-in spent the current code
    code = team.members["signatory"].code(clock.instant)
    signed = _post(signatory, session, "sign", code=code)
    assert signed.status_code == 303
    with runtime.unit() as deps:
        job = deps.session.get_one(ExamSession, session).job_id
    assert job is not None
    page = text(signatory.get(signed.location))
    assert f'data-url="/staff/jobs/{job}.json"' in page
    assert "<progress" in page
    progress = job_worker.wait(job)
    assert progress["state"] == "done"
    shown = signatory.get(f"/staff/jobs/{job}.json")
    assert shown.status_code == 200
    assert shown.json["state"] == "done"
    assert (shown.json["done"], shown.json["total"], shown.json["errors"]) == (2, 2, [])
    assert shown.json["label"] == "Terminé"
    auditor = _client(app, team, "auditor", clock)
    assert auditor.get(f"/staff/jobs/{job}.json").status_code == 200
    page = text(auditor.get(f"/staff/sessions/{session}/decision"))
    assert "Signée : attestations délivrées" in page
    assert "Sam Signatory" in page and "Maud Manager" in page
    links = re.findall(rf'href="{re.escape(settings.base_url)}/c/([0-9a-f-]+)"', page)
    assert len(links) == 2
    assert "Révoquer cette attestation" not in page  # an auditor does not revoke


def test_a_manager_revokes_a_credential_with_a_reason(
    app, team, clock, runtime, job_worker
) -> None:
    session = _approved(app, team, clock)
    clock.instant += timedelta(seconds=30)
    response = team.workflow.act(
        session,
        "signature",
        "signatory",
        json={"totp": team.workflow.body.code("signatory", clock.instant)},
    )
    job_worker.wait(response.json["job"])
    manager = _client(app, team, "manager", clock)
    page = manager.get(f"/staff/sessions/{session}/decision")
    ids = re.findall(r'id="credential-([0-9a-f-]+)"', page.get_data(as_text=True))
    assert len(ids) == 2
    url = f"/staff/sessions/{session}/credentials/{ids[0]}/revoke"
    token = csrf_token(page.get_data(as_text=True))
    empty = manager.post(url, data={"csrf_token": token, "reason": "  "})
    assert flashes(manager.get(empty.location)) == ["Ce champ est obligatoire."]
    done = manager.post(url, data={"csrf_token": token, "reason": "Fraude à l'examen"})
    assert done.status_code == 303
    after = manager.get(done.location)
    assert flashes(after)[0].startswith("Attestation révoquée")
    assert "Fraude à l'examen" in text(after)
    again = manager.post(url, data={"csrf_token": token, "reason": "encore"})
    assert flashes(manager.get(again.location)) == ["Cette attestation est déjà révoquée."]
    with runtime.unit() as deps:
        row = deps.session.get_one(Credential, ids[0])
        assert row.revocation_reason == "Fraude à l'examen"
        actors = list(
            deps.session.scalars(
                select(AuditEvent.actor).where(AuditEvent.action == "credential.revoke")
            )
        )
    assert actors == [f"staff:{team.members['manager'].email}"]
    clock.instant += timedelta(seconds=30)  # the signature spent the current code
    signatory = _client(app, team, "signatory", clock)
    token = csrf_token(signatory.get(f"/staff/sessions/{session}/decision").get_data(as_text=True))
    refused = signatory.post(
        f"/staff/sessions/{session}/credentials/{ids[1]}/revoke",
        data={"csrf_token": token, "reason": "non"},
    )
    assert refused.status_code == 403


def test_a_credential_of_another_session_is_not_revoked_here(
    app, team, clock, runtime, job_worker
) -> None:
    session = _approved(app, team, clock)
    clock.instant += timedelta(seconds=30)
    response = team.workflow.act(
        session,
        "signature",
        "signatory",
        json={"totp": team.workflow.body.code("signatory", clock.instant)},
    )
    job_worker.wait(response.json["job"])
    other = team.workflow.session(name="Autre session")
    with runtime.unit() as deps:
        credential = deps.session.scalars(select(Credential.id)).first()
    manager = _client(app, team, "manager", clock)
    token = csrf_token(manager.get(f"/staff/sessions/{other}/decision").get_data(as_text=True))
    refused = manager.post(
        f"/staff/sessions/{other}/credentials/{credential}/revoke",
        data={"csrf_token": token, "reason": "mauvaise session"},
    )
    assert refused.status_code == 404

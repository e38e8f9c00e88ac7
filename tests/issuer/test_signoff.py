"""Signing a session's approved decisions issues one credential per passed candidate through
the task queue; the signature needs a third person and a fresh TOTP code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from workflow_support import approved_session as _approved
from workflow_support import sign_session as _sign

from core.audit.log import verify_chain
from core.db.models import AuditEvent, Credential, ExamSession


def test_signing_issues_one_credential_per_passed_candidate(
    workflow, job_worker, runtime, settings
) -> None:
    session, ids = _approved(workflow)
    response = _sign(workflow, session)
    assert response.status_code == 202, response.json
    job = response.json["job"]
    progress = job_worker.wait(job)
    assert progress["state"] == "done"
    assert (progress["done"], progress["total"], progress["errors"]) == (2, 2, [])
    shown = workflow.client.get(f"/api/v1/jobs/{job}", headers=workflow.body.auth("auditor"))
    assert shown.status_code == 200
    assert shown.json["state"] == "done"
    listed = workflow.client.get(
        f"/api/v1/sessions/{session}/credentials", headers=workflow.body.auth("manager")
    ).json
    assert {c["email"] for c in listed} == {"ada@example.org", "grace@example.org"}
    assert all(c["id"].startswith(f"{settings.base_url}/c/") for c in listed)
    with runtime.unit() as deps:
        assert deps.session.get_one(ExamSession, session).state == "signed"
        rows = list(deps.session.scalars(select(Credential)))
        assert {r.enrollment_id for r in rows} == {ids["ada@example.org"], ids["grace@example.org"]}
        assert all(r.program_version_id is not None for r in rows)
        document = rows[0].document
    subject = document["credentialSubject"]
    names = [d["name"] for d in subject["achievement"]["resultDescription"]]
    assert names == [
        "Épreuve écrite (coefficient 1)",
        "Épreuve orale (coefficient 2)",
        "Épreuve pratique (coefficient 3)",
        "Moyenne pondérée",
    ]
    assert [r["value"] for r in subject["result"]] == ["14", "13.5", "12.5", "13.08"]
    assert subject["achievement"]["resultDescription"][2]["requiredValue"] == "10"
    assert document["validUntil"] > document["validFrom"]
    page = workflow.client.get(listed[0]["id"].removeprefix(settings.base_url) + ".json")
    assert page.status_code == 200


def test_the_signatory_needs_a_fresh_totp_code(workflow, runtime) -> None:
    session, _ = _approved(workflow)
    body = workflow.body
    stale = body.code("signatory", datetime.now(UTC) - timedelta(minutes=5))
    for code in ("000000", "12345", stale, None):
        refused = workflow.act(session, "signature", "signatory", json={"totp": code})
        assert refused.status_code == 403, code
        assert refused.json["error"]["code"] == "invalid_totp"
    assert workflow.act(session, "signature", "manager", json={"totp": "1"}).status_code == 403
    assert (
        workflow.act(session, "signature", "admin", json={"totp": body.code("admin")}).status_code
        == 403
    )
    with runtime.unit() as deps:
        assert deps.session.get_one(ExamSession, session).state == "approved"


def test_a_totp_code_signs_once(workflow, job_worker) -> None:
    session, _ = _approved(workflow)
    code = workflow.body.code("signatory")
    first = _sign(workflow, session, code)
    assert first.status_code == 202
    job_worker.wait(first.json["job"])
    again = _sign(workflow, session, code)
    assert again.status_code == 409  # signed already; and the code is spent anyway


def test_only_approved_decisions_are_signed(workflow) -> None:
    workflow.program()
    session = workflow.session()
    response = _sign(workflow, session)
    assert response.status_code == 409
    assert response.json["error"]["code"] == "session_open"


def test_the_audit_log_names_the_three_people(workflow, job_worker, runtime, body) -> None:
    session, _ = _approved(workflow)
    job_worker.wait(_sign(workflow, session).json["job"])
    with runtime.unit() as deps:
        events = {
            e.action: e.actor
            for e in deps.session.scalars(select(AuditEvent).where(AuditEvent.subject == session))
        }
        issued = deps.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "credential.issue")
        )
        # The chunk writes its events together at its end (append_many): the chain holds.
        intact, _, message = verify_chain(deps.session)
    assert intact, message
    assert events["session.propose"] == f"staff:{body.emails['manager']}"
    assert events["session.approve"] == f"staff:{body.emails['manager2']}"
    assert events["session.sign"] == f"staff:{body.emails['signatory']}"
    assert issued == 2


def test_another_bodys_job_is_not_found(workflow, job_worker, runtime, client) -> None:
    from workflow_support import make_body

    session, _ = _approved(workflow)
    job = _sign(workflow, session).json["job"]
    job_worker.wait(job)
    other = make_body(runtime, "globex")
    assert client.get(f"/api/v1/jobs/{job}", headers=other.auth("auditor")).status_code == 404
    assert (
        client.get(
            f"/api/v1/sessions/{session}/credentials", headers=other.auth("manager")
        ).status_code
        == 404
    )


def test_signed_credentials_verify_as_valid_in_both_forms(workflow, job_worker, runtime) -> None:
    session, _ = _approved(workflow)
    job_worker.wait(_sign(workflow, session).json["job"])
    with runtime.unit() as deps:
        row = deps.session.scalars(select(Credential)).first()
        forms = [{"credential": row.document}, {"jwt": row.jwt}]
    for form in forms:
        report = workflow.client.post("/api/v1/verify", json=form).json
        assert report["verified"] is True, report


def test_an_interrupted_signature_resumes_without_duplicates(
    workflow, job_worker, runtime, monkeypatch
) -> None:
    import issuer.services.signoff as signoff
    from core.errors import Conflict

    session, ids = _approved(workflow)
    real = signoff.issue_credential
    grace = ids["grace@example.org"]

    def flaky(deps, org, request, **kwargs):
        if kwargs["idempotency_key"] == f"sceau:enrollment:{grace}":
            raise Conflict("the mail server of the archive is down")
        return real(deps, org, request, **kwargs)

    monkeypatch.setattr(signoff, "issue_credential", flaky)
    progress = job_worker.wait(_sign(workflow, session).json["job"])
    assert progress["state"] == "failed"
    assert (progress["done"], progress["total"]) == (1, 2)
    assert progress["errors"] == [
        {"item": grace, "message": "the mail server of the archive is down"}
    ]
    with runtime.unit() as deps:
        assert deps.session.get_one(ExamSession, session).state == "signing"

    monkeypatch.setattr(signoff, "issue_credential", real)
    # A new code (the next time step: the first one is spent).
    later = workflow.body.code("signatory", datetime.now(UTC) + timedelta(seconds=30))
    resumed = _sign(workflow, session, later)
    assert resumed.status_code == 202, resumed.json
    progress = job_worker.wait(resumed.json["job"])
    assert (progress["state"], progress["done"], progress["total"]) == ("done", 1, 1)
    with runtime.unit() as deps:
        assert deps.session.get_one(ExamSession, session).state == "signed"
        holders = list(deps.session.scalars(select(Credential.recipient_email)))
    assert sorted(holders) == ["ada@example.org", "grace@example.org"]


def test_guessing_the_signatory_code_locks_signing(workflow, runtime) -> None:
    """A stolen signatory token must not brute-force the 10^6 TOTP codes: five wrong codes
    lock the member (sign-in and signature) for 15 minutes, and the count survives the 403s."""
    from core.db.models import StaffMember

    session, _ = _approved(workflow)
    for code in ("000001", "000002", "000003", "000004", "000005"):
        refused = workflow.act(session, "signature", "signatory", json={"totp": code})
        assert refused.json["error"]["code"] == "invalid_totp"
    locked = _sign(workflow, session)  # even the right code
    assert locked.status_code == 403
    assert locked.json["error"]["code"] == "totp_locked"
    with runtime.unit() as deps:
        member = deps.session.scalars(
            select(StaffMember).where(StaffMember.email == workflow.body.emails["signatory"])
        ).one()
        assert member.locked_until is not None
        assert deps.session.get_one(ExamSession, session).state == "approved"
        actions = set(deps.session.scalars(select(AuditEvent.action)))
    assert "staff.locked" in actions
    assert "session.sign" not in actions

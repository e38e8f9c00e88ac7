"""Every page added for the decision, statistics and audit keeps a member inside their own
organization: another body's session, job or credential is "not found", and the pages
without an id show only the member's own body."""

from __future__ import annotations

from datetime import timedelta

import pytest
from decision_pages_support import make_team, prepared_session
from office_support import csrf_token, sign_in, text
from sqlalchemy import select

from core.db.models import Credential, ExamSession

#: (method, url template, role of the other body's member, expected status)
ROUTES = [
    ("GET", "/staff/sessions/{session}/decision", "manager", 404),
    ("POST", "/staff/sessions/{session}/decision/propose", "manager", 404),
    ("POST", "/staff/sessions/{session}/decision/approve", "manager", 404),
    ("POST", "/staff/sessions/{session}/decision/sign", "signatory", 404),
    ("POST", "/staff/sessions/{session}/credentials/{credential}/revoke", "manager", 404),
    # Roles that may not act get 404 too: the session is looked up before the role is judged.
    ("POST", "/staff/sessions/{session}/decision/propose", "evaluator", 404),
    ("POST", "/staff/sessions/{session}/decision/approve", "auditor", 404),
    ("POST", "/staff/sessions/{session}/decision/sign", "manager", 404),
    ("POST", "/staff/sessions/{session}/credentials/{credential}/revoke", "evaluator", 404),
    ("GET", "/staff/jobs/{job}.json", "auditor", 404),
    ("GET", "/staff/statistics", "manager", 200),
    ("GET", "/staff/statistics.csv", "auditor", 200),
    ("GET", "/staff/reports/2026", "auditor", 200),
    ("GET", "/staff/audit", "auditor", 200),
    ("GET", "/staff/audit.csv", "admin", 200),
    ("GET", "/staff/audit/chain", "admin", 200),
]


@pytest.mark.parametrize(("method", "url", "role", "status"), ROUTES)
def test_another_bodys_member_never_reaches_acme(
    method, url, role, status, app, staff, runtime, client, clock, job_worker
) -> None:
    team = make_team(staff, runtime, client)
    session, _ = prepared_session(team)
    workflow = team.workflow
    assert workflow.act(session, "proposal", "manager").status_code == 200
    assert workflow.act(session, "approval", "manager2").status_code == 200
    code = workflow.body.code("signatory", clock.instant + timedelta(seconds=30))
    job = workflow.act(session, "signature", "signatory", json={"totp": code}).json["job"]
    job_worker.wait(job)
    with runtime.unit() as deps:
        credential = deps.session.scalars(select(Credential.id)).first()
        assert deps.session.get_one(ExamSession, session).state == "signed"

    other = staff(role, org="globex", email=f"{role}@globex.example")
    browser = app.test_client()
    assert sign_in(browser, other, at=clock.instant).status_code == 302
    target = url.format(session=session, job=job, credential=credential)
    if method == "POST":
        token = csrf_token(browser.get("/staff/").get_data(as_text=True))
        data = {"csrf_token": token, "code": other.code(clock.instant) if other.totp_secret else ""}
        response = browser.post(target, data={**data, "reason": "pas chez nous"})
    else:
        response = browser.get(target)
    assert response.status_code == status, text(response)
    body = text(response)
    if status == 200:  # (a 404 page links to its own URL in the language switch)
        assert session not in body
    assert "Session de décembre" not in body
    assert "Marc Manager" not in body and "manager@acme.example" not in body
    with runtime.unit() as deps:
        assert deps.session.get_one(ExamSession, session).state == "signed"
        assert deps.session.get_one(Credential, credential).revoked_at is None

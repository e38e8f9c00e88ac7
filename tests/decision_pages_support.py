"""Helpers of the decision, statistics and audit page tests: a body's staff set up for the back
office (with personal tokens, to prepare a session through the workflow API as
workflow_support does), and a session ready for the jury's decision."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from office_support import Member
from workflow_support import Body, Workflow

from core.db.models import StaffMember
from core.unit_of_work import Runtime
from issuer.services.staff import create_personal_token

#: name -> (role, display name) of the staff of the page tests.
PEOPLE = {
    "admin": ("admin", "Alice Admin"),
    "manager": ("manager", "Marc Manager"),
    "manager2": ("manager", "Maud Manager"),
    "evaluator": ("evaluator", "Eve Evaluator"),
    "signatory": ("signatory", "Sam Signatory"),
    "auditor": ("auditor", "Aude Auditor"),
}
SCORES = {"ECR": 14, "ORA": "13,5", "PRA": 12.5}


@dataclass
class Team:
    """A body's staff, ready to sign in, and the workflow API driven with their tokens."""

    members: dict[str, Member]
    workflow: Workflow


def make_team(staff: Any, runtime: Runtime, client: Any, org: str = "acme") -> Team:
    """Every member of PEOPLE in ``org``, set up, each with a personal token."""
    members = {
        name: staff(role, org=org, email=f"{name}@{org}.example", name=display)
        for name, (role, display) in PEOPLE.items()
    }
    body = Body(org, api_key="")
    with runtime.unit() as deps:
        for name, member in members.items():
            row = deps.session.get_one(StaffMember, member.id)
            body.tokens[name] = create_personal_token(deps, row, actor="test")
            body.emails[name] = member.email
            if member.totp_secret:
                body.totp[name] = member.totp_secret
    return Team(members, Workflow(client, body))


def prepared_session(team: Team, *, graded: bool = True) -> tuple[str, dict[str, str]]:
    """A session of three candidates, all eligible; graded (Charles fails the practical exam)
    unless ``graded`` is False. Its id and the enrollments by e-mail."""
    workflow = team.workflow
    workflow.program()
    session = workflow.session()
    ids = workflow.enroll(session)
    for enrollment in ids.values():
        assert workflow.eligible(enrollment).status_code == 200
    if graded:
        for email, enrollment in ids.items():
            failing = {"PRA": 9} if email.startswith("charles") else {}
            assert workflow.grade(enrollment, {**SCORES, **failing}).status_code == 200
    return session, ids

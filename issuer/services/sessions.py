"""Exam sessions and the enrollments in them, always looked up within the caller's
organization: another body's session is "not found", whatever the caller's role."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import func, select, update

from core.accounts.principal import Action, Principal, Role
from core.audit.log import record
from core.db.models import Enrollment, ExamSession, Organization, StaffMember
from core.deps import Deps
from core.errors import Conflict, InputError, NotFound
from core.validation import validate_payload
from core.workflow.schemes import scheme_from_json
from core.workflow.text import plain_text
from issuer.services.programs import get_program, program_version


def organization_of(deps: Deps, principal: Principal) -> Organization:
    """The organization the caller acts for."""
    return deps.session.get_one(Organization, principal.organization_id)


def get_session(
    deps: Deps, principal: Principal, session_id: str, *, lock: bool = False
) -> ExamSession:
    """The caller's organization's session; NotFound for any other. ``lock`` holds the row
    until the commit, so that two state changes of one session run one after the other."""
    query = select(ExamSession).where(
        ExamSession.id == session_id,
        ExamSession.organization_id == principal.organization_id,
    )
    found = deps.session.scalar(query.with_for_update() if lock else query)
    if found is None:
        raise NotFound("no such session")
    return found


def session_access(
    deps: Deps, principal: Principal, session_id: str, action: Action
) -> ExamSession:
    """The session, if the caller may ``action`` on it: NotFound for another body's session
    first, then PermissionDenied for a role that may not."""
    session = get_session(deps, principal, session_id)
    principal.require(action)
    return session


def get_enrollment(deps: Deps, principal: Principal, enrollment_id: str) -> Enrollment:
    """The caller's organization's enrollment; NotFound for any other."""
    found = deps.session.scalar(
        select(Enrollment).where(
            Enrollment.id == enrollment_id,
            Enrollment.organization_id == principal.organization_id,
        )
    )
    if found is None:
        raise NotFound("no such enrollment")
    return found


def _date(value: str, path: str) -> date:
    try:
        day = date.fromisoformat(value)
        if not 1900 <= day.year <= 9999:
            raise ValueError("out of the years statistics count")
        return day
    except ValueError:
        raise InputError(
            "not a date",
            code="invalid_request",
            problems=[{"path": path, "message": "a date written YYYY-MM-DD, from 1900 on"}],
        ) from None


def _evaluators(deps: Deps, org: Organization, emails: list[str]) -> list[StaffMember]:
    wanted = [e.strip().lower() for e in emails]
    members = {
        m.email: m
        for m in deps.session.scalars(
            select(StaffMember).where(
                StaffMember.organization_id == org.id,
                StaffMember.email.in_(wanted),
                StaffMember.disabled_at.is_(None),
            )
        )
    }
    problems = [
        {"path": f"evaluators[{i}]", "message": "not an evaluator or manager of this body"}
        for i, email in enumerate(wanted)
        if email not in members or members[email].role not in (Role.EVALUATOR, Role.MANAGER)
    ]
    if problems:
        raise InputError("unknown evaluators", code="invalid_request", problems=problems)
    return list(dict.fromkeys(members[e] for e in wanted))


def create_session(deps: Deps, principal: Principal, payload: Any) -> ExamSession:
    """A new session of the program's current version (which must have an evaluation
    scheme); only the listed evaluators grade it, or any when none is listed."""
    validate_payload("session", payload)
    org = organization_of(deps, principal)
    program = get_program(deps, org, payload["program"])
    principal.require(Action.MANAGE_SESSIONS)
    starts, ends = _date(payload["startsOn"], "startsOn"), _date(payload["endsOn"], "endsOn")
    if ends < starts:
        raise InputError(
            "the session ends before it starts",
            code="invalid_request",
            problems=[{"path": "endsOn", "message": "on or after startsOn"}],
        )
    version = program_version(deps, program)
    if version.scheme is None:
        raise InputError(
            f"program {program.code!r} has no evaluation scheme: add assessments and a "
            "passMark (PUT /api/v1/programs/<code>) before opening a session",
            code="program_without_scheme",
        )
    now = deps.clock.now()
    session = ExamSession(
        id=str(uuid.uuid4()),
        organization_id=org.id,
        program_id=program.id,
        program_version_id=version.id,
        name=plain_text(payload["name"], "name"),
        starts_on=starts,
        ends_on=ends,
        place=plain_text(payload["place"], "place"),
        capacity=payload.get("capacity"),
        state="open",
        created_at=now,
        created_by=principal.actor,
        evaluators=_evaluators(deps, org, payload.get("evaluators", [])),
    )
    deps.session.add(session)
    deps.session.flush()
    record(
        deps,
        principal,
        "session.create",
        session.id,
        {"program": program.code, "version": version.number},
        now=now,
    )
    return session


def enrollment_count(deps: Deps, session: ExamSession) -> int:
    """How many candidates the session holds."""
    return (
        deps.session.scalar(
            select(func.count()).select_from(Enrollment).where(Enrollment.session_id == session.id)
        )
        or 0
    )


def session_summary(deps: Deps, session: ExamSession) -> dict[str, Any]:
    """The API form of a session."""
    scheme = scheme_from_json(session.program_version.scheme or {"assessments": []})
    return {
        "id": session.id,
        "program": session.program.code,
        "programVersion": session.program_version.number,
        "name": session.name,
        "startsOn": session.starts_on.isoformat(),
        "endsOn": session.ends_on.isoformat(),
        "place": session.place,
        "capacity": session.capacity,
        "evaluators": [m.email for m in session.evaluators],
        "assessments": [a.code for a in scheme.assessments],
        "state": session.state,
        "candidates": enrollment_count(deps, session),
        "job": session.job_id,
    }


def reopen_for_change(deps: Deps, principal: Principal, session: ExamSession, why: str) -> None:
    """Let a change touch the session's files: a proposed or approved decision is reopened
    (audited, to be proposed and approved again); a signed one can no longer change."""
    if session.state in ("signing", "signed"):
        raise Conflict(
            "the session's decisions are signed: revoke or correct-and-reissue instead",
            code="session_signed",
        )
    if session.state == "open":
        return
    previous = session.state
    session.state = "open"
    session.proposed_by = session.proposed_at = None
    session.approved_by = session.approved_at = None
    deps.session.execute(
        update(Enrollment)
        .where(Enrollment.session_id == session.id)
        .values(state="registered", decision=None)
    )
    record(
        deps,
        principal,
        "session.reopen",
        session.id,
        {"was": previous, "because": why},
    )

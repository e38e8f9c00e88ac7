"""Enrolling candidates in a session (all rows or none) and recording their eligibility."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from core.accounts.principal import Action, Principal
from core.audit.log import record
from core.db.models import Candidate, Enrollment, ExamSession
from core.deps import Deps
from core.errors import Conflict, InputError
from core.validation import validate_payload
from core.workflow.candidates import CandidateRow
from core.workflow.eligibility import EligibilityRecord, Override, assess_eligibility
from core.workflow.grading import parse_decimal
from core.workflow.schemes import Eligibility, eligibility_from_json
from core.workflow.text import plain_text
from issuer.services.sessions import (
    enrollment_count,
    get_enrollment,
    get_session,
    reopen_for_change,
)


def check_room(deps: Deps, session: ExamSession, wanted: int) -> None:
    """Conflict when ``wanted`` more candidates would exceed the session's capacity."""
    if session.capacity is None:
        return
    room = session.capacity - enrollment_count(deps, session)
    if wanted > room:
        raise Conflict(
            f"the session has room for {max(room, 0)} more candidate(s)",
            code="capacity_exceeded",
        )


def _known_candidates(
    deps: Deps, org_id: int, rows: list[CandidateRow]
) -> dict[tuple[str, Any], Candidate]:
    emails = sorted({row.email for row in rows})
    found: dict[tuple[str, Any], Candidate] = {}
    for start in range(0, len(emails), 500):  # bound the IN list for every engine
        for candidate in deps.session.scalars(
            select(Candidate).where(
                Candidate.organization_id == org_id,
                Candidate.email.in_(emails[start : start + 500]),
            )
        ):
            found.setdefault((candidate.email, candidate.birth_date), candidate)
    return found


def enroll_candidates(
    deps: Deps, principal: Principal, session_id: str, rows: list[CandidateRow]
) -> list[tuple[Enrollment, Candidate]]:
    """Enroll every row in the session, or none: a candidate already known to the body (same
    e-mail and birth date) is reused; one already in this session is a problem of its line."""
    session = get_session(deps, principal, session_id, lock=True)
    principal.require(Action.ENROLL)
    if session.state != "open":
        raise Conflict("the session's decisions are already proposed", code="session_closed")
    check_room(deps, session, len(rows))
    known = _known_candidates(deps, session.organization_id, rows)
    enrolled = set(
        deps.session.scalars(
            select(Enrollment.candidate_id).where(Enrollment.session_id == session.id)
        )
    )
    problems = []
    for row in rows:
        candidate = known.get((row.email, row.birth_date))
        if candidate is None:
            continue
        if candidate.id in enrolled:
            problems.append(
                {"line": row.line, "path": "email", "message": "already enrolled in this session"}
            )
        elif (candidate.family_name, candidate.given_names) != (
            row.family_name,
            " ".join(row.given_names),
        ):
            # The same e-mail and birth date under another name: a typo here or in the record,
            # which someone must settle (silently keeping either name would be a guess).
            problems.append(
                {
                    "line": row.line,
                    "path": "family_name",
                    "message": "this e-mail and birth date belong to a known candidate "
                    "of another name",
                }
            )
    if problems:
        raise InputError(
            f"{len(problems)} line(s) have problems; nothing was imported",
            code="invalid_candidates",
            problems=problems,
        )
    now = deps.clock.now()
    created: list[tuple[Enrollment, Candidate]] = []
    for row in rows:
        candidate = known.get((row.email, row.birth_date))
        if candidate is None:
            candidate = Candidate(
                organization_id=session.organization_id,
                family_name=row.family_name,
                usage_name=row.usage_name,
                given_names=" ".join(row.given_names),
                birth_date=row.birth_date,
                email=row.email,
                sex=row.sex,
                birth_place_insee=row.birth_place_insee,
                birth_postal_code=row.birth_postal_code,
                birth_country=row.birth_country,
                created_at=now,
            )
            deps.session.add(candidate)
        if row.address is not None:
            # The latest address given is where the certificate goes (people move).
            for column, value in row.address.items():
                setattr(candidate, column, value)
        enrollment = Enrollment(
            id=str(uuid.uuid4()),
            organization_id=session.organization_id,
            session_id=session.id,
            candidate=candidate,
            access_route=row.access_route,
            state="registered",
            created_at=now,
        )
        deps.session.add(enrollment)
        created.append((enrollment, candidate))
    deps.session.flush()
    record(
        deps,
        principal,
        "session.enroll",
        session.id,
        {"created": len(created)},
        now=now,
    )
    return created


def _prerequisites(value: bool | list[bool], rules: Eligibility) -> tuple[bool, ...]:
    if isinstance(value, bool):
        return (value,) * len(rules.prerequisites)
    if len(value) != len(rules.prerequisites):
        raise InputError(
            "one answer per prerequisite of the program",
            code="invalid_request",
            problems=[
                {
                    "path": "prerequisitesMet",
                    "message": f"{len(rules.prerequisites)} booleans, in the program's order",
                }
            ],
        )
    return tuple(value)


def _attendance(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        percent = parse_decimal(value)
    except ValueError:
        percent = Decimal(-1)
    if not 0 <= percent <= 100:
        raise InputError(
            "attendance is a percentage",
            code="invalid_request",
            problems=[{"path": "attendancePercent", "message": "a number from 0 to 100"}],
        )
    return percent


def program_rules(session: ExamSession) -> Eligibility:
    """The eligibility rules of the session's program version (none: nothing required)."""
    stored = session.program_version.eligibility
    return Eligibility() if stored is None else eligibility_from_json(stored)


def record_eligibility(
    deps: Deps, principal: Principal, enrollment_id: str, payload: Any
) -> tuple[bool, list[str]]:
    """Record what staff checked in the file, compute eligibility (or apply the override)."""
    enrollment = get_enrollment(deps, principal, enrollment_id)
    principal.require(Action.RECORD_ELIGIBILITY)
    validate_payload("eligibility", payload)
    session = get_session(deps, principal, enrollment.session_id, lock=True)
    rules = program_rules(session)
    facts = EligibilityRecord(
        identity_checked=payload["identityChecked"],
        identity_document=(
            plain_text(payload["identityDocument"], "identityDocument")
            if "identityDocument" in payload
            else None
        ),
        prerequisites_met=_prerequisites(payload["prerequisitesMet"], rules),
        attendance_percent=_attendance(payload.get("attendancePercent")),
        file_complete=payload["fileComplete"],
    )
    raw_override = payload.get("override")
    override = None
    if raw_override is not None:
        justification = plain_text(
            raw_override["justification"], "override.justification", minimum=10
        )
        override = Override(raw_override["eligible"], justification)
    eligible, reasons = assess_eligibility(rules, facts, override)
    reopen_for_change(deps, principal, session, f"eligibility of {enrollment.id}")
    now = deps.clock.now()
    enrollment.identity_checked = facts.identity_checked
    enrollment.identity_document = facts.identity_document
    enrollment.prerequisites_met = list(facts.prerequisites_met)
    enrollment.attendance_percent = facts.attendance_percent
    enrollment.file_complete = facts.file_complete
    enrollment.eligible = eligible
    enrollment.eligibility_reasons = reasons
    enrollment.eligibility_override = override.justification if override else None
    enrollment.eligibility_by = principal.actor
    enrollment.eligibility_at = now
    record(
        deps,
        principal,
        "enrollment.eligibility",
        enrollment.id,
        {
            "eligible": eligible,
            "reasons": reasons,
            "identityDocument": facts.identity_document,
            "override": override is not None,
        },
        now=now,
    )
    return eligible, reasons

"""What the back office's session pages show: the sessions table (paged, filtered), the
choices of the new-session form, and one session with its candidates and their results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select

from core.accounts.principal import Action, Principal, Role
from core.db.models import Candidate, Delivery, Enrollment, ExamSession, Program, StaffMember
from core.delivery.records import latest_deliveries
from core.deps import Deps
from core.errors import PermissionDenied
from core.workflow.grading import Assessment
from issuer.services.paging import Page, page_of
from issuer.services.results import (
    EnrollmentResult,
    check_may_grade,
    compute_results,
    session_scheme,
    stored_results,
)
from issuer.services.sessions import get_session

#: A session's states, in the order the workflow walks them.
SESSION_STATES = ("open", "proposed", "approved", "signing", "signed")
#: An enrollment's states as the candidates table filters them.
ENROLLMENT_STATES = ("registered", "proposed", "approved", "issued")
ELIGIBILITY_FILTERS = ("yes", "no", "undecided")


@dataclass(frozen=True)
class SessionRow:
    """One line of the sessions table."""

    id: str
    name: str
    program: str
    version: int
    starts_on: date
    ends_on: date
    place: str
    state: str
    candidates: int


def _candidates_count() -> Any:
    return (
        select(func.count())
        .select_from(Enrollment)
        .where(Enrollment.session_id == ExamSession.id)
        .correlate(ExamSession)
        .scalar_subquery()
    )


@dataclass(frozen=True)
class SessionList:
    """A page of the sessions table and the programs it can be filtered by."""

    sessions: Page[SessionRow]
    programs: list[tuple[str, str]]


def list_sessions(
    deps: Deps,
    principal: Principal,
    *,
    program: str | None = None,
    state: str | None = None,
    year: int | None = None,
    page: int = 1,
) -> SessionList:
    """The organization's sessions, latest first, filtered by program code, state and the
    year they start in."""
    principal.require(Action.READ)
    query = (
        select(ExamSession, Program.code, _candidates_count())
        .join(Program, Program.id == ExamSession.program_id)
        .where(ExamSession.organization_id == principal.organization_id)
        .order_by(ExamSession.starts_on.desc(), ExamSession.name, ExamSession.id)
    )
    if program:
        query = query.where(Program.code == program)
    if state:
        query = query.where(ExamSession.state == state)
    if year:
        query = query.where(
            ExamSession.starts_on >= date(year, 1, 1), ExamSession.starts_on <= date(year, 12, 31)
        )
    found = page_of(deps, query, page)
    rows = [
        SessionRow(
            s.id,
            s.name,
            code,
            s.program_version.number,
            s.starts_on,
            s.ends_on,
            s.place,
            s.state,
            count or 0,
        )
        for s, code, count in found.items
    ]
    return SessionList(
        Page(rows, found.number, found.size, found.total), program_choices(deps, principal)
    )


def program_choices(deps: Deps, principal: Principal) -> list[tuple[str, str]]:
    """``(code, "code — name")`` of the organization's programs, by code."""
    principal.require(Action.READ)
    programs = deps.session.scalars(
        select(Program)
        .where(Program.organization_id == principal.organization_id)
        .order_by(Program.code)
    )
    return [(p.code, f"{p.code} — {p.name}") for p in programs]


def session_form_choices(
    deps: Deps, principal: Principal
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The programs and the possible evaluators of the new-session form."""
    principal.require(Action.MANAGE_SESSIONS)
    return program_choices(deps, principal), evaluator_choices(deps, principal)


def evaluator_choices(deps: Deps, principal: Principal) -> list[tuple[str, str]]:
    """``(email, "name <email>")`` of the members who may grade (evaluators and managers)."""
    principal.require(Action.MANAGE_SESSIONS)
    members = deps.session.scalars(
        select(StaffMember)
        .where(
            StaffMember.organization_id == principal.organization_id,
            StaffMember.role.in_((Role.EVALUATOR.value, Role.MANAGER.value)),
            StaffMember.disabled_at.is_(None),
        )
        .order_by(StaffMember.email)
    )
    return [(m.email, f"{m.name} <{m.email}>" if m.name else m.email) for m in members]


@dataclass(frozen=True)
class CandidateLine:
    """One line of a session's candidates table, with its result."""

    enrollment: str
    name: str
    email: str
    birth_date: date
    state: str
    eligible: bool | None
    result: EnrollmentResult | None
    #: The issued credential's newest mail to the holder (None: none, or nothing issued).
    delivery: Delivery | None = None


@dataclass(frozen=True)
class SessionPage:
    """A session as its page shows it."""

    session: ExamSession
    assessments: tuple[Assessment, ...]
    pass_mark: str
    candidates: int
    lines: Page[CandidateLine]
    #: What the signed-in member may do here: "enroll", "eligibility", "grade".
    may: frozenset[str]


def _may(principal: Principal, session: ExamSession) -> frozenset[str]:
    allowed = set()
    if principal.may(Action.ENROLL) and session.state == "open":
        allowed.add("enroll")
    if principal.may(Action.RECORD_ELIGIBILITY) and session.state not in ("signing", "signed"):
        allowed.add("eligibility")
    try:
        check_may_grade(principal, session)
        if session.state not in ("signing", "signed"):
            allowed.add("grade")
    except PermissionDenied:
        pass
    return frozenset(allowed)


def session_page(
    deps: Deps,
    principal: Principal,
    session_id: str,
    *,
    state: str | None = None,
    eligibility: str | None = None,
    text: str | None = None,
    page: int = 1,
) -> SessionPage:
    """One session: its header, and a page of its candidates (filtered by enrollment state,
    eligibility and a text found in the name or e-mail) with their results."""
    session = get_session(deps, principal, session_id)
    principal.require(Action.READ)
    query = (
        select(Enrollment, Candidate)
        .join(Candidate, Candidate.id == Enrollment.candidate_id)
        .where(Enrollment.session_id == session.id)
        .order_by(Candidate.family_name, Candidate.given_names, Enrollment.id)
    )
    if state:
        query = query.where(Enrollment.state == state)
    if eligibility == "yes":
        query = query.where(Enrollment.eligible.is_(True))
    elif eligibility == "no":
        query = query.where(Enrollment.eligible.is_(False))
    elif eligibility == "undecided":
        query = query.where(Enrollment.eligible.is_(None))
    for word in (text or "").lower().split()[:5]:
        query = query.where(
            or_(
                *(
                    func.lower(column).contains(word, autoescape=True)
                    for column in (
                        Candidate.family_name,
                        Candidate.usage_name,
                        Candidate.given_names,
                        Candidate.email,
                    )
                )
            )
        )
    found = page_of(deps, query, page)
    ids = [e.id for e, _c in found.items]
    live = session.state == "open"
    results = {
        r.enrollment: r
        for r in (
            compute_results(deps, session, among=ids)
            if live
            else stored_results(deps, session, among=ids)
        )
    }
    mails = latest_deliveries(deps, [e.credential_id for e, _c in found.items if e.credential_id])
    lines = [
        CandidateLine(
            e.id,
            c.display_name,
            c.email,
            c.birth_date,
            e.state,
            e.eligible,
            results.get(e.id),
            mails.get(e.credential_id) if e.credential_id else None,
        )
        for e, c in found.items
    ]
    scheme = session_scheme(session)
    total = deps.session.scalar(
        select(func.count()).select_from(Enrollment).where(Enrollment.session_id == session.id)
    )
    return SessionPage(
        session=session,
        assessments=scheme.assessments,
        pass_mark=str(scheme.pass_mark),
        candidates=total or 0,
        lines=Page(lines, found.number, found.size, found.total),
        may=_may(principal, session),
    )

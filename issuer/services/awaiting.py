"""What awaits a signed-in member on the dashboard, by role: files to check and decisions to
propose or approve (managers), grades to enter (those who grade), sessions to sign."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from core.accounts.principal import Action, Principal
from core.db.models import Enrollment, ExamSession, Grade
from core.deps import Deps
from core.errors import PermissionDenied
from issuer.services.results import check_may_grade, compute_results, session_scheme

#: The kinds of task, in the order the dashboard lists them.
KINDS = ("eligibility", "grades", "propose", "approve", "sign")


@dataclass(frozen=True)
class Awaiting:
    """A task of one session: ``count`` files (or the session itself, count 1)."""

    kind: str
    session_id: str
    session_name: str
    count: int


def _undecided(deps: Deps, session: ExamSession) -> int:
    return (
        deps.session.scalar(
            select(func.count())
            .select_from(Enrollment)
            .where(Enrollment.session_id == session.id, Enrollment.eligible.is_(None))
        )
        or 0
    )


def _missing_grades(deps: Deps, session: ExamSession) -> int:
    wanted = len(session_scheme(session).assessments)
    entered = (
        select(func.count())
        .select_from(Grade)
        .where(Grade.enrollment_id == Enrollment.id, Grade.marking == 1)
        .correlate(Enrollment)
        .scalar_subquery()
    )
    return (
        deps.session.scalar(
            select(func.count())
            .select_from(Enrollment)
            .where(Enrollment.session_id == session.id, entered < wanted)
        )
        or 0
    )


def _ready_to_propose(deps: Deps, session: ExamSession) -> bool:
    results = compute_results(deps, session)
    return bool(results) and all(r.passed is not None and not r.review for r in results)


def _may_grade(principal: Principal, session: ExamSession) -> bool:
    try:
        check_may_grade(principal, session)
    except PermissionDenied:
        return False
    return True


def awaiting(deps: Deps, principal: Principal) -> list[Awaiting]:
    """The member's tasks in their own organization, by kind then session date."""
    principal.require(Action.READ)
    sessions = list(
        deps.session.scalars(
            select(ExamSession)
            .where(
                ExamSession.organization_id == principal.organization_id,
                ExamSession.state.in_(("open", "proposed", "approved")),
            )
            .order_by(ExamSession.starts_on, ExamSession.name, ExamSession.id)
        )
    )
    found: list[Awaiting] = []
    for session in sessions:
        add = [
            (kind, count)
            for kind, count in _tasks(deps, principal, session)
            if count  # nothing to do: not listed
        ]
        found.extend(Awaiting(kind, session.id, session.name, count) for kind, count in add)
    found.sort(key=lambda item: KINDS.index(item.kind))
    return found


def _tasks(deps: Deps, principal: Principal, session: ExamSession) -> list[tuple[str, int]]:
    tasks: list[tuple[str, int]] = []
    if session.state == "open":
        undecided = 0
        if principal.may(Action.RECORD_ELIGIBILITY):
            undecided = _undecided(deps, session)
            tasks.append(("eligibility", undecided))
        if _may_grade(principal, session):
            tasks.append(("grades", _missing_grades(deps, session)))
        if principal.may(Action.PROPOSE) and not undecided:
            tasks.append(("propose", int(_ready_to_propose(deps, session))))
    elif session.state == "proposed" and principal.may(Action.APPROVE):
        tasks.append(("approve", int(session.proposed_by != principal.staff_id)))
    elif session.state == "approved" and principal.may(Action.SIGN):
        tasks.append(("sign", 1))
    return tasks

"""Entering grades and computing a session's results with the program version it uses."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from core.accounts.principal import Action, Principal, Role
from core.audit.log import record
from core.db.models import Candidate, Enrollment, ExamSession, Grade
from core.deps import Deps
from core.errors import InputError, PermissionDenied
from core.workflow.grading import ABSENT, Scheme, Score, compute_result, parse_score
from core.workflow.schemes import scheme_from_json
from issuer.services.sessions import get_enrollment, get_session, reopen_for_change

MARKINGS = (1, 2)
UNDECIDED = "éligibilité non décidée"


def session_scheme(session: ExamSession) -> Scheme:
    """The evaluation scheme of the session's program version."""
    return scheme_from_json(session.program_version.scheme or {})


def _score_text(score: Score) -> str:
    return ABSENT if score == ABSENT else str(score)


def _stored(grade: Grade) -> Score:
    return ABSENT if grade.absent or grade.score is None else grade.score


def check_may_grade(principal: Principal, session: ExamSession) -> None:
    """PermissionDenied unless the caller may grade this session (an evaluator must be among
    its evaluators when it lists some)."""
    principal.require(Action.GRADE)
    if (
        principal.role == Role.EVALUATOR
        and session.evaluators
        and principal.staff_id not in {m.id for m in session.evaluators}
    ):
        raise PermissionDenied(
            "only the evaluators assigned to this session grade it", code="not_assigned"
        )


def record_grades(
    deps: Deps, principal: Principal, enrollment_id: str, payload: Any, marking: int = 1
) -> dict[str, Any]:
    """Store scores (``{"<assessment code>": number | "absent"}``) of one marking; every value
    is checked before anything is written. Returns the enrollment's result."""
    enrollment = get_enrollment(deps, principal, enrollment_id)
    session = get_session(deps, principal, enrollment.session_id, lock=True)
    check_may_grade(principal, session)
    if marking not in MARKINGS:
        raise InputError(
            "marking is 1 (the grade) or 2 (a second marking)",
            code="invalid_request",
            problems=[{"path": "marking", "message": "1 or 2"}],
        )
    if not isinstance(payload, dict) or not payload:
        raise InputError(
            'the body is an object {"<assessment code>": score or "absent"}',
            code="invalid_request",
        )
    scheme = session_scheme(session)
    scores: dict[str, Score] = {}
    problems: list[dict[str, Any]] = []
    for code, value in payload.items():
        assessment = scheme.assessment(code)
        if assessment is None:
            problems.append({"path": code[:100], "message": "not an assessment of this program"})
            continue
        try:
            scores[code] = parse_score(value, assessment, code)
        except InputError as error:
            problems.extend(error.problems)
    if problems:
        raise InputError("some scores cannot be recorded", code="invalid_grades", problems=problems)
    reopen_for_change(deps, principal, session, f"grades of {enrollment.id}")
    write_scores(deps, principal, marking, {enrollment.id: scores})
    return compute_results(deps, session, only=enrollment.id)[0].to_json()


def write_scores(
    deps: Deps, principal: Principal, marking: int, scores: dict[str, dict[str, Score]]
) -> None:
    """Store checked scores of one marking (``{enrollment id: {assessment code: score}}``):
    each grade is created or replaced, entering marking 1 settles a second marking's gap on
    the same assessment, and each enrollment's change is one audit event."""
    now = deps.clock.now()
    ids, codes = list(scores), sorted({code for by_code in scores.values() for code in by_code})
    existing = {
        (g.enrollment_id, g.assessment_code): g
        for g in deps.session.scalars(
            select(Grade).where(Grade.enrollment_id.in_(ids), Grade.marking == marking)
        )
    }
    if marking == 1:
        # Entering the first score again settles a second marking's gap on it.
        deps.session.execute(
            update(Grade)
            .where(
                Grade.enrollment_id.in_(ids),
                Grade.marking == 2,
                Grade.assessment_code.in_(codes),
            )
            .values(settled=True)
        )
    for enrollment_id, by_code in scores.items():
        for code, score in by_code.items():
            grade = existing.get((enrollment_id, code)) or Grade(
                enrollment_id=enrollment_id, assessment_code=code, marking=marking
            )
            grade.settled = False
            grade.absent = score == ABSENT
            grade.score = None if score == ABSENT else score
            grade.entered_by = principal.actor
            grade.entered_at = now
            deps.session.add(grade)
        record(
            deps,
            principal,
            "enrollment.grades",
            enrollment_id,
            {"marking": marking, "scores": {c: _score_text(s) for c, s in by_code.items()}},
            now=now,
        )
    deps.session.flush()


@dataclass(frozen=True)
class EnrollmentResult:
    """One line of the jury's list."""

    enrollment: str
    email: str
    name: str
    state: str
    eligible: bool | None
    average: str | None
    passed: bool | None
    explanation: str
    scores: dict[str, str]
    blocks: dict[str, bool]
    review: list[dict[str, str]]
    #: The program version a stored decision was computed with (None while computed live).
    program_version: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "enrollment": self.enrollment,
            "email": self.email,
            "name": self.name,
            "state": self.state,
            "eligible": self.eligible,
            "average": self.average,
            "passed": self.passed,
            "explanation": self.explanation,
            "scores": self.scores,
            "blocks": self.blocks,
            "review": self.review,
            "programVersion": self.program_version,
        }


def _review(scheme: Scheme, grades: dict[tuple[str, int], Grade]) -> list[dict[str, str]]:
    """Second markings too far from the first, not yet settled by entering the first again."""
    if scheme.second_marking_gap is None:
        return []
    flagged = []
    for a in scheme.assessments:
        first, second = grades.get((a.code, 1)), grades.get((a.code, 2))
        if first is None or second is None or second.settled:
            continue
        one, two = _stored(first), _stored(second)
        if one == two:
            continue
        if ABSENT in (one, two) or abs(one - two) > scheme.second_marking_gap:  # type: ignore[operator]
            flagged.append(
                {"assessment": a.code, "first": _score_text(one), "second": _score_text(two)}
            )
    return flagged


def compute_results(
    deps: Deps,
    session: ExamSession,
    *,
    only: str | None = None,
    among: Collection[str] | None = None,
) -> list[EnrollmentResult]:
    """Every enrollment's result now, from marking 1 and the recorded eligibility (only one
    enrollment's, or those ``among`` some ids: a page of a table)."""
    scheme = session_scheme(session)
    query = (
        select(Enrollment, Candidate)
        .join(Candidate, Candidate.id == Enrollment.candidate_id)
        .where(Enrollment.session_id == session.id)
        .order_by(Candidate.family_name, Candidate.given_names, Enrollment.id)
    )
    grade_query = (
        select(Grade)
        .join(Enrollment, Enrollment.id == Grade.enrollment_id)
        .where(Enrollment.session_id == session.id)
    )
    if only is not None:
        query = query.where(Enrollment.id == only)
        grade_query = grade_query.where(Grade.enrollment_id == only)
    if among is not None:
        query = query.where(Enrollment.id.in_(list(among)))
        grade_query = grade_query.where(Grade.enrollment_id.in_(list(among)))
    by_enrollment: dict[str, dict[tuple[str, int], Grade]] = defaultdict(dict)
    for grade in deps.session.scalars(grade_query):
        by_enrollment[grade.enrollment_id][(grade.assessment_code, grade.marking)] = grade
    results = []
    for enrollment, candidate in deps.session.execute(query):
        grades = by_enrollment.get(enrollment.id, {})
        scores = {code: _stored(g) for (code, marking), g in grades.items() if marking == 1}
        result = compute_result(scheme, scores, eligible=enrollment.eligible is not False)
        passed, explanation = result.passed, result.explanation("fr")
        if enrollment.eligible is None:
            # Undecided eligibility leaves the decision pending, unless the grades failed it.
            passed = False if passed is False else None
            explanation = f"{UNDECIDED} ; {explanation}"
        results.append(
            EnrollmentResult(
                enrollment=enrollment.id,
                email=candidate.email,
                name=candidate.display_name,
                state=enrollment.state,
                eligible=enrollment.eligible,
                average=result.average_display,
                passed=passed,
                explanation=explanation,
                scores={code: _score_text(s) for code, s in scores.items()},
                blocks=result.blocks,
                review=_review(scheme, grades),
                program_version=session.program_version.number,
            )
        )
    return results


def session_results(deps: Deps, principal: Principal, session_id: str) -> list[dict[str, Any]]:
    """The jury's list: stored decisions once proposed, the live computation before."""
    session = get_session(deps, principal, session_id)
    principal.require(Action.FOLLOW)
    if session.state == "open":
        return [r.to_json() for r in compute_results(deps, session)]
    return [r.to_json() for r in stored_results(deps, session)]


def stored_results(
    deps: Deps, session: ExamSession, *, among: Collection[str] | None = None
) -> list[EnrollmentResult]:
    """The decisions recorded when the session's results were proposed (of the enrollments
    ``among`` some ids, when given)."""
    query = (
        select(Enrollment, Candidate)
        .join(Candidate, Candidate.id == Enrollment.candidate_id)
        .where(Enrollment.session_id == session.id)
        .order_by(Candidate.family_name, Candidate.given_names, Enrollment.id)
    )
    if among is not None:
        query = query.where(Enrollment.id.in_(list(among)))
    rows = deps.session.execute(query)
    return [
        EnrollmentResult(
            enrollment=e.id,
            email=c.email,
            name=c.display_name,
            state=e.state,
            **_decision_fields(e.decision or {}),
        )
        for e, c in rows
    ]


def _decision_fields(stored: dict[str, Any]) -> dict[str, Any]:
    fields = {k: v for k, v in stored.items() if k != "programVersion"}
    return {**fields, "program_version": stored.get("programVersion")}

"""Grades by assessment, as the back office enters them: a sheet with one score per candidate
of a session, or a CSV file of ``email,score``; every value is checked before any is written."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from core.accounts.principal import Principal
from core.db.models import Candidate, Enrollment, ExamSession, Grade
from core.deps import Deps
from core.errors import InputError, NotFound
from core.workflow.csvfile import csv_records
from core.workflow.grading import ABSENT, Assessment, Score, parse_score
from issuer.services.enrollment_pages import decode_csv
from issuer.services.paging import Page, page_of
from issuer.services.results import MARKINGS, check_may_grade, session_scheme, write_scores
from issuer.services.sessions import get_session, reopen_for_change

#: Candidates per page of a grading sheet.
SHEET_SIZE = 50
MAX_GRADE_ROWS = 20_000


@dataclass(frozen=True)
class SheetLine:
    """One candidate of a grading sheet and the score already entered (text, or None)."""

    enrollment: str
    name: str
    email: str
    score: str | None


@dataclass(frozen=True)
class GradeSheet:
    """One assessment of a session, one line per candidate."""

    session: ExamSession
    assessment: Assessment
    assessments: tuple[Assessment, ...]
    marking: int
    lines: Page[SheetLine]


def _grading(
    deps: Deps, principal: Principal, session_id: str, code: str, *, lock: bool = False
) -> tuple[ExamSession, Assessment]:
    session = get_session(deps, principal, session_id, lock=lock)
    check_may_grade(principal, session)
    assessment = session_scheme(session).assessment(code)
    if assessment is None:
        raise NotFound("no such assessment in this session's program")
    return session, assessment


def _marking(marking: int) -> int:
    if marking not in MARKINGS:
        raise InputError(
            "marking is 1 (the grade) or 2 (a second marking)",
            code="invalid_request",
            problems=[{"path": "marking", "message": "1 or 2"}],
        )
    return marking


def _text(grade: Grade) -> str:
    return ABSENT if grade.absent or grade.score is None else str(grade.score)


def grade_sheet(
    deps: Deps, principal: Principal, session_id: str, code: str, marking: int = 1, page: int = 1
) -> GradeSheet:
    """A page of the session's candidates with their score of ``code`` (marking 1 or 2)."""
    session, assessment = _grading(deps, principal, session_id, code)
    _marking(marking)
    query = (
        select(Enrollment.id, Candidate)
        .join(Candidate, Candidate.id == Enrollment.candidate_id)
        .where(Enrollment.session_id == session.id)
        .order_by(Candidate.family_name, Candidate.given_names, Enrollment.id)
    )
    found = page_of(deps, query, page, SHEET_SIZE)
    ids = [enrollment_id for enrollment_id, _c in found.items]
    scores = {
        g.enrollment_id: _text(g)
        for g in deps.session.scalars(
            select(Grade).where(
                Grade.enrollment_id.in_(ids),
                Grade.assessment_code == code,
                Grade.marking == marking,
            )
        )
    }
    lines = [SheetLine(e, c.display_name, c.email, scores.get(e)) for e, c in found.items]
    return GradeSheet(
        session,
        assessment,
        session_scheme(session).assessments,
        marking,
        Page(lines, found.number, found.size, found.total),
    )


def _write(
    deps: Deps,
    principal: Principal,
    session: ExamSession,
    code: str,
    marking: int,
    scores: dict[str, Score],
) -> int:
    """Store the scores that differ from those entered; how many changed."""
    existing = {
        g.enrollment_id: g
        for g in deps.session.scalars(
            select(Grade)
            .join(Enrollment, Enrollment.id == Grade.enrollment_id)
            .where(
                Enrollment.session_id == session.id,
                Grade.assessment_code == code,
                Grade.marking == marking,
            )
        )
    }
    changed = {
        e: s
        for e, s in scores.items()
        if e not in existing or _text(existing[e]) != (ABSENT if s == ABSENT else str(s))
    }
    if not changed:
        return 0
    reopen_for_change(deps, principal, session, f"grades of {code}")
    write_scores(deps, principal, marking, {e: {code: score} for e, score in changed.items()})
    return len(changed)


def _session_enrollments(deps: Deps, session: ExamSession) -> dict[str, str]:
    """The session's enrollment ids by candidate e-mail."""
    return {
        email: enrollment_id
        for enrollment_id, email in deps.session.execute(
            select(Enrollment.id, Candidate.email)
            .join(Candidate, Candidate.id == Enrollment.candidate_id)
            .where(Enrollment.session_id == session.id)
        )
    }


def record_sheet(
    deps: Deps,
    principal: Principal,
    session_id: str,
    code: str,
    marking: int,
    entries: dict[str, str],
) -> int:
    """Store the sheet's scores (``{enrollment id: "12,5" | "absent"}``, blanks skipped), all
    or none: InputError with one problem per bad line (its path the enrollment id)."""
    session, assessment = _grading(deps, principal, session_id, code, lock=True)
    _marking(marking)
    known = set(_session_enrollments(deps, session).values())
    scores: dict[str, Score] = {}
    problems: list[dict[str, Any]] = []
    for enrollment_id, raw in entries.items():
        if not raw.strip():
            continue
        if enrollment_id not in known:
            problems.append({"path": enrollment_id[:40], "message": "not in this session"})
            continue
        try:
            scores[enrollment_id] = parse_score(raw.strip(), assessment, enrollment_id)
        except InputError as error:
            problems.extend(error.problems)
    if problems:
        raise InputError("some scores cannot be recorded", code="invalid_grades", problems=problems)
    return _write(deps, principal, session, code, marking, scores)


def import_grades_file(
    deps: Deps, principal: Principal, session_id: str, code: str, marking: int, data: bytes
) -> int:
    """Store the scores of a CSV file ``email,score`` (header line 1; ``,`` or ``;``), all or
    none: InputError with ``line`` and column of every bad line."""
    session, assessment = _grading(deps, principal, session_id, code, lock=True)
    _marking(marking)
    records = csv_records(decode_csv(data))
    first = next(records, None)
    header = [cell.strip().lower() for cell in first[1]] if first else []
    if header != ["email", "score"]:
        raise InputError(
            "the CSV header must be email,score",
            code="invalid_grades",
            problems=[{"line": 1, "path": "email,score", "message": "the expected header"}],
        )
    by_email = _session_enrollments(deps, session)
    scores: dict[str, Score] = {}
    seen: dict[str, int] = {}
    problems: list[dict[str, Any]] = []
    for line, cells in records:
        if not any(cell.strip() for cell in cells):
            continue
        if len(seen) >= MAX_GRADE_ROWS:
            raise InputError(f"at most {MAX_GRADE_ROWS} lines per file", code="too_many_rows")
        if len(cells) != 2:
            problems.append({"line": line, "path": "", "message": "two cells: email,score"})
            continue
        email, raw = cells[0].strip().lower(), cells[1].strip()
        enrollment_id = by_email.get(email)
        if enrollment_id is None:
            problems.append(
                {"line": line, "path": "email", "message": "not a candidate of this session"}
            )
        elif email in seen:
            problems.append(
                {
                    "line": line,
                    "path": "email",
                    "message": f"the same candidate as line {seen[email]}",
                }
            )
        else:
            try:
                scores[enrollment_id] = parse_score(raw, assessment, "score")
            except InputError as error:
                problems.extend({**p, "line": line} for p in error.problems)
        seen.setdefault(email, line)
    if problems:
        raise InputError(
            f"{len({p['line'] for p in problems})} line(s) have problems; nothing was recorded",
            code="invalid_grades",
            problems=problems,
        )
    if not scores:
        raise InputError("no score to record", code="empty_import")
    return _write(deps, principal, session, code, marking, scores)

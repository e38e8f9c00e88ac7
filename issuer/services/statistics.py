"""Statistics per program, session and year, for the statistics page, its CSV export and
`GET /api/v1/statistics`."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from core.accounts.principal import Action, Principal
from core.db.models import Credential, Enrollment, ExamSession, Program, ProgramVersion
from core.deps import Deps
from core.errors import InputError
from core.workflow.grading import Scheme
from core.workflow.schemes import scheme_from_json
from core.workflow.statistics import Figures, FileRecord
from issuer.services.programs import get_program
from issuer.services.sessions import organization_of


def statistics(
    deps: Deps, principal: Principal, *, program: str | None = None, year: int | None = None
) -> dict[str, Any]:
    """The organization's figures, overall and per program and session, for the sessions of
    ``program`` (a code) that started in ``year`` (both optional)."""
    principal.require(Action.FOLLOW)
    org = organization_of(deps, principal)
    query = (
        select(ExamSession, Program.code, ProgramVersion.scheme)
        .join(Program, Program.id == ExamSession.program_id)
        .join(ProgramVersion, ProgramVersion.id == ExamSession.program_version_id)
        .where(ExamSession.organization_id == org.id)
        .order_by(ExamSession.starts_on, ExamSession.id)
    )
    if program is not None:
        query = query.where(ExamSession.program_id == get_program(deps, org, program).id)
    if year is not None:
        if not 1900 <= year <= 9999:
            raise InputError(
                "year out of range",
                code="invalid_request",
                problems=[{"path": "year", "message": "a year from 1900 to 9999"}],
            )
        query = query.where(
            ExamSession.starts_on >= date(year, 1, 1), ExamSession.starts_on <= date(year, 12, 31)
        )
    sessions = deps.session.execute(query).all()
    total, by_program, by_session = Figures(), {}, {}
    schemes: dict[str, Scheme] = {}
    for session, code, stored in sessions:
        schemes[session.id] = scheme_from_json(stored or {"assessments": []})
        by_program.setdefault(code, Figures())
        by_session[session.id] = Figures()
    ids = [s.id for s, _, _ in sessions]
    info = {s.id: (s, code) for s, code, _ in sessions}
    for start in range(0, len(ids), 500):
        rows = deps.session.execute(
            select(
                Enrollment.session_id,
                Enrollment.eligible,
                Enrollment.decision,
                Credential.issued_at,
                Credential.revoked_at,
            )
            .outerjoin(Credential, Credential.id == Enrollment.credential_id)
            .where(Enrollment.session_id.in_(ids[start : start + 500]))
        )
        for session_id, eligible, decision, issued_at, revoked_at in rows:
            session, code = info[session_id]
            record = FileRecord(
                eligible=eligible,
                decision=decision,
                scheme=schemes[session_id],
                exam_ended=session.ends_on,
                issued_at=issued_at,
                revoked=revoked_at is not None,
            )
            for figures in (total, by_program[code], by_session[session_id]):
                figures.add(record)
    return {
        "filters": {"program": program, "year": year},
        "total": total.to_json(),
        "programs": [{"program": c, **f.to_json()} for c, f in sorted(by_program.items())],
        "sessions": [
            {
                "session": s.id,
                "name": s.name,
                "program": code,
                "startsOn": s.starts_on.isoformat(),
                **by_session[s.id].to_json(),
            }
            for s, code, _ in sessions
        ],
    }


#: The columns of the CSV export: one row per session.
CSV_COLUMNS = (
    "session",
    "name",
    "program",
    "startsOn",
    "candidates",
    "eligibilityRate",
    "decided",
    "passed",
    "passRate",
    "meanAverage",
    "issued",
    "revoked",
    "medianDaysToIssuance",
)


def statistics_rows(figures: dict[str, Any]) -> list[list[str]]:
    """The CSV export of ``statistics()``: a header, then one row per session."""
    rows = [list(CSV_COLUMNS)]
    for item in figures["sessions"]:
        rows.append(["" if item[c] is None else str(item[c]) for c in CSV_COLUMNS])
    return rows

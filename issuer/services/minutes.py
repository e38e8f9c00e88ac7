"""The jury minutes of a signed session: the stored decisions, the four-eyes steps and the
audit log's story, made into a sealed PDF once, archived, and versioned only on request."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from core.accounts.principal import Action, Principal
from core.audit.log import record
from core.db.models import (
    AuditEvent,
    Candidate,
    Credential,
    Document,
    Enrollment,
    ExamSession,
    Grade,
    Organization,
    StaffMember,
)
from core.db.models.document import JURY_MINUTES
from core.deps import Deps
from core.documents.archive import ArchiveStore, store_document
from core.documents.certificate_data import document_language
from core.documents.minutes import (
    ABSENT,
    FAILED,
    NOT_ELIGIBLE,
    PASSED,
    AssessmentInfo,
    Event,
    Minutes,
    MinutesLine,
    Person,
    make_minutes_pdf,
)
from core.errors import Conflict, NotFound
from core.workflow.grading import ABSENT as ABSENT_SCORE
from core.workflow.grading import Score, compute_result
from issuer.services.results import EnrollmentResult, session_scheme, stored_results
from issuer.services.sessions import get_session, organization_of

PDF = "application/pdf"
_VERSION = re.compile(r"-v([0-9]+)\.pdf\Z")
#: The audit events that tell the decision's story, and the name the minutes give them.
HISTORY = {
    "session.propose": "propose",
    "session.reopen": "reopen",
    "session.approve": "approve",
    "session.sign": "sign",
    "session.resume_signature": "resume_signature",
}


@dataclass(frozen=True)
class MinutesVersion:
    """One archived version of a session's minutes (numbered from 1, oldest first)."""

    number: int
    document: Document


def _require_signed(session: ExamSession) -> None:
    if session.state != "signed":
        raise Conflict(
            "the jury minutes are made once the session is signed and its credentials "
            f"issued; this session is {session.state}",
            code="session_not_signed",
        )


def outcome(result: EnrollmentResult) -> str:
    """The decision as the minutes name it: not eligible, absent, passed or failed."""
    if result.eligible is False:
        return NOT_ELIGIBLE
    if ABSENT_SCORE in result.scores.values():
        return ABSENT
    return PASSED if result.passed else FAILED


def _explanation(session: ExamSession, result: EnrollmentResult, language: str) -> str:
    if language == "fr":
        return result.explanation  # the jury's own words, as stored with the decision
    # The same rules in English, from the stored scores (as the statistics read them).
    scores: dict[str, Score] = {
        code: ABSENT_SCORE if raw == ABSENT_SCORE else Decimal(raw)
        for code, raw in result.scores.items()
    }
    eligible = result.eligible is not False
    return compute_result(session_scheme(session), scores, eligible=eligible).explanation("en")


def _staff_names(deps: Deps, org: Organization) -> dict[str, str]:
    members = deps.session.scalars(select(StaffMember).where(StaffMember.organization_id == org.id))
    return {f"staff:{m.email}": m.name or m.email for m in members}


def _who(actor: str, names: dict[str, str]) -> str:
    if actor in names:
        return names[actor]
    if actor.startswith("staff:"):
        return actor.removeprefix("staff:")
    return "Sceau" if actor.startswith("system:") else actor


def _person(deps: Deps, member_id: int | None, at: Any) -> Person:
    member = deps.session.get(StaffMember, member_id) if member_id is not None else None
    if member is None:
        return Person(None, None, at)
    return Person(member.name or member.email, member.role, at)


def _evaluators(deps: Deps, session: ExamSession, names: dict[str, str]) -> tuple[list[str], bool]:
    if session.evaluators:
        return sorted(m.name or m.email for m in session.evaluators), True
    actors = deps.session.scalars(
        select(Grade.entered_by)
        .join(Enrollment, Enrollment.id == Grade.enrollment_id)
        .where(Enrollment.session_id == session.id)
        .distinct()
    )
    return sorted({_who(a, names) for a in actors}), False


def _framework(definition: dict[str, Any]) -> str:
    for alignment in definition.get("alignment", []):
        framework = str(alignment.get("targetFramework", "")).upper()
        if framework in ("RNCP", "RS") and alignment.get("targetCode"):
            return f"{framework} {alignment['targetCode']}"
    return ""


def _plain(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def gather_minutes(
    deps: Deps, org: Organization, session: ExamSession, version: int, language: str
) -> Minutes:
    """What the minutes of ``session`` print, from its stored decisions."""
    names = _staff_names(deps, org)
    scheme = session_scheme(session)
    issued = {
        enrollment: (born, credential, revoked)
        for enrollment, born, credential, revoked in deps.session.execute(
            select(
                Enrollment.id, Candidate.birth_date, Enrollment.credential_id, Credential.revoked_at
            )
            .join(Candidate, Candidate.id == Enrollment.candidate_id)
            .outerjoin(Credential, Credential.id == Enrollment.credential_id)
            .where(Enrollment.session_id == session.id)
        )
    }
    lines = []
    for result in stored_results(deps, session):
        born, credential, revoked = issued[result.enrollment]
        lines.append(
            MinutesLine(
                name=result.name,
                birth_date=born,
                outcome=outcome(result),
                average=result.average,
                scores=result.scores,
                explanation=_explanation(session, result, language),
                credential=credential,
                revoked_on=revoked,
            )
        )
    events = deps.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.subject == session.id,
            AuditEvent.organization_slug == org.slug,
            AuditEvent.action.in_(list(HISTORY)),
        )
        .order_by(AuditEvent.seq)
    )
    evaluators, assigned = _evaluators(deps, session, names)
    version_row = session.program_version
    return Minutes(
        session_id=session.id,
        session_name=session.name,
        starts_on=session.starts_on,
        ends_on=session.ends_on,
        place=session.place,
        program_code=session.program.code,
        program_name=str(version_row.definition.get("name") or session.program.name),
        program_version=version_row.number,
        framework=_framework(version_row.definition),
        assessments=[
            AssessmentInfo(
                a.code,
                a.name,
                _plain(a.coefficient) or "",
                _plain(a.max_score) or "",
                _plain(a.eliminatory_below),
            )
            for a in scheme.assessments
        ],
        pass_mark=_plain(scheme.pass_mark) or "",
        out_of=_plain(scheme.out_of) or "",
        evaluators=evaluators,
        evaluators_assigned=assigned,
        proposed=_person(deps, session.proposed_by, session.proposed_at),
        approved=_person(deps, session.approved_by, session.approved_at),
        signed=_person(deps, session.signed_by, session.signed_at),
        history=[Event(e.created_at, HISTORY[e.action], _who(e.actor, names)) for e in events],
        lines=lines,
        version=version,
        generated_at=deps.clock.now(),
    )


def _filename(session: ExamSession, number: int) -> str:
    return f"jury-minutes-{session.id}-v{number}.pdf"


def _number(row: Document) -> int:
    # The version is in the file's name: rows made in the same instant still sort right.
    found = _VERSION.search(row.filename)
    return int(found.group(1)) if found else 0


def _versions(deps: Deps, session: ExamSession) -> list[MinutesVersion]:
    rows = deps.session.scalars(
        select(Document).where(
            Document.organization_id == session.organization_id,
            Document.kind == JURY_MINUTES,
            Document.exam_session_id == session.id,
        )
    )
    return sorted((MinutesVersion(_number(r), r) for r in rows), key=lambda v: v.number)


def _next(versions: list[MinutesVersion]) -> int:
    return max((v.number for v in versions), default=0) + 1


def _make(
    deps: Deps, principal: Principal, session: ExamSession, store: ArchiveStore, number: int
) -> MinutesVersion:
    org = organization_of(deps, principal)
    language = document_language(org, session.program)
    minutes = gather_minutes(deps, org, session, number, language)
    row = store_document(
        deps.session,
        store,
        organization_id=org.id,
        kind=JURY_MINUTES,
        data=make_minutes_pdf(deps, org, minutes, language),
        media_type=PDF,
        filename=_filename(session, number),
        now=minutes.generated_at,
        exam_session_id=session.id,
        program_id=session.program_id,
    )
    record(
        deps,
        principal,
        "session.minutes",
        session.id,
        {"document": row.id, "version": number, "sha256": row.sha256},
        now=minutes.generated_at,
    )
    return MinutesVersion(number, row)


def session_minutes(
    deps: Deps,
    principal: Principal,
    session_id: str,
    store: ArchiveStore,
    *,
    version: int | None = None,
) -> MinutesVersion:
    """The session's minutes: ``version``, else the latest one, made now if there is none."""
    session = get_session(deps, principal, session_id)
    principal.require(Action.FOLLOW)
    _require_signed(session)
    versions = _versions(deps, session)
    if version is not None:
        found = next((v for v in versions if v.number == version), None)
        if found is None:
            raise NotFound("no such version of the jury minutes", code="unknown_version")
        return found
    kept = [v for v in versions if v.document.deleted_at is None]
    if kept:
        return kept[-1]
    # The first one: the session's row lock makes two first requests make one document.
    session = get_session(deps, principal, session_id, lock=True)
    versions = _versions(deps, session)
    if versions and versions[-1].document.deleted_at is None:
        return versions[-1]
    return _make(deps, principal, session, store, _next(versions))


def new_minutes_version(
    deps: Deps, principal: Principal, session_id: str, store: ArchiveStore
) -> MinutesVersion:
    """Make the session's minutes again (administrators and managers): earlier versions stay
    in the archive."""
    session = get_session(deps, principal, session_id, lock=True)
    principal.require(Action.MANAGE_SESSIONS)
    _require_signed(session)
    return _make(deps, principal, session, store, _next(_versions(deps, session)))


def minutes_versions(deps: Deps, principal: Principal, session_id: str) -> list[MinutesVersion]:
    """Every archived version of the session's minutes, oldest first."""
    session = get_session(deps, principal, session_id)
    principal.require(Action.FOLLOW)
    return _versions(deps, session)


@dataclass(frozen=True)
class DocumentsPage:
    """A session's documents page: the minutes' versions and what the member may do."""

    session: ExamSession
    versions: list[MinutesVersion]
    #: make a new version of the minutes (administrators and managers, once signed)
    may_renew: bool
    #: download the print file and the address list (administrators and managers, once signed)
    may_print: bool


def documents_page(deps: Deps, principal: Principal, session_id: str) -> DocumentsPage:
    """The back office's page of a session's documents."""
    session = get_session(deps, principal, session_id)
    principal.require(Action.FOLLOW)
    signed = session.state == "signed"
    managing = signed and principal.may(Action.MANAGE_SESSIONS)
    return DocumentsPage(session, _versions(deps, session), managing, managing)

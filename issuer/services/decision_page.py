"""What the back office's decision page shows of a session (the jury's list, the three people
of the four eyes, the issuing job, the credentials), and the page's revocations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from core.accounts.principal import Action, Principal
from core.db.models import Candidate, Credential, Delivery, Enrollment, ExamSession, StaffMember
from core.delivery.records import latest_deliveries
from core.deps import Deps
from core.errors import NotFound
from core.tasks import job_progress
from core.urls import credential_url
from issuer.services.results import (
    EnrollmentResult,
    compute_results,
    session_scheme,
    stored_results,
)
from issuer.services.revocation import revoke_credential
from issuer.services.sessions import get_session, organization_of


@dataclass(frozen=True)
class Step:
    """One of the decision's three steps: who took it, and when (None while it awaits)."""

    who: str | None
    at: datetime | None


@dataclass(frozen=True)
class IssuedCredential:
    """A credential issued for one of the session's files."""

    id: str
    url: str
    name: str
    email: str
    issued_at: datetime
    revoked_at: datetime | None
    revocation_reason: str | None
    #: The newest mail to the holder (None: none was queued).
    delivery: Delivery | None = None


@dataclass(frozen=True)
class DecisionPage:
    """The decision page of one session, and what the signed-in member may do on it."""

    session_id: str
    name: str
    program_code: str
    program_name: str
    program_version: int
    starts_on: Any
    ends_on: Any
    state: str
    results: list[EnrollmentResult]
    assessments: list[tuple[str, str]]  # (code, name) of the version's scheme
    #: files whose result awaits grades or an eligibility decision (before the proposal)
    missing: int
    #: files whose second marking differs beyond the threshold (before the proposal)
    review: int
    proposed: Step
    approved: Step
    signed: Step
    job: dict[str, Any] | None
    credentials: list[IssuedCredential]
    may_propose: bool
    may_approve: bool
    #: the member proposed these decisions: four eyes forbids their approval
    four_eyes: bool
    may_sign: bool
    #: the issuing job ended with errors: a new signature issues what is missing
    may_resume: bool
    may_revoke: bool


def _step(deps: Deps, member_id: int | None, at: datetime | None) -> Step:
    member = deps.session.get(StaffMember, member_id) if member_id is not None else None
    return Step(None if member is None else (member.name or member.email), at)


def _credentials(deps: Deps, session: ExamSession) -> list[IssuedCredential]:
    rows = deps.session.execute(
        select(Credential, Candidate)
        .join(Enrollment, Enrollment.credential_id == Credential.id)
        .join(Candidate, Candidate.id == Enrollment.candidate_id)
        .where(
            Enrollment.session_id == session.id,
            Credential.organization_id == session.organization_id,
        )
        .order_by(Candidate.family_name, Candidate.given_names, Enrollment.id)
    )
    base = deps.settings.base_url
    found = rows.all()
    mails = latest_deliveries(deps, [c.id for c, _ in found])
    return [
        IssuedCredential(
            id=c.id,
            url=credential_url(base, c.id),
            name=candidate.display_name,
            email=candidate.email,
            issued_at=c.issued_at,
            revoked_at=c.revoked_at,
            revocation_reason=c.revocation_reason,
            delivery=mails.get(c.id),
        )
        for c, candidate in found
    ]


def decision_page(deps: Deps, principal: Principal, session_id: str) -> DecisionPage:
    """The session's decision page: stored decisions once proposed, else the live results."""
    session = get_session(deps, principal, session_id)
    principal.require(Action.READ)
    live = session.state == "open"
    results = compute_results(deps, session) if live else stored_results(deps, session)
    job = None
    if session.job_id is not None:
        job = job_progress(deps, organization_of(deps, principal), session.job_id)
    finished = job is None or job["state"] in ("done", "failed")
    me = principal.staff_id
    return DecisionPage(
        session_id=session.id,
        name=session.name,
        program_code=session.program.code,
        program_name=session.program.name,
        program_version=session.program_version.number,
        starts_on=session.starts_on,
        ends_on=session.ends_on,
        state=session.state,
        results=results,
        assessments=[(a.code, a.name) for a in session_scheme(session).assessments],
        missing=sum(1 for r in results if r.passed is None) if live else 0,
        review=sum(1 for r in results if r.review) if live else 0,
        proposed=_step(deps, session.proposed_by, session.proposed_at),
        approved=_step(deps, session.approved_by, session.approved_at),
        signed=_step(deps, session.signed_by, session.signed_at),
        job=job,
        credentials=_credentials(deps, session) if session.state in ("signing", "signed") else [],
        may_propose=session.state == "open" and principal.may(Action.PROPOSE),
        may_approve=session.state == "proposed" and principal.may(Action.APPROVE),
        four_eyes=session.state == "proposed" and me is not None and me == session.proposed_by,
        may_sign=session.state == "approved" and principal.may(Action.SIGN),
        may_resume=(
            session.state == "signing"
            and finished
            and job is not None
            and bool(job["errors"])
            and principal.may(Action.SIGN)
        ),
        may_revoke=principal.may(Action.REVOKE),
    )


def staff_job_progress(deps: Deps, principal: Principal, job_id: str) -> dict[str, Any]:
    """The progress record of one of the member's organization's jobs (NotFound otherwise)."""
    principal.require(Action.READ)
    return job_progress(deps, organization_of(deps, principal), job_id)


def revoke_session_credential(
    deps: Deps, principal: Principal, session_id: str, credential_id: str, reason: str
) -> Credential:
    """Revoke a credential issued for one of the session's files, with a reason."""
    session = get_session(deps, principal, session_id)
    principal.require(Action.REVOKE)
    issued_here = deps.session.scalar(
        select(Enrollment.id).where(
            Enrollment.session_id == session.id, Enrollment.credential_id == credential_id
        )
    )
    if issued_here is None:
        raise NotFound("no such credential in this session", code="unknown_credential")
    org = organization_of(deps, principal)
    return revoke_credential(deps, org, credential_id, reason, actor=principal.actor)

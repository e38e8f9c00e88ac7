"""The signature of a session's decisions: a signatory (with a fresh TOTP code) starts a job
that issues one credential per passed candidate, in parallel chunks, resumable, never twice."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from core.accounts.principal import Action, Principal, system_principal
from core.audit.log import append_many, record
from core.credentials.issue_request import IssueRequest, Result
from core.db.models import Candidate, Enrollment, ExamSession, Organization
from core.deps import Deps
from core.errors import Conflict, PermissionDenied
from core.keys.directory import org_did
from core.keys.store import open_signing_keys
from core.tasks import ChunkContext, create_job, enqueue, job_progress
from core.urls import credential_url
from core.workflow.grading import Scheme
from core.workflow.schemes import scheme_from_json
from issuer.services.decisions import check_totp
from issuer.services.follow_up import follow_up
from issuer.services.issuance import internal_key, issue_credential
from issuer.services.sessions import get_session, organization_of

JOB_KIND = "issue_session"
#: Enrollments per task: small enough that two workers share a session evenly and a retried
#: chunk redoes little, large enough that the per-chunk setup (keys, program) is amortized.
CHUNK_SIZE = 100


def _awaiting(deps: Deps, session: ExamSession) -> list[str]:
    """Enrollments decided as passed whose credential is not issued yet."""
    rows = deps.session.execute(
        select(Enrollment.id, Enrollment.decision).where(
            Enrollment.session_id == session.id,
            Enrollment.eligible.is_(True),
            Enrollment.credential_id.is_(None),
        )
    )
    return sorted(i for i, decision in rows if decision and decision.get("passed") is True)


def sign(deps: Deps, principal: Principal, session_id: str, totp: Any) -> tuple[str, bool]:
    """Sign the approved decisions; return the issuing job's id, and whether it must be queued
    (after the commit). A session whose issuing stopped with errors may be signed again: only
    the credentials still missing are issued."""
    session = get_session(deps, principal, session_id, lock=True)
    principal.require(Action.SIGN)
    resuming = session.state == "signing" and _job_finished(deps, principal, session)
    if session.state != "approved" and not resuming:
        raise Conflict(
            f"the session is {session.state}: only approved decisions are signed",
            code=f"session_{session.state}",
        )
    if principal.staff_id in (session.proposed_by, session.approved_by):
        raise PermissionDenied(
            "four eyes: who proposed or approved the decisions does not sign them",
            code="four_eyes",
        )
    check_totp(deps, principal, totp)
    org = organization_of(deps, principal)
    waiting = _awaiting(deps, session)
    chunks = [
        {"session": session.id, "enrollments": waiting[i : i + CHUNK_SIZE]}
        for i in range(0, len(waiting), CHUNK_SIZE)
    ]
    job = create_job(deps, org, JOB_KIND, len(waiting), principal.actor, chunks)
    now = deps.clock.now()
    session.state = "signing" if waiting else "signed"
    session.signed_by, session.signed_at, session.job_id = principal.staff_id, now, job.id
    record(
        deps,
        principal,
        "session.resume_signature" if resuming else "session.sign",
        session.id,
        {"job": job.id, "credentials": len(waiting)},
        now=now,
    )
    return job.id, bool(waiting)


def _job_finished(deps: Deps, principal: Principal, session: ExamSession) -> bool:
    if session.job_id is None:
        return True
    org = organization_of(deps, principal)
    return job_progress(deps, org, session.job_id)["state"] in ("done", "failed")


def credential_results(scheme: Scheme, decision: dict[str, Any]) -> list[Result]:
    """The results a credential carries: each assessment (its coefficient in its name, the
    eliminatory minimum as required value), then the weighted average against the pass mark."""
    results = [
        Result(
            f"{a.name} (coefficient {_plain(a.coefficient)})",
            decision["scores"][a.code],
            value_min="0",
            value_max=_plain(a.max_score),
            required_value=None if a.eliminatory_below is None else _plain(a.eliminatory_below),
        )
        for a in scheme.assessments
    ]
    results.append(
        Result(
            "Moyenne pondérée",
            decision["average"],
            value_min="0",
            value_max=_plain(scheme.out_of),
            required_value=_plain(scheme.pass_mark),
            result_type="GradePointAverage",
        )
    )
    return results


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def issue_chunk(ctx: ChunkContext, payload: dict[str, Any]) -> None:
    """Issue the credentials of one chunk of a session's passed enrollments (a job handler)."""
    deps = ctx.deps
    session = deps.session.get_one(ExamSession, payload["session"])
    org = deps.session.get_one(Organization, session.organization_id)
    signer = system_principal(org.id, org.slug, f"signature of session {session.id}")
    version = session.program_version
    scheme = scheme_from_json(version.scheme or {})
    keys = open_signing_keys(deps.session, org, org_did(deps.settings, org.slug), deps.cipher)
    rows = deps.session.execute(
        select(Enrollment, Candidate)
        .join(Candidate, Candidate.id == Enrollment.candidate_id)
        .where(Enrollment.id.in_(payload["enrollments"]))
        .order_by(Enrollment.id)
    )
    events: list[dict[str, Any]] = []
    issued_ids: list[str] = []
    for enrollment, candidate in rows:
        with ctx.item(enrollment.id):
            if enrollment.credential_id is not None:
                continue  # issued by an earlier attempt that committed
            item_events: list[dict[str, Any]] = []
            request = IssueRequest.for_program(
                session.program.code,
                candidate.email,
                candidate.display_name,
                version=version.number,
                results=credential_results(scheme, enrollment.decision or {}),
            )
            issued = issue_credential(
                deps,
                org,
                request,
                actor=signer.actor,
                idempotency_key=internal_key("enrollment", enrollment.id),
                keys=keys,
                deferred_audit=item_events,
                enrollment_id=enrollment.id,
            )
            enrollment.credential_id = issued.credential.id
            enrollment.state = "issued"
            events.extend(item_events)  # last: a failed item leaves no event behind
            issued_ids.append(issued.credential.id)
    # The last chunk to finish marks the session signed: the row lock orders the chunks, and
    # each counts what is left after the others' commits.
    locked = deps.session.scalar(
        select(ExamSession).where(ExamSession.id == session.id).with_for_update()
    )
    deps.session.flush()
    # The chunk's audit events now, after the session's lock (the order sign() takes them
    # in): the chain's head stays locked for this commit only, not for the whole chunk.
    append_many(deps.session, events)
    for job_id in follow_up(deps, org, issued_ids, signer.actor):
        ctx.after_commit(lambda job_id=job_id: enqueue(deps.settings, job_id))
    if locked is not None and not _awaiting(deps, locked):
        locked.state = "signed"


def session_credentials(deps: Deps, principal: Principal, session_id: str) -> list[dict[str, Any]]:
    """The credentials issued for the session's enrollments."""
    session = get_session(deps, principal, session_id)
    principal.require(Action.FOLLOW)
    rows = deps.session.execute(
        select(Enrollment.id, Candidate.email, Enrollment.credential_id)
        .join(Candidate, Candidate.id == Enrollment.candidate_id)
        .where(Enrollment.session_id == session.id, Enrollment.credential_id.is_not(None))
        .order_by(Candidate.family_name, Candidate.given_names, Enrollment.id)
    )
    base = deps.settings.base_url
    return [
        {"enrollment": e, "email": email, "id": credential_url(base, c)} for e, email, c in rows
    ]

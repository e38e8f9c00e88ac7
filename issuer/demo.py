"""The demo certification body that `make run` creates: staff, a program, and sessions in
every state of the workflow, built through the services (so the audit log tells its story)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pyotp
from sqlalchemy import select

import issuer.jobs  # noqa: F401  (registers the sign-off handler that create_job checks for)
from core.accounts.factors import check_password, open_totp_secret
from core.accounts.principal import TOTP_ROLES, Principal, Role
from core.db.models import Credential, Enrollment, ExamSession, Organization, StaffMember
from core.deps import Deps
from core.keys.directory import find_org
from core.tasks import job_progress
from core.tasks.jobs import pending_chunks
from core.tasks.runner import run_chunk
from core.unit_of_work import Runtime
from core.urls import (
    achievement_url,
    credential_url,
    did_document_url,
    issuer_profile_url,
    status_list_url,
)
from core.workflow.candidates import csv_rows, parse_candidates
from core.workflow.grading import ABSENT, Scheme
from issuer.demo_data import (
    ACTOR,
    MENTIONS,
    NAME,
    PROFILES,
    PROGRAM,
    REVOCATION_REASON,
    SESSIONS,
    SLUG,
    STAFF,
    candidates_csv,
)
from issuer.services.decisions import approve, propose
from issuer.services.enrollments import enroll_candidates, record_eligibility
from issuer.services.organizations import create_organization
from issuer.services.programs import create_program, find_program, program_version, update_program
from issuer.services.results import (
    EnrollmentResult,
    compute_results,
    record_grades,
    session_scheme,
    stored_results,
)
from issuer.services.revocation import revoke_credential
from issuer.services.sessions import create_session
from issuer.services.signin import complete_setup
from issuer.services.signoff import sign
from issuer.services.staff import create_staff, staff_principal

DOMAIN = "demo.example"


def create_demo(runtime: Runtime) -> dict[str, Any]:
    """Create whatever part of the demo body is missing, and describe all of it.

    Idempotent: each part (body, program scheme, staff, each session) is looked up before it
    is made, so a second run, or a run on an instance made by an older demo, adds only what is
    missing. The signed session's credentials are issued here, through the job runner, since
    `sceau worker` may not be running yet.
    """
    with runtime.unit() as deps:
        org, api_key = _organization(deps)
        _program(deps, org)
        members, setup_urls = _staff(deps, org)
        for first, spec in _numbered(SESSIONS):
            _session(deps, org, members, spec, first)
    _issue_pending(runtime)
    with runtime.unit() as deps:
        org = deps.session.get_one(Organization, org.id)
        _revoke_one(deps, org)
        return _summary(deps, org, api_key, setup_urls)


def _numbered(specs: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    """Each session with the number of its first candidate: nobody sits two sessions."""
    out, first = [], 0
    for spec in specs:
        out.append((first, spec))
        first += len(spec["profiles"])
    return out


def _organization(deps: Deps) -> tuple[Organization, str | None]:
    org = find_org(deps.session, SLUG)
    if org is not None:
        return org, None
    created = create_organization(deps, slug=SLUG, name=NAME, url=None, actor=ACTOR)
    org = created.organization
    # The mentions a French certificate carries (fictional numbers; the SIRET's checksum holds).
    org.legal_name = MENTIONS["legal_name"]
    org.siret = MENTIONS["siret"]
    org.nda = MENTIONS["nda"]
    org.address = MENTIONS["address"]
    org.signatory_role = MENTIONS["signatory_role"]
    return org, created.api_key


def _program(deps: Deps, org: Organization) -> None:
    program = find_program(deps, org, PROGRAM["code"])
    if program is None:
        create_program(deps, org, PROGRAM, actor=ACTOR)
    elif program_version(deps, program).scheme is None:
        # A body made by the first demo has the program without assessments: give it a
        # version with the scheme (the old credentials keep their version 1).
        update_program(deps, org, PROGRAM["code"], PROGRAM, actor=ACTOR)


# --- staff ---------------------------------------------------------------------------------


def demo_password(deps: Deps, email: str) -> str:
    """The password the demo gives ``email``: derived from the instance's secret key, so it
    can be printed again on every run without being stored, and differs between instances."""
    digest = hmac.new(
        deps.settings.secret_key.encode(), f"demo-password:{email}".encode(), hashlib.sha256
    ).digest()
    return "demo-" + base64.b32encode(digest[:10]).decode().lower()


def passwords_allowed(deps: Deps) -> bool:
    """Passwords are set (and printed) for development and tests, never in production, where
    each member chooses theirs through the setup link."""
    return deps.settings.env != "production"


def _staff(deps: Deps, org: Organization) -> tuple[dict[str, StaffMember], dict[str, str]]:
    """The members by their e-mail's local part; setup links of those made now in production."""
    members: dict[str, StaffMember] = {}
    setup_urls: dict[str, str] = {}
    existing = {
        m.email: m
        for m in deps.session.scalars(
            select(StaffMember).where(StaffMember.organization_id == org.id)
        )
    }
    for local, role, name in STAFF:
        email = f"{local}@{DOMAIN}"
        member = existing.get(email)
        if member is None:
            created = create_staff(deps, org, email=email, role=role, name=name, actor=ACTOR)
            member = created.member
            if passwords_allowed(deps):
                password = demo_password(deps, email)
                # The code of the previous time step proves the authenticator, which leaves
                # the current step's code free for the first sign-in.
                earlier = deps.clock.now() - timedelta(seconds=30)
                code = pyotp.TOTP(created.totp_secret).at(earlier) if created.totp_secret else None
                complete_setup(
                    deps, created.setup_token, password=password, confirm=password, code=code
                )
            else:
                setup_urls[email] = f"{deps.settings.base_url}/staff/setup/{created.setup_token}"
        members[local] = member
    return members, setup_urls


def _principal(members: dict[str, StaffMember], local: str) -> Principal:
    return staff_principal(members[local])


# --- sessions ------------------------------------------------------------------------------


def _session(
    deps: Deps,
    org: Organization,
    members: dict[str, StaffMember],
    spec: dict[str, Any],
    first: int,
) -> None:
    """Bring a new session to the state ``spec`` asks for; nothing if it exists already."""
    if deps.session.scalar(
        select(ExamSession.id).where(
            ExamSession.organization_id == org.id, ExamSession.name == spec["name"]
        )
    ):
        return
    manager = _principal(members, "manager")
    starts, ends = spec["dates"]
    session = create_session(
        deps,
        manager,
        {
            "program": PROGRAM["code"],
            "name": spec["name"],
            "startsOn": starts,
            "endsOn": ends,
            "place": "Lyon",
        },
    )
    rows = parse_candidates(
        csv_rows(candidates_csv(first, len(spec["profiles"]))), deps.clock.now().date()
    )
    enrolled = enroll_candidates(deps, manager, session.id, rows)
    evaluator = _principal(members, "evaluator")
    for (enrollment, _), profile in zip(enrolled, spec["profiles"], strict=True):
        eligibility, grades = PROFILES[profile]
        record_eligibility(deps, manager, enrollment.id, eligibility)
        if grades is not None:
            record_grades(deps, evaluator, enrollment.id, grades)
    if spec["state"] == "open":
        return
    propose(deps, manager, session.id)
    if spec["state"] == "proposed":
        return
    approve(deps, _principal(members, "manager2"), session.id)
    if spec["state"] == "approved":
        return
    signatory = members["signatory"]
    assert signatory.totp_secret is not None  # a signatory always has one (TOTP_ROLES)
    secret = open_totp_secret(deps.cipher, signatory.id, signatory.totp_secret)
    code = pyotp.TOTP(secret).at(deps.clock.now())
    sign(deps, staff_principal(signatory), session.id, code)


def _issue_pending(runtime: Runtime) -> None:
    """Run the chunks of the demo sessions' issuing jobs here, as a worker would: the job's
    record ends done (or failed) exactly as if `sceau worker` had run it."""
    with runtime.unit() as deps:
        org = find_org(deps.session, SLUG)
        if org is None:
            return
        jobs = deps.session.scalars(
            select(ExamSession.job_id).where(
                ExamSession.organization_id == org.id, ExamSession.state == "signing"
            )
        ).all()
        pending = [chunk for job in jobs if job for chunk in pending_chunks(deps.session, job)]
    for job_id, number in pending:
        # Nothing to queue: the sign-off handler never splits its chunks further.
        run_chunk(runtime, job_id, number, final_attempt=True, enqueue_chunk=lambda *_: None)


def _signed_session(deps: Deps, org: Organization) -> ExamSession | None:
    name = next(s["name"] for s in SESSIONS if s["state"] == "signed")
    return deps.session.scalar(
        select(ExamSession).where(ExamSession.organization_id == org.id, ExamSession.name == name)
    )


def _revoke_one(deps: Deps, org: Organization) -> None:
    """Revoke the first credential of the signed session, unless one of them is revoked."""
    session = _signed_session(deps, org)
    if session is None or session.state != "signed":
        return
    rows = deps.session.execute(
        select(Credential.id, Credential.revoked_at)
        .join(Enrollment, Enrollment.credential_id == Credential.id)
        .where(Enrollment.session_id == session.id)
        .order_by(Credential.recipient_name)
    ).all()
    if rows and all(revoked is None for _, revoked in rows):
        revoke_credential(deps, org, rows[0].id, REVOCATION_REASON, actor=f"staff:manager@{DOMAIN}")


# --- what the command prints ---------------------------------------------------------------


def file_label(result: EnrollmentResult, scheme: Scheme) -> str:
    """Where a candidate's file stands, in one word: the workflow state of a passed file past
    the jury's list, else the outcome of the list (why it failed, or what it awaits)."""
    if result.passed and result.state in ("proposed", "approved", "issued", "revoked"):
        return result.state
    if result.eligible is False:
        return "ineligible"
    if ABSENT in result.scores.values():
        return "absent"
    if result.passed is None:
        return "awaiting_grades"
    if result.passed:
        return "passed"
    eliminated = any(
        a.eliminatory_below is not None
        and a.code in result.scores
        and Decimal(result.scores[a.code]) < a.eliminatory_below
        for a in scheme.assessments
    )
    return "failed_eliminatory" if eliminated else "failed_average"


def _sessions(deps: Deps, org: Organization) -> list[dict[str, Any]]:
    base = deps.settings.base_url
    out = []
    for session in deps.session.scalars(
        select(ExamSession)
        .where(ExamSession.organization_id == org.id)
        .order_by(ExamSession.starts_on, ExamSession.name)
    ):
        live = session.state == "open"
        results = compute_results(deps, session) if live else stored_results(deps, session)
        scheme = session_scheme(session)
        entry: dict[str, Any] = {
            "name": session.name,
            "state": session.state,
            "api": f"{base}/api/v1/sessions/{session.id}",
            "candidates": len(results),
            "files": dict(Counter(file_label(r, scheme) for r in results)),
        }
        if session.job_id:
            progress = job_progress(deps, org, session.job_id)
            entry["job"] = {k: progress[k] for k in ("id", "state", "done", "total")}
        out.append(entry)
    return out


def _staff_summary(deps: Deps, org: Organization, setup_urls: dict[str, str]) -> dict[str, Any]:
    members = []
    for local, role, _ in STAFF:
        email = f"{local}@{DOMAIN}"
        member = deps.session.scalar(
            select(StaffMember).where(
                StaffMember.organization_id == org.id, StaffMember.email == email
            )
        )
        if member is None:
            continue
        entry: dict[str, Any] = {"role": role, "email": email}
        if passwords_allowed(deps):
            password = demo_password(deps, email)
            # Checked rather than assumed: someone may have changed it since.
            entry["password"] = (
                password
                if check_password(member.password_hash, password)
                else "(changed since the demo set it)"
            )
            if Role(role) in TOTP_ROLES and member.totp_secret is not None:
                entry["totpSecret"] = open_totp_secret(deps.cipher, member.id, member.totp_secret)
        elif email in setup_urls:
            entry["setupUrl"] = setup_urls[email]
        members.append(entry)
    return {"login": f"{deps.settings.base_url}/staff/{SLUG}/login", "members": members}


def _summary(
    deps: Deps, org: Organization, api_key: str | None, setup_urls: dict[str, str]
) -> dict[str, Any]:
    base = deps.settings.base_url
    rows = deps.session.execute(
        select(
            Credential.id,
            Credential.recipient_name,
            Credential.revoked_at,
            Credential.revocation_reason,
        )
        .where(Credential.organization_id == org.id)
        .order_by(Credential.issued_at, Credential.recipient_name)
    )
    credentials = []
    for credential_id, holder, revoked_at, reason in rows:
        entry: dict[str, Any] = {
            "url": credential_url(base, credential_id),
            "holder": holder,
            "revoked": revoked_at is not None,
        }
        if revoked_at is not None:
            entry["reason"] = reason
        credentials.append(entry)
    return {
        "organization": issuer_profile_url(base, SLUG),
        "did_document": did_document_url(base, SLUG),
        "program": achievement_url(base, SLUG, PROGRAM["code"]),
        "staff": _staff_summary(deps, org, setup_urls),
        "sessions": _sessions(deps, org),
        "credentials": credentials,
        "status_list": status_list_url(base, SLUG, 1),
        "api_key": api_key or "(shown only when the demo body was created)",
    }

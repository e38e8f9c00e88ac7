"""Renewal: the credentials that expire soon, and recertification as a new enrollment of the
same candidate linked to the credential it renews."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from core.accounts.principal import Action, Principal
from core.audit.log import record
from core.db.models import Candidate, Credential, Enrollment, Program
from core.deps import Deps
from core.errors import Conflict, InputError
from core.urls import credential_url
from issuer.services.enrollments import check_room
from issuer.services.sessions import get_session, organization_of

MAX_DAYS = 3660


def expiring_credentials(deps: Deps, principal: Principal, days: int) -> list[dict[str, Any]]:
    """The organization's credentials, not revoked, whose validity ends within ``days``
    (already expired ones are not listed: they are past renewal's notice)."""
    principal.require(Action.READ)
    if not 1 <= days <= MAX_DAYS:
        raise InputError(
            "days out of range",
            code="invalid_request",
            problems=[{"path": "days", "message": f"an integer from 1 to {MAX_DAYS}"}],
        )
    now = deps.clock.now()
    rows = deps.session.execute(
        select(Credential, Program.code)
        .outerjoin(Program, Program.id == Credential.program_id)
        .where(
            Credential.organization_id == principal.organization_id,
            Credential.revoked_at.is_(None),
            Credential.valid_until.is_not(None),
            Credential.valid_until > now,
            Credential.valid_until <= now + timedelta(days=days),
        )
        .order_by(Credential.valid_until, Credential.id)
    )
    base = deps.settings.base_url
    return [
        {
            "id": credential_url(base, c.id),
            "email": c.recipient_email,
            "name": c.recipient_name,
            "achievement": c.achievement_name,
            "program": code,
            "validUntil": c.valid_until.isoformat() if c.valid_until else None,
            "enrollment": c.enrollment_id,
        }
        for c, code in rows
    ]


def _credential_id(value: Any, index: int) -> str:
    text = value if isinstance(value, str) else ""
    candidate = text.rstrip("/").rsplit("/", 1)[-1]
    try:
        return str(uuid.UUID(candidate))
    except ValueError:
        raise InputError(
            "not a credential",
            code="invalid_request",
            problems=[{"path": f"credentials[{index}]", "message": "a credential URL or UUID"}],
        ) from None


def recertify(
    deps: Deps, principal: Principal, session_id: str, credentials: Any
) -> list[Enrollment]:
    """Enroll the holders of ``credentials`` (URLs or UUIDs) in the session, each enrollment
    naming the credential it renews; all or none."""
    session = get_session(deps, principal, session_id, lock=True)
    principal.require(Action.ENROLL)
    if not isinstance(credentials, list) or not credentials:
        raise InputError("a list of credentials is required", code="invalid_request")
    ids = [_credential_id(v, i) for i, v in enumerate(credentials)]
    org = organization_of(deps, principal)
    found = {
        c.id: c
        for c in deps.session.scalars(
            select(Credential).where(Credential.organization_id == org.id, Credential.id.in_(ids))
        )
    }
    enrolled = set(
        deps.session.scalars(
            select(Enrollment.candidate_id).where(Enrollment.session_id == session.id)
        )
    )
    problems: list[dict[str, Any]] = []
    candidates: list[tuple[str, Candidate]] = []
    for index, cid in enumerate(ids):
        path = f"credentials[{index}]"
        credential = found.get(cid)
        if credential is None:
            problems.append({"path": path, "message": "no such credential"})
            continue
        if credential.enrollment_id is None:
            problems.append(
                {"path": path, "message": "issued outside a session: import the candidate"}
            )
            continue
        previous = deps.session.get_one(Enrollment, credential.enrollment_id)
        if previous.candidate_id in enrolled or any(
            c.id == previous.candidate_id for _, c in candidates
        ):
            problems.append({"path": path, "message": "already enrolled in this session"})
            continue
        candidates.append((cid, previous.candidate))
    if problems:
        raise InputError("nothing was enrolled", code="invalid_recertification", problems=problems)
    if session.state != "open":
        raise Conflict("the session's decisions are already proposed", code="session_closed")
    check_room(deps, session, len(candidates))
    now = deps.clock.now()
    created = []
    for cid, candidate in candidates:
        enrollment = Enrollment(
            id=str(uuid.uuid4()),
            organization_id=org.id,
            session_id=session.id,
            candidate_id=candidate.id,
            state="registered",
            created_at=now,
            renews_credential_id=cid,
        )
        deps.session.add(enrollment)
        created.append(enrollment)
    deps.session.flush()
    record(
        deps,
        principal,
        "session.recertify",
        session.id,
        {"renews": [cid for cid, _ in candidates]},
        now=now,
    )
    return created

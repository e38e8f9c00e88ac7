"""Revoking a credential: mark it, then re-sign its status list within the same unit of work."""

from __future__ import annotations

from sqlalchemy import select, update

from core.audit.log import append as audit
from core.clock import isoformat_z
from core.credentials.untrusted import find_control_characters
from core.db.models import Credential, Enrollment, Organization
from core.deps import Deps
from core.errors import Conflict, InputError, NotFound
from core.keys.directory import org_did
from core.keys.store import open_signing_keys
from core.status.lists import lock_list, publish_list
from issuer.services.issuance import signer


def find_credential(deps: Deps, org: Organization, credential_id: str) -> Credential:
    """The organization's credential with this UUID, or NotFound."""
    row = deps.session.scalar(
        select(Credential).where(
            Credential.id == credential_id, Credential.organization_id == org.id
        )
    )
    if row is None:
        raise NotFound(f"no credential {credential_id} in {org.slug}", code="unknown_credential")
    return row


def revoke_credential(
    deps: Deps, org: Organization, credential_id: str, reason: str, *, actor: str
) -> Credential:
    """Revoke; the status list is re-signed now, so verifiers see it after one cache period."""
    reason = reason.strip()
    if not reason or find_control_characters(reason):
        raise InputError(
            "a revocation needs a reason in plain text",
            code="invalid_reason",
            problems=[{"path": "reason", "message": "required, no control characters"}],
        )
    row = find_credential(deps, org, credential_id)
    # The key lock first, then the list's: the order a key compromise takes them in.
    keys = open_signing_keys(deps.session, org, org_did(deps.settings, org.slug), deps.cipher)
    status_list = lock_list(deps.session, row.status_list_id)
    deps.session.refresh(row)
    if row.revoked_at is not None:
        raise Conflict(f"credential {credential_id} is already revoked", code="already_revoked")
    now = deps.clock.now()
    row.revoked_at = now
    row.revocation_reason = reason
    # A credential of the workflow takes its candidate's file to its last state.
    if row.enrollment_id is not None:
        deps.session.execute(
            update(Enrollment).where(Enrollment.id == row.enrollment_id).values(state="revoked")
        )
    deps.session.flush()
    sign = signer(keys, isoformat_z(now), deps.settings.canonicalization_max_work)
    publish_list(deps.session, deps.settings, org, status_list, keys.did, sign, now)
    audit(
        deps.session,
        actor=actor,
        action="credential.revoke",
        subject=credential_id,
        organization=org.slug,
        now=now,
        data={"reason": reason},
    )
    return row

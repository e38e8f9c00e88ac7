"""Creating certification bodies, their API keys, and rotating their signing keys."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select

from core.audit.log import append as audit
from core.clock import isoformat_z
from core.db.models import ApiKey, AuditEvent, Credential, Organization, StatusList
from core.deps import Deps
from core.errors import AuthenticationError, Conflict, InputError, NotFound
from core.keys.directory import SLUG, find_org, org_did
from core.keys.store import compromise_key as compromise_key_row
from core.keys.store import create_keys, lock_keys, open_signing_keys
from core.status.lists import current_list, lock_list, publish_list
from core.urls import credential_url
from issuer.services.issuance import signer

KEY_PREFIX = "sceau_"


@dataclass(frozen=True)
class CreatedOrganization:
    """The new organization and its API key, in clear this one time."""

    organization: Organization
    did: str
    api_key: str


def _hash_key(secret: str) -> str:
    # API keys are 256-bit random values: a plain SHA-256 is enough, unlike passwords.
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_api_key(deps: Deps, org: Organization, label: str = "default") -> str:
    """Create an API key for the organization; return it in clear (it is stored hashed)."""
    prefix = secrets.token_hex(8)
    secret = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    deps.session.add(
        ApiKey(
            organization_id=org.id,
            prefix=prefix,
            key_hash=_hash_key(secret),
            label=label,
            created_at=deps.clock.now(),
        )
    )
    deps.session.flush()
    return secret


def authenticate(deps: Deps, bearer: str | None) -> Organization:
    """The organization owning this API key; AuthenticationError for anything else."""
    if not bearer or not bearer.startswith(KEY_PREFIX):
        raise AuthenticationError("a valid API key is required (Authorization: Bearer <key>)")
    prefix = bearer[len(KEY_PREFIX) :].split("_", 1)[0]
    row = deps.session.scalar(
        select(ApiKey).where(ApiKey.prefix == prefix, ApiKey.revoked_at.is_(None))
    )
    if row is None or not hmac.compare_digest(row.key_hash, _hash_key(bearer)):
        raise AuthenticationError("a valid API key is required (Authorization: Bearer <key>)")
    return row.organization


def create_organization(
    deps: Deps, *, slug: str, name: str, url: str | None = None, actor: str = "cli"
) -> CreatedOrganization:
    """A new certification body with its keys, a first status list and one API key."""
    if not SLUG.match(slug):
        raise InputError(
            "the slug must be lowercase letters, digits and hyphens (1-64)", code="invalid_slug"
        )
    if not name.strip():
        raise InputError("the name must not be empty", code="invalid_name")
    if url is not None and not re.match(r"^https?://\S+$", url):
        raise InputError("the URL must start with http:// or https://", code="invalid_url")
    if find_org(deps.session, slug) is not None:
        raise Conflict(f"an organization with the slug {slug!r} already exists", code="slug_taken")
    now = deps.clock.now()
    org = Organization(slug=slug, name=name.strip(), url=url, created_at=now)
    deps.session.add(org)
    deps.session.flush()
    create_keys(deps.session, org, deps.cipher, now)
    current_list(deps.session, org, deps.settings.status_list_size, now)
    api_key = issue_api_key(deps, org)
    audit(
        deps.session,
        actor=actor,
        action="organization.create",
        subject=slug,
        organization=slug,
        now=now,
    )
    return CreatedOrganization(org, org_did(deps.settings, slug), api_key)


def rotate_keys(deps: Deps, slug: str, actor: str = "cli") -> list[str]:
    """New active keys; the old ones stay published so earlier credentials still verify."""
    org = find_org(deps.session, slug)
    if org is None:
        raise NotFound(f"no organization {slug!r}")
    lock_keys(deps.session, org)
    now = deps.clock.now()  # after the lock: no signature in flight is dated after this
    rows = create_keys(deps.session, org, deps.cipher, now)
    kids = [row.kid for row in rows]
    audit(
        deps.session,
        actor=actor,
        action="keys.rotate",
        subject=slug,
        organization=slug,
        now=now,
        data={"kids": kids},
    )
    return kids


@dataclass(frozen=True)
class Compromise:
    """What a key compromise did, and what its organization must now re-issue."""

    kid: str
    replacement: str | None
    credentials: list[str]
    unstored_signatures: list[str]
    republished_lists: list[int]


def compromise_key(
    deps: Deps, slug: str, kid: str, *, since: datetime | None = None, actor: str = "cli"
) -> Compromise:
    """Withdraw a key from the DID document (its proofs fail with `key_compromised`).

    A new active key of the same kind replaces it, so issuing goes on; status lists are re-signed
    with the new key; the credentials the key signed (from ``since`` on, when given) are listed
    for re-issue, and so are the VC API signatures recorded in the audit log.
    """
    org = find_org(deps.session, slug)
    if org is None:
        raise NotFound(f"no organization {slug!r}")
    lock_keys(deps.session, org)
    now = deps.clock.now()
    row, replacement = compromise_key_row(deps.session, org, kid, deps.cipher, now)
    keys = open_signing_keys(deps.session, org, org_did(deps.settings, slug), deps.cipher)
    sign = signer(keys, isoformat_z(now), deps.settings.canonicalization_max_work)
    republished = []
    for number, list_id in deps.session.execute(
        select(StatusList.number, StatusList.id)
        .where(StatusList.organization_id == org.id, StatusList.signed_credential.is_not(None))
        .order_by(StatusList.number)
    ).all():
        publish_list(
            deps.session, deps.settings, org, lock_list(deps.session, list_id), keys.did, sign, now
        )
        republished.append(number)
    signed = select(Credential.id).where(
        Credential.organization_id == org.id,
        or_(Credential.proof_kid == kid, Credential.jwt_kid == kid),
    )
    if since is not None:
        signed = signed.where(Credential.issued_at >= since)
    credentials = [
        credential_url(deps.settings.base_url, cid)
        for cid in deps.session.scalars(signed.order_by(Credential.issued_at, Credential.id))
    ]
    unstored = [
        event.subject
        for event in deps.session.scalars(
            select(AuditEvent).where(
                AuditEvent.organization_slug == slug, AuditEvent.action == "credential.sign"
            )
        )
        if event.data.get("proofKid") == kid and (since is None or event.created_at >= since)
    ]
    audit(
        deps.session,
        actor=actor,
        action="keys.compromise",
        subject=slug,
        organization=slug,
        now=now,
        data={
            "kid": kid,
            "replacement": replacement.kid if replacement else None,
            "since": isoformat_z(since) if since else None,
            "credentials": len(credentials),
        },
    )
    return Compromise(
        row.kid, replacement.kid if replacement else None, credentials, unstored, republished
    )

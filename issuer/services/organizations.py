"""Creating certification bodies, their API keys, and rotating their signing keys."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from core.audit.log import append as audit
from core.db.models import ApiKey, Organization
from core.deps import Deps
from core.errors import AuthenticationError, Conflict, InputError, NotFound
from core.keys.directory import find_org, org_did
from core.keys.store import create_keys
from core.status.lists import current_list

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
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
    now = deps.clock.now()
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

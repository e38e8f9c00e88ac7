"""Identity of this instance's organizations on the web: their DIDs, DID documents and URLs."""

from __future__ import annotations

import functools
import re
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db.models import Organization, SigningKey
from core.db.models.keys import COMPROMISED, RETIRED
from core.keys.did import build_did_document, did_web
from core.keys.resolver import KeyState, LocalDid
from core.keys.store import key_states, public_key_of, published_keys
from core.settings import Settings
from core.urls import issuer_profile_url


def org_did(settings: Settings, slug: str) -> str:
    """did:web:<host>:issuers:<slug>."""
    return _did_for(settings.base_url, slug)


@functools.lru_cache(maxsize=1024)
def _did_for(base_url: str, slug: str) -> str:
    return did_web(base_url, ["issuers", slug])


def slug_from_did(settings: Settings, did: str) -> str | None:
    """The slug if ``did`` (without fragment) names an organization of this instance's origin."""
    prefix = did_web(settings.base_url, ["issuers"]) + ":"
    bare = did.split("#", 1)[0]
    if not bare.startswith(prefix):
        return None
    slug = bare[len(prefix) :]
    return slug if slug and ":" not in slug else None


#: What a slug can be (issuer.services.organizations creates them so).
SLUG = re.compile(r"\A[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?\Z")


def find_org(session: Session, slug: str) -> Organization | None:
    """The organization with this slug, if any (a string that cannot be a slug is not looked up:
    it comes from a URL, and PostgreSQL refuses a NUL in a query parameter)."""
    if not SLUG.match(slug):
        return None
    return session.scalar(select(Organization).where(Organization.slug == slug))


def did_document(
    session: Session,
    settings: Settings,
    org: Organization,
    keys: list[SigningKey] | None = None,
) -> dict[str, Any]:
    """The DID document listing every published key of the organization (``keys``: all its
    rows when the caller has them already; compromised ones are left out)."""
    did = org_did(settings, org.slug)
    ed_keys: list[tuple[str, Ed25519PublicKey]] = []
    p256_keys: list[tuple[str, ec.EllipticCurvePublicKey]] = []
    rows = published_keys(session, org.id) if keys is None else keys
    for row in rows:
        if row.status == COMPROMISED:
            continue
        key = public_key_of(row)
        if isinstance(key, Ed25519PublicKey):
            ed_keys.append((row.kid, key))
        else:
            p256_keys.append((row.kid, key))
    return build_did_document(did, ed_keys, p256_keys)


def local_did_document(session: Session, settings: Settings, did: str) -> LocalDid | None:
    """The DID document of an organization of this instance and its keys' states, or None."""
    slug = slug_from_did(settings, did)
    org = find_org(session, slug) if slug else None
    if org is None:
        return None
    rows = key_states(session, org.id)
    states = {
        f"{did}#{row.kid}": KeyState(
            retired_at=row.retired_at if row.status in (RETIRED, COMPROMISED) else None,
            compromised=row.status == COMPROMISED,
        )
        for row in rows
    }
    return LocalDid(did_document(session, settings, org, rows), states)


def issuer_profile(settings: Settings, org: Organization) -> dict[str, Any]:
    """The OB 3.0 Profile object embedded as `issuer` in credentials."""
    profile: dict[str, Any] = {
        "id": org_did(settings, org.slug),
        "type": ["Profile"],
        "name": org.name,
        "url": org.url or issuer_profile_url(settings.base_url, org.slug),
    }
    if org.description:
        profile["description"] = org.description
    return profile

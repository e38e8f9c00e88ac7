"""Staff accounts: creating members, their one-time setup link, personal API tokens, and
turning a bearer token into the principal that every use case checks."""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from core.accounts.factors import (
    new_token,
    new_totp_secret,
    seal_totp_secret,
    token_hash,
)
from core.accounts.principal import TOTP_ROLES, Principal, Role
from core.audit.log import append as audit
from core.db.models import Organization, StaffMember, StaffToken
from core.deps import Deps
from core.errors import AuthenticationError, Conflict, InputError, NotFound
from issuer.services.organizations import KEY_PREFIX
from issuer.services.organizations import authenticate as authenticate_api_key

#: Personal tokens are told apart from the organization's API keys by their prefix.
TOKEN_PREFIX = "sceau_pt_"  # noqa: S105 (a public prefix, not a secret)
SETUP_LINK_PREFIX = "setup_"
SETUP_VALIDITY = timedelta(days=7)
EMAIL = re.compile(r"\A[^@\s]{1,64}@[^@\s]+\.[^@\s]+\Z")
_UNAUTHENTICATED = "a valid API key or personal token is required (Authorization: Bearer ...)"


@dataclass(frozen=True)
class CreatedStaff:
    """A new member, with their one-time setup token and TOTP secret in clear this once."""

    member: StaffMember
    setup_token: str
    totp_secret: str | None


def normalize_email(value: str, path: str = "email") -> str:
    """The address lowercased and trimmed; InputError when it is not an address."""
    email = value.strip().lower()
    if len(email) > 320 or not EMAIL.match(email):
        raise InputError(
            "not an e-mail address",
            code="invalid_request",
            problems=[{"path": path, "message": "an e-mail address"}],
        )
    return email


def parse_role(value: str) -> Role:
    """The role named ``value``; InputError listing the roles otherwise."""
    try:
        return Role(value)
    except ValueError:
        raise InputError(
            f"unknown role {value!r}",
            code="invalid_request",
            problems=[{"path": "role", "message": "one of " + ", ".join(r.value for r in Role)}],
        ) from None


def create_staff(
    deps: Deps, org: Organization, *, email: str, role: str, name: str | None, actor: str
) -> CreatedStaff:
    """A new staff member of ``org``; their password is set through the setup link."""
    address = normalize_email(email)
    parsed = parse_role(role)
    if deps.session.scalar(
        select(StaffMember.id).where(
            StaffMember.organization_id == org.id, StaffMember.email == address
        )
    ):
        raise Conflict(f"{address} is already a member of {org.slug}", code="staff_exists")
    now = deps.clock.now()
    setup, _ = new_token(SETUP_LINK_PREFIX)
    member = StaffMember(
        organization_id=org.id,
        email=address,
        name=(name or "").strip() or None,
        role=parsed.value,
        setup_token_hash=token_hash(setup),
        setup_expires_at=now + SETUP_VALIDITY,
        failed_logins=0,
        created_at=now,
    )
    deps.session.add(member)
    deps.session.flush()
    secret = None
    if parsed in TOTP_ROLES:
        secret = new_totp_secret()
        member.totp_secret = seal_totp_secret(deps.cipher, member.id, secret)
    audit(
        deps.session,
        actor=actor,
        action="staff.create",
        subject=address,
        organization=org.slug,
        now=now,
        data={"role": parsed.value},
    )
    return CreatedStaff(member, setup, secret)


def find_staff(deps: Deps, org: Organization, email: str) -> StaffMember:
    """The member of ``org`` with this address; NotFound otherwise."""
    member = deps.session.scalar(
        select(StaffMember).where(
            StaffMember.organization_id == org.id,
            StaffMember.email == email.strip().lower(),
        )
    )
    if member is None:
        raise NotFound(f"no staff member {email!r} in {org.slug}")
    return member


def create_personal_token(deps: Deps, member: StaffMember, *, actor: str) -> str:
    """A new personal API token for ``member``, in clear this once (stored hashed)."""
    token, lookup = new_token(TOKEN_PREFIX)
    now = deps.clock.now()
    deps.session.add(
        StaffToken(staff_id=member.id, lookup=lookup, token_hash=token_hash(token), created_at=now)
    )
    deps.session.flush()
    audit(
        deps.session,
        actor=actor,
        action="staff.token.create",
        subject=member.email,
        organization=member.organization.slug,
        now=now,
        data={"lookup": lookup},
    )
    return token


def staff_principal(member: StaffMember) -> Principal:
    """The principal a signed-in (or token-bearing) staff member acts as."""
    return Principal(
        "staff",
        member.organization_id,
        member.organization.slug,
        staff_id=member.id,
        email=member.email,
        role=Role(member.role),
        name=member.name,
    )


def authenticate_bearer(deps: Deps, bearer: str | None) -> Principal:
    """The principal of a personal token or of an organization API key; AuthenticationError
    for anything else (a revoked token, a disabled member, a token of nobody)."""
    if bearer and bearer.startswith(TOKEN_PREFIX):
        lookup = bearer[len(TOKEN_PREFIX) :].split("_", 1)[0]
        row = deps.session.scalar(
            select(StaffToken).where(StaffToken.lookup == lookup, StaffToken.revoked_at.is_(None))
        )
        if (
            row is None
            or not hmac.compare_digest(row.token_hash, token_hash(bearer))
            or row.staff.disabled_at is not None
        ):
            raise AuthenticationError(_UNAUTHENTICATED)
        return staff_principal(row.staff)
    if bearer and bearer.startswith(KEY_PREFIX):
        org = authenticate_api_key(deps, bearer)
        return Principal("api_key", org.id, org.slug)
    raise AuthenticationError(_UNAUTHENTICATED)


def setup_expired(member: StaffMember, now: datetime) -> bool:
    """Whether the member's one-time setup link no longer works."""
    return member.setup_expires_at is None or member.setup_expires_at <= now

"""Signing staff in to the back office: the one-time setup link, password and TOTP steps,
lockout, and the fingerprint that ends a web session when its member's secrets change."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import pyotp
from sqlalchemy import select

from core.accounts.factors import (
    check_password,
    hash_password,
    open_totp_secret,
    password_problem,
    token_hash,
    totp_step,
)
from core.accounts.principal import TOTP_ROLES, Principal, Role
from core.audit.log import append as audit
from core.db.models import Organization, StaffMember
from core.deps import Deps
from core.errors import InputError, NotFound
from core.settings import Settings
from issuer.services.staff import SETUP_LINK_PREFIX, setup_expired

#: Consecutive failures (passwords and TOTP codes alike) that lock an account...
LOCK_AFTER = 5
#: ...and for how long.
LOCK_FOR = timedelta(minutes=15)
_SIGN_IN_ACTOR = "system:sign-in"

Status = Literal["signed_in", "totp_required", "refused"]


@dataclass(frozen=True)
class Attempt:
    """The outcome of one sign-in step. A refusal is returned, not raised: it has been
    recorded (failure counter, lock) and the caller must commit it like a success."""

    status: Status
    member: StaffMember | None = None


@dataclass(frozen=True)
class SetupDetails:
    """What the setup page shows its member: who they are and, for the roles that need it,
    the TOTP secret to enrol in an authenticator (shown to its owner, on this page only)."""

    email: str
    name: str | None
    role: Role
    organization_name: str
    organization_slug: str
    totp_secret: str | None
    totp_uri: str | None


# --- the one-time setup link ---------------------------------------------------------------


def _setup_member(deps: Deps, token: str) -> StaffMember:
    """The member whose live setup link ``token`` is; NotFound for an unknown, used or
    expired link (one answer for all three: the link is the only secret)."""
    member = None
    if token.startswith(SETUP_LINK_PREFIX) and len(token) <= 200:
        member = deps.session.scalar(
            select(StaffMember).where(StaffMember.setup_token_hash == token_hash(token))
        )
    if member is None or member.disabled_at is not None or setup_expired(member, deps.clock.now()):
        raise NotFound("this setup link is unknown, used or expired", code="setup_link_invalid")
    return member


def _totp_secret(deps: Deps, member: StaffMember) -> str | None:
    if member.totp_secret is None:
        return None
    return open_totp_secret(deps.cipher, member.id, member.totp_secret)


def setup_details(deps: Deps, token: str) -> SetupDetails:
    """What the setup page of ``token`` shows; NotFound when the link does not work."""
    member = _setup_member(deps, token)
    org = member.organization
    secret = _totp_secret(deps, member) if Role(member.role) in TOTP_ROLES else None
    uri = None
    if secret is not None:
        uri = pyotp.TOTP(secret).provisioning_uri(
            name=member.email, issuer_name=f"Sceau {org.name}"
        )
    return SetupDetails(
        email=member.email,
        name=member.name,
        role=Role(member.role),
        organization_name=org.name,
        organization_slug=org.slug,
        totp_secret=secret,
        totp_uri=uri,
    )


def complete_setup(
    deps: Deps, token: str, *, password: str, confirm: str, code: str | None
) -> StaffMember:
    """Set the member's password (and prove their authenticator works, for the TOTP roles);
    the link is spent. InputError (paths ``password``, ``confirm``, ``code``) when refused."""
    member = _setup_member(deps, token)
    now = deps.clock.now()
    problems = []
    weak = password_problem(password)
    if weak:
        problems.append({"path": "password", "message": weak, "code": "weak_password"})
    if not hmac.compare_digest(password.encode(), confirm.encode()):
        problems.append({"path": "confirm", "message": "the passwords differ", "code": "mismatch"})
    step = None
    if Role(member.role) in TOTP_ROLES:
        secret = _totp_secret(deps, member)
        step = (
            totp_step(secret, (code or "").strip(), now, member.totp_last_step) if secret else None
        )
        if step is None:
            problems.append({"path": "code", "message": "not a valid code", "code": "invalid_totp"})
    if problems:
        raise InputError("the account could not be set up", code="invalid_setup", problems=problems)
    member.password_hash = hash_password(password)
    if step is not None:
        member.totp_last_step = step
    member.setup_token_hash = None
    member.setup_expires_at = None
    member.failed_logins = 0
    member.locked_until = None
    audit(
        deps.session,
        actor=f"staff:{member.email}",
        action="staff.setup",
        subject=member.email,
        organization=member.organization.slug,
        now=now,
        data={"role": member.role, "totp": step is not None},
    )
    deps.session.flush()
    return member


# --- signing in ----------------------------------------------------------------------------


def is_locked(member: StaffMember, now: datetime) -> bool:
    """Whether too many failures in a row lock the member out (sign-in and signature)."""
    return member.locked_until is not None and member.locked_until > now


def count_failure(deps: Deps, member: StaffMember, now: datetime) -> Attempt:
    """Count a failure; the fifth in a row locks the account (audited)."""
    member.failed_logins = (member.failed_logins or 0) + 1
    if member.failed_logins >= LOCK_AFTER:
        member.failed_logins = 0
        member.locked_until = now + LOCK_FOR
        audit(
            deps.session,
            actor=_SIGN_IN_ACTOR,
            action="staff.locked",
            subject=member.email,
            organization=member.organization.slug,
            now=now,
            data={"until": member.locked_until.isoformat()},
        )
    deps.session.flush()
    return Attempt("refused")


def _accept(deps: Deps, member: StaffMember, now: datetime) -> Attempt:
    member.failed_logins = 0
    member.locked_until = None
    audit(
        deps.session,
        actor=f"staff:{member.email}",
        action="staff.login",
        subject=member.email,
        organization=member.organization.slug,
        now=now,
    )
    deps.session.flush()
    return Attempt("signed_in", member)


def sign_in_password(deps: Deps, *, organization: str, email: str, password: str) -> Attempt:
    """The password step. Every refusal looks the same to the caller and costs the same
    argon2 verification, whether the member exists or not."""
    now = deps.clock.now()
    member = deps.session.scalar(
        select(StaffMember)
        .join(Organization, Organization.id == StaffMember.organization_id)
        .where(
            Organization.slug == organization.strip().lower(),
            StaffMember.email == email.strip().lower(),
        )
        # Two guesses at once must not both read the same failure count.
        .with_for_update(of=StaffMember)
    )
    matches = check_password(member.password_hash if member else None, password)
    if member is None or member.password_hash is None or member.disabled_at is not None:
        return Attempt("refused")
    if is_locked(member, now):
        return Attempt("refused")  # not counted: the lock must end 15 minutes after it began
    if not matches:
        return count_failure(deps, member, now)
    if Role(member.role) in TOTP_ROLES:
        if member.totp_secret is None:
            return Attempt("refused")  # a second factor is mandatory; never skip it
        return Attempt("totp_required", member)
    return _accept(deps, member, now)


def sign_in_totp(deps: Deps, *, staff_id: int, fingerprint: str, code: str) -> Attempt:
    """The TOTP step, for the member who just gave their password (``fingerprint`` proves it
    was this password). A code works once; wrong codes count towards the lock."""
    now = deps.clock.now()
    member = deps.session.scalar(
        select(StaffMember).where(StaffMember.id == staff_id).with_for_update()
    )
    if member is None or not _fingerprint_matches(deps.settings, member, fingerprint):
        return Attempt("refused")
    if is_locked(member, now) or member.totp_secret is None:
        return Attempt("refused")
    secret = open_totp_secret(deps.cipher, member.id, member.totp_secret)
    step = totp_step(secret, code.strip(), now, member.totp_last_step)
    if step is None:
        return count_failure(deps, member, now)
    member.totp_last_step = step
    return _accept(deps, member, now)


# --- the web session -----------------------------------------------------------------------


def session_fingerprint(settings: Settings, member: StaffMember) -> str:
    """A keyed digest of what a sign-in proved (password hash, TOTP secret): stored in the
    session cookie, it stops matching when either changes, which ends every other session
    without a server-side session store."""
    material = b"|".join(
        (
            str(member.id).encode(),
            (member.password_hash or "").encode(),
            member.totp_secret or b"",
        )
    )
    key = hashlib.sha256(b"sceau staff session|" + settings.secret_key.encode()).digest()
    return hmac.new(key, material, hashlib.sha256).hexdigest()[:32]


def _fingerprint_matches(settings: Settings, member: StaffMember, fingerprint: str) -> bool:
    return hmac.compare_digest(session_fingerprint(settings, member), fingerprint)


def signed_in_member(deps: Deps, staff_id: int, fingerprint: str) -> StaffMember | None:
    """The member a web session names, if that session still holds: the member exists, is
    not disabled, and has the password and TOTP secret the session was opened with."""
    member = deps.session.get(StaffMember, staff_id)
    if member is None or member.disabled_at is not None or member.password_hash is None:
        return None
    if not _fingerprint_matches(deps.settings, member, fingerprint):
        return None
    return member


def change_password(deps: Deps, principal: Principal, *, current: str, new: str) -> StaffMember:
    """Replace the signed-in member's password: every other session of theirs ends."""
    member = deps.session.get(StaffMember, principal.staff_id) if principal.staff_id else None
    if member is None or principal.kind != "staff":
        raise NotFound("no such staff member")
    problems = []
    if not check_password(member.password_hash, current):
        problems.append({"path": "current", "message": "wrong password", "code": "wrong_password"})
    weak = password_problem(new)
    if weak:
        problems.append({"path": "password", "message": weak, "code": "weak_password"})
    if problems:
        raise InputError("the password was not changed", code="invalid_password", problems=problems)
    member.password_hash = hash_password(new)
    audit(
        deps.session,
        actor=principal.actor,
        action="staff.password",
        subject=member.email,
        organization=principal.organization_slug,
        now=deps.clock.now(),
    )
    deps.session.flush()
    return member

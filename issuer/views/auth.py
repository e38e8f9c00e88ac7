"""The back office's web session: opening and closing it, the signed-in principal, and the
`@staff_required` decorator every page of the back office wears.

The session is Flask's signed cookie (Secure when the base URL is https, HttpOnly,
SameSite=Lax). It holds the member's id and a fingerprint of their password hash and TOTP
secret (issuer.services.signin.session_fingerprint), so a new password, a new secret or a
disabled account ends every session at its next request; it also ends after
SCEAU_STAFF_IDLE_MINUTES without a request.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import g, redirect, request, session, url_for

from core.accounts.principal import Action, Principal
from core.db.models import StaffMember
from core.web.database import deps
from issuer.services.signin import session_fingerprint, signed_in_member
from issuer.services.staff import staff_principal

View = TypeVar("View", bound=Callable[..., Any])

SESSION_KEY = "staff"
PENDING_KEY = "staff_pending"
#: How long the TOTP step waits after a correct password.
PENDING_SECONDS = 300
#: A session's "last seen" time is written again only after this long, so that the cookie is
#: not re-issued on every request.
_SEEN_RESOLUTION = 60


def _now() -> int:
    return int(deps().clock.now().timestamp())


def open_session(member: StaffMember) -> None:
    """Sign ``member`` in: a fresh session (nothing of the anonymous one survives)."""
    session.clear()
    session.permanent = True  # the cookie expires with the idle limit, not with the browser
    session[SESSION_KEY] = {
        "id": member.id,
        "fp": session_fingerprint(deps().settings, member),
        "seen": _now(),
    }


def close_session() -> None:
    """Sign out: the cookie is emptied (and its CSRF token with it)."""
    session.clear()


def begin_totp_step(member: StaffMember, next_url: str | None) -> None:
    """Remember, for a few minutes, who gave a correct password and still owes a code."""
    session.clear()
    session[PENDING_KEY] = {
        "id": member.id,
        "fp": session_fingerprint(deps().settings, member),
        "at": _now(),
        "next": next_url,
    }


def pending_totp() -> dict[str, Any] | None:
    """The sign-in waiting for its TOTP code, if it has not expired."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or _now() - int(pending.get("at", 0)) > PENDING_SECONDS:
        session.pop(PENDING_KEY, None)
        return None
    return pending


def current_principal() -> Principal | None:
    """The signed-in staff member of this request as a Principal, or None. Loads the member
    once per request and refuses a disabled member, a stale fingerprint or an idle session."""
    if "sceau_principal" in g:
        principal: Principal | None = g.sceau_principal
        return principal
    principal = None
    data = session.get(SESSION_KEY)
    if isinstance(data, dict):
        now = _now()
        idle = deps().settings.staff_idle_minutes * 60
        member = None
        if now - int(data.get("seen", 0)) <= idle:
            member = signed_in_member(deps(), int(data.get("id", 0)), str(data.get("fp", "")))
        if member is None:
            session.pop(SESSION_KEY, None)
        else:
            principal = staff_principal(member)
            if now - int(data["seen"]) >= _SEEN_RESOLUTION:
                session[SESSION_KEY] = {**data, "seen": now}
    g.sceau_principal = principal
    return principal


def safe_next(value: str | None) -> str | None:
    """``value`` if it is a path of this site (never another origin: no open redirect)."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in value):
        return None
    return value


def staff_required(action: Action | None = None) -> Callable[[View], View]:
    """Decorate a back-office page: a visitor who is not signed in goes to the sign-in page
    (and comes back afterwards); a signed-in member whose role may not do ``action`` gets 403.
    The page receives the principal as its ``principal`` keyword argument."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal = current_principal()
            if principal is None:
                target = request.full_path.rstrip("?") if request.method == "GET" else None
                return redirect(url_for("signin.login", next=safe_next(target)))
            if action is not None:
                principal.require(action)  # PermissionDenied: the pages' 403
            return view(*args, principal=principal, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate

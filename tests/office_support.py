"""Helpers of the back-office tests: a staff member and what they know, forms submitted the way
a browser does (with their CSRF token), signing in."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyotp

PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@dataclass
class Member:
    """A staff member of the tests, with what they know."""

    id: int
    org: str
    email: str
    role: str
    name: str | None
    password: str
    setup_token: str
    totp_secret: str | None

    def code(self, at: datetime) -> str:
        assert self.totp_secret, "this member has no TOTP"
        return pyotp.TOTP(self.totp_secret).at(at)


def csrf_token(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def submit(client: Any, url: str, data: dict[str, str], page: str | None = None) -> Any:
    """GET ``page`` (default ``url``) for its form's CSRF token, then POST ``data`` to ``url``."""
    form = client.get(page or url)
    return client.post(url, data={**data, "csrf_token": csrf_token(form.get_data(as_text=True))})


def sign_in(client: Any, member: Member, at: datetime | None = None, **changes: str) -> Any:
    """Sign ``member`` in (with the TOTP code of ``at`` when their role needs one); the last
    response."""
    fields = {"organization": member.org, "email": member.email, "password": member.password}
    response = submit(client, "/staff/login", {**fields, **changes})
    if member.totp_secret and response.status_code == 302 and at is not None:
        response = submit(client, "/staff/login/code", {"code": member.code(at)})
    return response


def text(response: Any) -> str:
    """A page's HTML with its character references decoded (``l'organisme``, not ``&#39;``)."""
    return html.unescape(response.get_data(as_text=True))


def flashes(response: Any) -> list[str]:
    """The flashed messages of a page."""
    return re.findall(r'<p class="flash [a-z]+" role="status">(.*?)</p>', text(response), re.S)

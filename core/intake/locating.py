"""Following a credential URL (typed, pasted, or read from a QR code) to the credential it names:
this instance's own from the database (no HTTP to ourselves), any other through core.net."""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from core.db.models import Credential
from core.deps import Deps
from core.errors import FetchError, InputError
from core.urls import CREDENTIALS_PATH
from core.verifying import fetch_foreign

#: What a credential URL is asked for: the JSON credential, never its HTML page.
ACCEPT_CREDENTIAL = "application/vc+ld+json, application/ld+json, application/json"
_MAX_URL = 2048
_NOT_FETCHED = "the credential could not be fetched from this URL"
log = logging.getLogger(__name__)
# The credential's page, or one of its files (they all name the one stored credential).
_LOCAL = re.compile(r"/([0-9a-fA-F-]{36})(?:\.json|\.jwt|\.pdf|\.png|\.svg)?/?")


@dataclass(frozen=True)
class Located:
    """The credential a URL names: the stored row of ours, or the fetched (untrusted) text."""

    url: str
    stored: Credential | None = None
    unverified_text: str | None = None

    @property
    def unverified_credential(self) -> object:
        return self.stored.document if self.stored is not None else self.unverified_text


def local_credential_id(deps: Deps, untrusted_url: str) -> str | None:
    """The UUID of a ``<base_url>/c/<uuid>`` URL of this instance (or of one of the
    credential's files, ``.json``, ``.jwt``, ``.pdf``, ``.png``, ``.svg``), else None."""
    prefix = f"{deps.settings.base_url}{CREDENTIALS_PATH}"
    if not untrusted_url.startswith(prefix):
        return None
    match = _LOCAL.fullmatch(untrusted_url[len(prefix) :].split("?", 1)[0].split("#", 1)[0])
    if match is None:
        return None
    try:
        return str(uuid.UUID(match.group(1)))
    except ValueError:
        return None


def is_own_origin(deps: Deps, untrusted_url: str) -> bool:
    base = deps.settings.base_url
    return untrusted_url == base or untrusted_url.startswith(f"{base}/")


def locate(deps: Deps, untrusted_url: str) -> Located:
    """The credential ``untrusted_url`` names; InputError when it names none that can be read."""
    url = untrusted_url.strip()
    if len(url) > _MAX_URL or not re.fullmatch(r"https?://\S+", url, re.IGNORECASE):
        raise InputError("the URL is not an http(s) URL", code="invalid_url")
    try:
        urlsplit(url).port  # noqa: B018 -- raises on a bracketed host or port that is no such thing
    except ValueError:
        raise InputError("the URL is not valid", code="invalid_url") from None
    local_id = local_credential_id(deps, url)
    if local_id is not None:
        row = deps.session.get(Credential, local_id)
        if row is None:
            raise InputError(
                "no credential of this service has this URL", code="unknown_credential"
            )
        return Located(url, stored=row)
    if is_own_origin(deps, url):
        # Never fetched from ourselves over the network: a URL of ours that is no credential.
        raise InputError("this URL of this service names no credential", code="unknown_credential")
    return Located(url, unverified_text=_fetch_text(deps, url))


def _fetch_text(deps: Deps, url: str) -> str:
    try:
        body = fetch_foreign(deps.settings, url, accept=ACCEPT_CREDENTIAL)
    except FetchError as error:
        # Why is logged, not told: "resolves to a non-public address" or "cannot connect" would
        # map this server's network for whoever asks.
        log.info("credential URL not fetched: %s", error.message)
        raise InputError(_NOT_FETCHED, code="fetch_failed") from None
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("the URL did not answer a credential", code="not_a_credential") from None


def stored_document(deps: Deps, untrusted_id: Any) -> Credential | None:
    """The stored credential whose ``id`` is ``untrusted_id``, when it is one of ours."""
    if not isinstance(untrusted_id, str):
        return None
    local_id = local_credential_id(deps, untrusted_id)
    return deps.session.get(Credential, local_id) if local_id else None

"""The trusted issuers registry: a JSON file in the Digital Credentials Consortium format.

The DCC's issuer registries (``https://digitalcredentials.github.io/issuer-registry/registry.json``
and its siblings, read by DCC's verifier-core and Learner Credential Wallet) are a dictionary of
DIDs::

    {"meta": {"created": "…", "updated": "…"},
     "registry": {"did:web:…": {"name": "…", "url": "https://…", "location": "…"}}}

Some copies (the wallet's bundled ones) call the dictionary ``entries``; a registry's own name is
not part of the format (verifier-core names registries in its list of known registries), so a
``name`` at the top level or in ``meta`` is read when present, and the file's name otherwise.

Liberal in what the format's variants allow, strict in what it means: a DID is matched exactly
(no case folding, no trimming), every entry must name its issuer, and a file that does not read
as a registry is a ConfigurationError at start-up, never a surprise at the first verification.
A registry entry never makes a credential genuine: the pipeline's proof step decides that, and
the registry only names the issuer of a credential whose proof holds.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from core.credentials.untrusted import DuplicateKey, unique_keys
from core.errors import ConfigurationError

#: A DID as DID Core writes it: method in lowercase letters and digits, then the method id.
_DID = re.compile(r"did:[a-z0-9]+:[A-Za-z0-9._:%\-]+")
#: Registries are small, hand-curated files: a bigger one is a mistake (or a wrong path).
MAX_REGISTRY_BYTES = 5 * 1024 * 1024
_MAX_TEXT = 500


@dataclass(frozen=True)
class TrustedIssuer:
    """One registered issuer: its DID, name, and what the registry says about it."""

    did: str
    name: str
    url: str | None = None
    location: str | None = None


@dataclass(frozen=True)
class TrustedIssuers:
    """The registry, read once at start-up; ``lookup`` matches a DID exactly."""

    name: str
    entries: Mapping[str, TrustedIssuer] = field(default_factory=lambda: MappingProxyType({}))

    def lookup(self, issuer_id: str) -> TrustedIssuer | None:
        """The registered issuer whose DID is exactly ``issuer_id`` (no normalization)."""
        return self.entries.get(issuer_id)

    def __len__(self) -> int:
        return len(self.entries)


def _problem(path: Path, message: str) -> ConfigurationError:
    return ConfigurationError(f"SCEAU_TRUSTED_ISSUERS ({path}): {message}")


def _text(path: Path, did: str, entry: dict[str, Any], key: str, required: bool) -> str | None:
    value = entry.get(key)
    # Published registries leave optional fields empty ("url": ""): the same as absent.
    if not required and (value is None or value == ""):
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > _MAX_TEXT:
        raise _problem(
            path, f"the entry of {did} needs a {key} string of 1 to {_MAX_TEXT} characters"
        )
    if any(ord(c) < 32 for c in value):
        raise _problem(path, f"the {key} of {did} holds control characters")
    return value.strip()


def _entry(path: Path, did: object, entry: object) -> TrustedIssuer:
    if not isinstance(did, str) or not _DID.fullmatch(did):
        raise _problem(path, f"{str(did)[:100]!r} is not a DID (did:<method>:<id>)")
    if not isinstance(entry, dict):
        raise _problem(path, f"the entry of {did} must be an object")
    name = _text(path, did, entry, "name", required=True)
    url = _text(path, did, entry, "url", required=False)
    if url is not None and (
        urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc
    ):
        raise _problem(path, f"the url of {did} must be an http(s) URL")
    location = _text(path, did, entry, "location", required=False)
    assert name is not None
    return TrustedIssuer(did, name, url, location)


def parse_trusted_issuers(document: object, path: Path) -> TrustedIssuers:
    """A registry from its parsed JSON; ConfigurationError naming the first problem."""
    if not isinstance(document, dict):
        raise _problem(path, "the file must hold a JSON object")
    keys = [k for k in ("registry", "entries") if k in document]
    if len(keys) != 1 or not isinstance(document[keys[0]], dict):
        raise _problem(
            path, 'expected one "registry" object keyed by DID: {"registry": {"did:…": {…}}}'
        )
    meta = document.get("meta")
    named = document.get("name") or (meta.get("name") if isinstance(meta, dict) else None)
    name = named.strip() if isinstance(named, str) and named.strip() else path.stem
    entries = {did: _entry(path, did, entry) for did, entry in document[keys[0]].items()}
    return TrustedIssuers(name[:_MAX_TEXT], MappingProxyType(entries))


def load_trusted_issuers(path: Path) -> TrustedIssuers:
    """Read the registry file at ``path``; ConfigurationError when it is missing or malformed."""
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_REGISTRY_BYTES + 1)
    except OSError as error:
        raise _problem(path, f"cannot read the file ({error.strerror})") from None
    if len(raw) > MAX_REGISTRY_BYTES:
        raise _problem(path, f"the file is larger than {MAX_REGISTRY_BYTES} bytes")
    try:
        document = json.loads(raw.decode("utf-8-sig"), object_pairs_hook=unique_keys)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise _problem(path, f"not valid JSON ({error})") from None
    except DuplicateKey as duplicate:
        raise _problem(path, f"{duplicate.key[:100]!r} appears twice") from None
    return parse_trusted_issuers(document, path)


__all__ = ["TrustedIssuer", "TrustedIssuers", "load_trusted_issuers", "parse_trusted_issuers"]

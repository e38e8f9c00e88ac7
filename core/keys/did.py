"""DIDs: did:web identifiers and URLs, our DID documents, did:key, did:jwk, method lookup."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from datetime import datetime
from json import JSONDecodeError
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from core.credentials.untrusted import parse_untrusted_json
from core.encoding import b58decode, b64url_decode
from core.errors import InputError, KeyResolutionError
from core.keys.multikey import (
    ed25519_public_from_multikey,
    ed25519_public_multikey,
    p256_public_from_multikey,
    public_jwk,
    public_key_from_jwk,
)

DID_CONTEXT = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]

_LABEL_RE = re.compile(r"\A(?!-)[A-Za-z0-9-]{1,63}(?<!-)\Z")
_SEGMENT_RE = re.compile(r"\A(?:[A-Za-z0-9._~-]|%[0-9A-Fa-f]{2})+\Z")
_FRAGMENT_RE = re.compile(r"\A[A-Za-z0-9._~!$&'()*+,;=:@/?-]+\Z")


@dataclass(frozen=True)
class ResolvedKey:
    """A public key found for a verification method id.

    ``did`` is the DID whose own document listed the method as an assertion method (the part of
    ``id`` before '#'); ``controller`` is what the method *claims* as its controller, which
    proves nothing until that controller's own document lists the method (core.keys.binding).
    ``retired_at`` is set for a retired key of this instance: it proves only what was signed
    before that instant.
    """

    id: str
    controller: str
    public_key: Ed25519PublicKey | EllipticCurvePublicKey | RSAPublicKey
    type: str
    did: str = ""
    retired_at: datetime | None = None


# --- did:web -------------------------------------------------------------------------------


def _check_host(host: str) -> None:
    if len(host) > 253 or not host:
        raise InputError("did:web host is empty or too long", code="invalid_did")
    try:
        ipaddress.IPv4Address(host)
        return
    except ValueError:
        pass
    labels = (host[:-1] if host.endswith(".") else host).split(".")
    if not all(_LABEL_RE.match(label) for label in labels):
        raise InputError("did:web host is not a valid domain name", code="invalid_did")


def _check_segment(segment: str) -> None:
    if not _SEGMENT_RE.match(segment):
        raise InputError("did:web path segment is empty or has bad characters", code="invalid_did")
    decoded = unquote(segment)
    if decoded in {".", ".."} or any(c in decoded for c in "/\\?#") or not decoded.isprintable():
        raise InputError("did:web path segment is not allowed", code="invalid_did")


def did_web(base_url: str, path_segments: list[str]) -> str:
    """The did:web for ``base_url`` + path, e.g. did:web:localhost%3A8000:issuers:acme."""
    parts = urlsplit(base_url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise InputError("base URL must be an http(s) URL with a host", code="invalid_did")
    host = parts.hostname
    _check_host(host)
    try:
        port = parts.port
    except ValueError:
        raise InputError("base URL has an invalid port", code="invalid_did") from None
    authority = host if port is None else f"{host}%3A{port}"
    segments = [s for s in parts.path.split("/") if s] + list(path_segments)
    encoded = [quote(s, safe="") for s in segments]
    for segment in encoded:
        _check_segment(segment)
    return ":".join(["did", "web", authority, *encoded])


def did_web_document_url(did: str, *, scheme: str = "https") -> str:
    """Where a did:web document lives (did:web spec §3.2 Read); InputError if the DID is bad."""
    if scheme not in {"https", "http"}:
        raise InputError("did:web documents are fetched over http(s)", code="invalid_did")
    if not isinstance(did, str) or not did.startswith("did:web:"):
        raise InputError("not a did:web identifier", code="invalid_did")
    did = did.split("#", 1)[0]
    if any(c in did for c in "/?") or not did.isprintable() or " " in did:
        raise InputError("a did:web identifier has no path, query or spaces", code="invalid_did")
    authority, *segments = did[len("did:web:") :].split(":")
    host, sep, port = unquote(authority).partition(":")
    _check_host(host)
    if sep and not (port.isdigit() and port.isascii() and 0 < int(port) < 65536):
        raise InputError("did:web port is invalid", code="invalid_did")
    for segment in segments:
        _check_segment(segment)
    netloc = host + (f":{port}" if sep else "")
    path = "/".join(segments) if segments else ".well-known"
    return f"{scheme}://{netloc}/{path}/did.json"


# --- our DID documents ---------------------------------------------------------------------


def build_did_document(
    did: str,
    ed25519_keys: list[tuple[str, Ed25519PublicKey]],
    p256_keys: list[tuple[str, EllipticCurvePublicKey]],
) -> dict[str, Any]:
    """The DID document: Ed25519 keys as Multikey, P-256 keys as JsonWebKey, all assertion keys."""
    methods: list[dict[str, Any]] = []
    for fragment, ed_key in ed25519_keys:
        methods.append(
            {
                "id": _method_id(did, fragment),
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": ed25519_public_multikey(ed_key),
            }
        )
    for fragment, p_key in p256_keys:
        methods.append(
            {
                "id": _method_id(did, fragment),
                "type": "JsonWebKey",
                "controller": did,
                "publicKeyJwk": public_jwk(p_key),
            }
        )
    ids = [m["id"] for m in methods]
    if len(set(ids)) != len(ids):
        raise InputError("two keys share a fragment id", code="invalid_did")
    return {
        "@context": list(DID_CONTEXT),
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": ids,
    }


def _method_id(did: str, fragment: str) -> str:
    if not _FRAGMENT_RE.match(fragment):
        raise InputError("key fragment id is empty or has bad characters", code="invalid_did")
    return f"{did}#{fragment}"


# --- did:key -------------------------------------------------------------------------------


def resolve_did_key(did_url: str) -> ResolvedKey:
    """Decode a did:key (Ed25519 'z6Mk…' or P-256 'zDn…') locally, without any network."""
    if not isinstance(did_url, str) or not did_url.startswith("did:key:"):
        raise KeyResolutionError("not a did:key identifier")
    did, _, fragment = did_url.partition("#")
    value = did[len("did:key:") :]
    if fragment and fragment != value:
        raise KeyResolutionError("the did:key fragment does not name its own key")
    public_key: Ed25519PublicKey | EllipticCurvePublicKey
    if value.startswith("z6Mk"):
        public_key = ed25519_public_from_multikey(value)
    elif value.startswith("zDn"):
        public_key = p256_public_from_multikey(value)
    else:
        raise KeyResolutionError("unsupported did:key type (need Ed25519 or P-256)")
    return ResolvedKey(
        id=f"{did}#{value}", controller=did, public_key=public_key, type="Multikey", did=did
    )


# --- did:jwk -------------------------------------------------------------------------------

#: Longest did:jwk method-specific id read (an 8192-bit RSA JWK is about 1,500 characters).
MAX_DID_JWK_LENGTH = 4096


def resolve_did_jwk(did_url: str) -> ResolvedKey:
    """Decode a did:jwk locally: the DID is base64url(JSON of a public JWK); its document has one
    method, ``#0``, an assertion method unless the JWK says ``"use": "enc"``. A JWK carrying
    private key material (``d`` …) is refused: that key is no longer private."""
    if not isinstance(did_url, str) or not did_url.startswith("did:jwk:"):
        raise KeyResolutionError("not a did:jwk identifier")
    did, _, fragment = did_url.partition("#")
    if fragment not in ("", "0"):
        raise KeyResolutionError("a did:jwk document has one method, #0")
    value = did[len("did:jwk:") :]
    if not value or len(value) > MAX_DID_JWK_LENGTH:
        raise KeyResolutionError("the did:jwk is empty or too long")
    try:
        jwk = parse_untrusted_json(b64url_decode(value), max_bytes=MAX_DID_JWK_LENGTH, max_depth=4)
    except (InputError, JSONDecodeError, ValueError):
        raise KeyResolutionError("the did:jwk is not base64url of a JSON object") from None
    if not isinstance(jwk, dict):
        raise KeyResolutionError("the did:jwk is not base64url of a JSON object")
    if jwk.get("use") == "enc":
        raise KeyResolutionError("the did:jwk key is for encryption, not assertions")
    public_key = public_key_from_jwk(jwk)  # refuses private members ("d", "p", …)
    return ResolvedKey(
        id=f"{did}#0", controller=did, public_key=public_key, type="JsonWebKey2020", did=did
    )


# --- lookup in a DID document --------------------------------------------------------------


def _absolute(doc_id: str, ref: str) -> str:
    return doc_id + ref if ref.startswith("#") else ref


def _assertion_entries(did_document: dict[str, Any]) -> list[Any]:
    assertion = did_document.get("assertionMethod")
    if not isinstance(assertion, list):
        assertion = [assertion] if assertion is not None else []
    return assertion


def lists_assertion_method(did_document: dict[str, Any], method_id: str) -> bool:
    """True when the document lists ``method_id`` (by reference or embedded) in assertionMethod."""
    doc_id = did_document.get("id") if isinstance(did_document, dict) else None
    if not isinstance(doc_id, str) or not doc_id:
        return False
    for entry in _assertion_entries(did_document):
        ref = entry.get("id") if isinstance(entry, dict) else entry
        if isinstance(ref, str) and _absolute(doc_id, ref) == method_id:
            return True
    return False


def find_verification_method(did_document: dict[str, Any], vm_id: str) -> ResolvedKey:
    """Find ``vm_id`` (absolute or '#frag') among the document's assertion methods and decode it.

    The method must belong to the document's own DID: a document cannot vouch for an id under
    another DID.
    """
    if not isinstance(did_document, dict) or not isinstance(vm_id, str) or not vm_id:
        raise KeyResolutionError("no DID document or key id to look up")
    doc_id = did_document.get("id")
    if not isinstance(doc_id, str) or not doc_id:
        raise KeyResolutionError("the DID document has no id")
    wanted = _absolute(doc_id, vm_id)
    if wanted.split("#", 1)[0] != doc_id:
        raise KeyResolutionError("the verification method is not under the document's DID")

    listed = False
    method: dict[str, Any] | None = None
    for entry in _assertion_entries(did_document):
        if isinstance(entry, str) and _absolute(doc_id, entry) == wanted:
            listed = True
        elif isinstance(entry, dict) and _absolute(doc_id, str(entry.get("id", ""))) == wanted:
            listed, method = True, entry
    if method is None:
        methods = did_document.get("verificationMethod")
        for candidate in methods if isinstance(methods, list) else []:
            if (
                isinstance(candidate, dict)
                and isinstance(candidate.get("id"), str)
                and _absolute(doc_id, candidate["id"]) == wanted
            ):
                method = candidate
                break
    if method is None:
        raise KeyResolutionError("the verification method is not in the DID document")
    if not listed:
        raise KeyResolutionError("the verification method is not an assertion method")

    controller = method.get("controller")
    if not isinstance(controller, str) or not controller:
        raise KeyResolutionError("the verification method has no controller")
    method_type = method.get("type")
    if not isinstance(method_type, str):
        raise KeyResolutionError("the verification method has no type")
    return ResolvedKey(
        id=wanted,
        controller=controller,
        public_key=_decode_method(method),
        type=method_type,
        did=doc_id,
    )


def _decode_method(
    method: dict[str, Any],
) -> Ed25519PublicKey | EllipticCurvePublicKey | RSAPublicKey:
    method_type = method.get("type")
    if method_type == "Multikey":
        value = method.get("publicKeyMultibase")
        if isinstance(value, str) and value.startswith("z6Mk"):
            return ed25519_public_from_multikey(value)
        if isinstance(value, str) and value.startswith("zDn"):
            return p256_public_from_multikey(value)
        raise KeyResolutionError("unsupported Multikey (need Ed25519 or P-256)")
    if method_type in {"JsonWebKey", "JsonWebKey2020"}:
        jwk = method.get("publicKeyJwk")
        if not isinstance(jwk, dict):
            raise KeyResolutionError("the verification method has no publicKeyJwk")
        return public_key_from_jwk(jwk)
    if method_type == "Ed25519VerificationKey2020":
        value = method.get("publicKeyMultibase")
        if not isinstance(value, str):
            raise KeyResolutionError("the verification method has no publicKeyMultibase")
        return ed25519_public_from_multikey(value)
    if method_type == "Ed25519VerificationKey2018":
        value = method.get("publicKeyBase58")
        try:
            raw = b58decode(value) if isinstance(value, str) else b""
        except InputError:
            raw = b""
        if len(raw) != 32:
            raise KeyResolutionError("the verification method has no valid publicKeyBase58")
        return Ed25519PublicKey.from_public_bytes(raw)
    raise KeyResolutionError("unsupported verification method type")

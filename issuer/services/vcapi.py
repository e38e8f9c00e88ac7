"""The W3C VC API issue endpoint: sign a caller's credential as this organization."""

from __future__ import annotations

import posixpath
import re
from typing import Any
from urllib.parse import unquote, urlsplit

from sqlalchemy import select

from core.audit.log import append as audit
from core.clock import isoformat_z
from core.credentials.jsonld import canonical_nquads
from core.credentials.schema import schema_problems
from core.credentials.untrusted import find_control_characters
from core.db.models import Credential, Organization
from core.deps import Deps
from core.errors import CredentialError, InputError
from core.keys.directory import org_did
from core.keys.store import open_signing_keys
from core.urls import CREDENTIALS_PATH
from issuer.services.issuance import signer

VC_V2 = "https://www.w3.org/ns/credentials/v2"


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


def _on_managed_route(credential_id: str, base_url: str) -> bool:
    """Whether the id, compared as RFC 3986 does (case of scheme and host, percent-escapes,
    dot segments, empty segments, default ports), is a URL of this origin's /c/ route."""
    try:
        parts, base = urlsplit(credential_id), urlsplit(base_url)
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
        base_port = base.port or {"http": 80, "https": 443}.get(base.scheme)
    except ValueError:
        return False
    host = (parts.hostname or "").rstrip(".")
    ours = (host == base.hostname and port == base_port) or host in _LOOPBACK
    path = posixpath.normpath("/" + "/".join(p for p in unquote(parts.path).split("/") if p))
    return ours and (path == CREDENTIALS_PATH or path.startswith(f"{CREDENTIALS_PATH}/"))


def _names_managed_certificate(deps: Deps, credential_id: str) -> bool:
    """The QR codes' URLs name the stored, revocable certificates: a copy signed here without
    status would "un-revoke" one. Any id that holds one of their UUIDs, or that is a URL of the
    /c/ route of this origin in any of its spellings, is refused."""
    if _on_managed_route(credential_id, deps.settings.base_url):
        return True
    uuids = {u.lower() for u in _UUID.findall(unquote(credential_id))}
    return bool(uuids) and (
        deps.session.scalar(select(Credential.id).where(Credential.id.in_(uuids)).limit(1))
        is not None
    )


def _problems(deps: Deps, credential: Any, did: str) -> list[dict[str, str]]:
    if not isinstance(credential, dict):
        return [{"path": "credential", "message": "required object"}]
    problems = []
    credential_id = credential.get("id")
    if isinstance(credential_id, str) and _names_managed_certificate(deps, credential_id):
        problems.append(
            {
                "path": "credential.id",
                "message": "the id names a managed certificate of this service: issue "
                "certificates with POST /api/v1/credentials",
            }
        )
    contexts = credential.get("@context")
    if not isinstance(contexts, list) or not contexts or contexts[0] != VC_V2:
        problems.append(
            {"path": "credential.@context", "message": f"must be an array starting with {VC_V2}"}
        )
    types = credential.get("type")
    if not isinstance(types, list) or "VerifiableCredential" not in types:
        problems.append(
            {
                "path": "credential.type",
                "message": "must be an array containing VerifiableCredential",
            }
        )
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if issuer_id != did:
        problems.append({"path": "credential.issuer", "message": f"must be (or have the id) {did}"})
    subject = credential.get("credentialSubject")
    if not isinstance(subject, (dict, list)) or not subject:
        problems.append({"path": "credential.credentialSubject", "message": "required object"})
    if "proof" in credential:
        problems.append({"path": "credential.proof", "message": "must not be present"})
    if (
        isinstance(types, list)
        and ("OpenBadgeCredential" in types or "AchievementCredential" in types)
        and not problems
    ):
        problems.extend(
            {"path": f"credential.{p['path']}", "message": p["message"]}
            for p in schema_problems(credential)
        )
    for path in find_control_characters(credential):
        problems.append({"path": f"credential.{path}", "message": "control character"})
    return problems


# The credential node's IRI in canonical N-Quads: the subject typed VerifiableCredential.
_CREDENTIAL_IRI = re.compile(
    r"^<([^<>]*)> <http://www\.w3\.org/1999/02/22-rdf-syntax-ns#type> "
    r"<https://www\.w3\.org/2018/credentials#VerifiableCredential> \.$",
    re.MULTILINE,
)


def _signs_a_managed_certificate(deps: Deps, credential: dict[str, Any]) -> bool:
    """Whether the credential the proof would sign has the id of a managed certificate in its
    RDF, however the JSON spells it (a prefix term of an embedded context made
    "cert:a5f1-881c8e7eeb37" one)."""
    document = {k: v for k, v in credential.items() if k != "proof"}
    try:
        nquads = canonical_nquads(document, max_work=deps.settings.canonicalization_max_work)
    except (CredentialError, InputError):
        return False  # the signer refuses it, and says why
    ids = set(_CREDENTIAL_IRI.findall(nquads))
    return any(_names_managed_certificate(deps, iri) for iri in ids)


def sign_vc_api_request(deps: Deps, org: Organization, body: dict[str, Any]) -> dict[str, Any]:
    """Validate `{"credential": {...}, "options": {...}}` and return the signed credential."""
    did = org_did(deps.settings, org.slug)
    credential = body.get("credential")
    options = body.get("options", {})
    problems = _problems(deps, credential, did)
    if not problems and _signs_a_managed_certificate(deps, credential):  # type: ignore[arg-type]
        problems.append(
            {
                "path": "credential.id",
                "message": "the id names a managed certificate of this service: issue "
                "certificates with POST /api/v1/credentials",
            }
        )
    if not isinstance(options, dict):
        problems.append({"path": "options", "message": "must be an object"})
    if problems:
        raise InputError(
            "the credential cannot be issued", code="invalid_credential", problems=problems
        )
    now = deps.clock.now()
    keys = open_signing_keys(deps.session, org, did, deps.cipher)
    sign = signer(keys, isoformat_z(now), deps.settings.canonicalization_max_work)
    try:
        signed = sign(credential)  # type: ignore[arg-type]
    except (CredentialError, InputError) as error:  # 400 for every unusable credential
        problems = [{**p, "path": f"credential.{p.get('path', '')}"} for p in error.problems]
        raise InputError(error.message, code=error.code, problems=problems) from None
    audit(
        deps.session,
        actor=f"api:{org.slug}",
        action="credential.sign",
        subject=str(credential.get("id", "")),
        organization=org.slug,
        now=now,
        data={"proofKid": keys.ed25519_kid},
    )  # type: ignore[union-attr]
    return signed

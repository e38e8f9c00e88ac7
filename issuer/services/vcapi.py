"""The W3C VC API issue endpoint: sign a caller's credential as this organization."""

from __future__ import annotations

from typing import Any

from core.audit.log import append as audit
from core.clock import isoformat_z
from core.credentials.schema import schema_problems
from core.credentials.untrusted import find_control_characters
from core.db.models import Organization
from core.deps import Deps
from core.errors import CredentialError, InputError
from core.keys.directory import org_did
from core.keys.store import open_signing_keys
from issuer.services.issuance import credential_url, signer

VC_V2 = "https://www.w3.org/ns/credentials/v2"


def _problems(credential: Any, did: str, managed_prefix: str) -> list[dict[str, str]]:
    if not isinstance(credential, dict):
        return [{"path": "credential", "message": "required object"}]
    problems = []
    credential_id = credential.get("id")
    if isinstance(credential_id, str) and credential_id.startswith(managed_prefix):
        # The QR codes' URLs name the stored, revocable certificates: a copy signed here
        # without status would "un-revoke" one of them.
        problems.append(
            {
                "path": "credential.id",
                "message": f"ids under {managed_prefix} are managed certificates: "
                "issue them with POST /api/v1/credentials",
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


def sign_vc_api_request(deps: Deps, org: Organization, body: dict[str, Any]) -> dict[str, Any]:
    """Validate `{"credential": {...}, "options": {...}}` and return the signed credential."""
    did = org_did(deps.settings, org.slug)
    credential = body.get("credential")
    options = body.get("options", {})
    problems = _problems(credential, did, credential_url(deps.settings.base_url, ""))
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

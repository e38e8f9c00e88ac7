"""Policy checks of an embedded Data Integrity proof: suite, purpose, key, controller, signature."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from core.clock import parse_instant
from core.credentials.proofs import is_supported_proof_type, verify_proof
from core.errors import (
    CanonicalizationLimitError,
    ContextError,
    InvalidSignature,
    KeyCompromised,
    KeyControllerMismatch,
    KeyResolutionError,
    KeyRetired,
    ProofError,
    SceauError,
    UndefinedTermError,
    UnsignedDataError,
)
from core.keys.did import ResolvedKey
from core.keys.resolver import KeyResolver, key_for_issuer

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
PROOF_PURPOSE = "assertionMethod"
#: More proofs than this is not a credential we issue or accept.
MAX_PROOFS = 4
#: An Ed25519 signature is 64 bytes: at most 88 base58 characters after the 'z'.
MAX_PROOF_VALUE_LENGTH = 100

#: code -> the sentence shown to people when the proof step ends with it.
PROOF_MESSAGES: dict[str, str] = {
    "no_proof": "The credential carries no proof, so nothing shows who issued it.",
    "unsupported_proof": "The credential's proof is of a kind this verifier does not accept "
    "(a DataIntegrityProof with eddsa-rdfc-2022, or an Ed25519Signature2020, for "
    "assertionMethod).",
    "invalid_signature": "The signature does not match: the credential was altered after it "
    "was signed, or was not signed with this key.",
    "unknown_key": "The key that signed the credential could not be found.",
    "key_controller_mismatch": "The key that signed the credential does not belong to its issuer.",
    "key_compromised": "The key that signed the credential was declared compromised by its "
    "issuer: the signature proves nothing.",
    "key_retired": "The credential claims to have been signed after its issuer retired the key "
    "that signed it.",
    "unsigned_data": "The credential holds data that its signature does not cover.",
    "algorithm_not_allowed": "The token uses a signature algorithm that is not accepted.",
    "weak_key": "The key that signed the credential is too weak to prove anything "
    "(RSA keys need at least 2048 bits).",
    "canonicalization_limit": "The credential is too complex to check safely.",
    "undefined_term": "The credential uses terms that its contexts do not define.",
    "unknown_context": "The credential uses a JSON-LD context this verifier does not know.",
    "jwt_claims_mismatch": "The token's claims do not agree with the credential it carries.",
}


def issuer_id_of(document: dict[str, Any]) -> str | None:
    """The issuer id of a credential: a string ``issuer`` or the ``id`` of an issuer object."""
    issuer = document.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) and issuer else None


def check_embedded_proof(
    unverified_credential: dict[str, Any],
    *,
    resolver: KeyResolver,
    issuer_id: str,
    max_work: int,
) -> list[str]:
    """Check every embedded proof; return the verification method ids, raise if any fails.

    Raises ProofError (code ``no_proof`` or ``unsupported_proof``), KeyResolutionError,
    KeyControllerMismatch, InvalidSignature, UndefinedTermError, ContextError or
    CanonicalizationLimitError.
    """
    raw = unverified_credential.get("proof")
    if raw is None or raw == [] or raw == {}:
        raise ProofError("no proof", code="no_proof")
    proofs = raw if isinstance(raw, list) else [raw]
    if len(proofs) > MAX_PROOFS:
        raise ProofError("too many proofs", code="unsupported_proof")
    methods: list[str] = []
    for proof in proofs:
        if (
            not isinstance(proof, dict)
            or not is_supported_proof_type(proof)
            or proof.get("proofPurpose") != PROOF_PURPOSE
            or not isinstance(proof.get("verificationMethod"), str)
        ):
            raise ProofError("unsupported proof", code="unsupported_proof")
        value = proof.get("proofValue")
        if not isinstance(value, str) or len(value) > MAX_PROOF_VALUE_LENGTH:
            raise InvalidSignature("proofValue is not a signature")
        key = key_for_issuer(resolver, proof["verificationMethod"], issuer_id)
        check_not_retired(key, proof.get("created"))
        if not isinstance(key.public_key, Ed25519PublicKey):
            raise ProofError("not an Ed25519 key", code="unsupported_proof")
        verify_proof(unverified_credential, proof, key.public_key, max_work=max_work)
        methods.append(key.id)
    return methods


def check_not_retired(key: ResolvedKey, signed_at: object) -> None:
    """KeyRetired unless ``key`` is not retired or ``signed_at`` (a proof's ``created``, a JWT's
    ``iat``) is no later than its retirement; credentials carry whole seconds, so a signature
    made in the very second of the rotation is still accepted."""
    if key.retired_at is None:
        return
    try:
        instant = parse_instant(signed_at, naive_is_utc=False)
    except (ValueError, OverflowError, OSError):
        instant = None  # undated: nothing shows it was signed before the retirement
    if instant is None or instant > key.retired_at:
        raise KeyRetired("the key was retired before this signature's date")


# First match wins: subclasses before their bases (KeyCompromised is a KeyResolutionError).
_FAILURE_CODES: tuple[tuple[type[SceauError], str], ...] = (
    (KeyControllerMismatch, "key_controller_mismatch"),
    (KeyCompromised, "key_compromised"),
    (KeyRetired, "key_retired"),
    (UnsignedDataError, "unsigned_data"),
    (KeyResolutionError, "unknown_key"),
    (UndefinedTermError, "undefined_term"),
    (ContextError, "unknown_context"),
    (CanonicalizationLimitError, "canonicalization_limit"),
)


def proof_failure(exc: SceauError) -> tuple[str, str, dict[str, Any]]:
    """Map an error of the proof checks to (stable code, human message, details)."""
    code = next((c for kind, c in _FAILURE_CODES if isinstance(exc, kind)), None)
    if code is None:
        code = exc.code if exc.code in PROOF_MESSAGES else "invalid_signature"
    details: dict[str, Any] = {}
    if code == "jwt_claims_mismatch" and exc.problems:
        details["problems"] = exc.problems
    if isinstance(exc, UndefinedTermError):
        details["terms"] = [t[:200] for t in exc.terms[:20]]
    return code, PROOF_MESSAGES[code], details


__all__ = [
    "CRYPTOSUITE",
    "PROOF_MESSAGES",
    "check_embedded_proof",
    "check_not_retired",
    "issuer_id_of",
    "proof_failure",
]

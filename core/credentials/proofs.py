"""Ed25519 proofs over RDFC-1.0: eddsa-rdfc-2022 (DESIGN §4) and the older Ed25519Signature2020."""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Any

from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from core.credentials.jsonld import canonical_nquads
from core.credentials.rdfc import DEFAULT_MAX_WORK
from core.encoding import multibase_decode, multibase_encode
from core.errors import InputError, InvalidSignature, ProofError

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
ASSERTION_METHOD = "assertionMethod"
#: The Linked Data Proof that VC 1.1 credentials in circulation carry (W3C CCG, 2020): the same
#: hashData (SHA-256 of the canonical proof options ‖ SHA-256 of the canonical document, both
#: URDNA2015) and the same Ed25519 signature, named by type alone (no cryptosuite).
ED25519_SIGNATURE_2020 = "Ed25519Signature2020"
#: Members the 2020 suite (jsonld-signatures) strips from the proof options besides proofValue:
#: a proof carrying them would have parts the signature does not cover.
_LEGACY_SIGNATURE_MEMBERS = ("jws", "signatureValue")


def is_supported_proof_type(proof: dict[str, Any]) -> bool:
    """A DataIntegrityProof with eddsa-rdfc-2022, or an Ed25519Signature2020 (no cryptosuite)."""
    if proof.get("type") == PROOF_TYPE:
        return proof.get("cryptosuite") == CRYPTOSUITE
    if proof.get("type") == ED25519_SIGNATURE_2020:
        return "cryptosuite" not in proof and not any(m in proof for m in _LEGACY_SIGNATURE_MEMBERS)
    return False


def proof_hash_data(
    document_without_proof: dict[str, Any],
    proof_config: dict[str, Any],
    *,
    max_work: int = DEFAULT_MAX_WORK,
) -> bytes:
    """hashData = SHA-256(canonical proof config) ‖ SHA-256(canonical document): 64 bytes."""
    config_canon = _config_canon(json.dumps(proof_config, sort_keys=True), max_work)
    document_canon = canonical_nquads(document_without_proof, max_work=max_work)
    return (
        hashlib.sha256(config_canon.encode("utf-8")).digest()
        + hashlib.sha256(document_canon.encode("utf-8")).digest()
    )


@functools.lru_cache(maxsize=128)
def _config_canon(config_json: str, max_work: int) -> str:
    # A bulk issue signs many documents with one key within the same second: the proof
    # configuration (contexts, key, time) repeats, and so does its canonical form.
    return canonical_nquads(json.loads(config_json), max_work=max_work)


def sign_credential(
    unsigned: dict[str, Any],
    *,
    private_key: Ed25519PrivateKey,
    verification_method: str,
    created: str,
    max_work: int = DEFAULT_MAX_WORK,
    proof_type: str = PROOF_TYPE,
) -> dict[str, Any]:
    """A new dict: ``unsigned`` plus ``proof: [DataIntegrityProof eddsa-rdfc-2022]``.

    ``proof_type=ED25519_SIGNATURE_2020`` makes the older proof instead (tests of the verifier;
    the document's contexts must then define it).

    Raises ProofError when the document already has a proof, UndefinedTermError /
    ContextError / CanonicalizationLimitError when it cannot be canonicalized strictly.
    """
    if not isinstance(unsigned, dict):
        raise ProofError("only a JSON object can be signed")
    if "proof" in unsigned:
        raise ProofError("the document already has a proof")
    if "@context" not in unsigned:
        raise ProofError("the document has no @context")
    if not isinstance(verification_method, str) or not verification_method:
        raise ProofError("the verification method must be a non-empty string")
    if not isinstance(created, str) or not created:
        raise ProofError("the proof creation time must be a non-empty string")
    if proof_type not in (PROOF_TYPE, ED25519_SIGNATURE_2020):
        raise ProofError("unsupported proof type")
    config: dict[str, Any] = {
        "@context": unsigned["@context"],
        "type": proof_type,
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": ASSERTION_METHOD,
    }
    if proof_type == ED25519_SIGNATURE_2020:
        del config["cryptosuite"]
    signature = private_key.sign(proof_hash_data(unsigned, config, max_work=max_work))
    proof = {key: value for key, value in config.items() if key != "@context"}
    proof["proofValue"] = multibase_encode(signature)
    return {**unsigned, "proof": [proof]}


def _checked_proof(proof: Any, proof_purpose: str) -> bytes:
    if not isinstance(proof, dict):
        raise ProofError("the proof must be a JSON object")
    if not is_supported_proof_type(proof):
        raise ProofError(
            f"unsupported proof (expected {PROOF_TYPE} {CRYPTOSUITE} or {ED25519_SIGNATURE_2020})"
        )
    for name in ("verificationMethod", "proofPurpose", "proofValue"):
        if not isinstance(proof.get(name), str) or not proof[name]:
            raise ProofError(f"the proof has no {name}")
    if "created" in proof and not isinstance(proof["created"], str):
        raise ProofError("the proof's created value must be a string")
    if proof["proofPurpose"] != proof_purpose:
        raise ProofError(f"unexpected proof purpose (expected {proof_purpose})")
    try:
        signature = multibase_decode(proof["proofValue"])
    except InputError:
        raise ProofError("the proofValue is not multibase base58btc") from None
    if len(signature) != 64:
        raise ProofError("the proofValue is not a 64-byte Ed25519 signature")
    return signature


def verify_proof(
    unverified_credential: dict[str, Any],
    proof: dict[str, Any],
    public_key: Ed25519PublicKey,
    *,
    max_work: int = DEFAULT_MAX_WORK,
    proof_purpose: str = ASSERTION_METHOD,
) -> None:
    """Verify one eddsa-rdfc-2022 or Ed25519Signature2020 ``proof`` of a credential (its whole
    "proof" member is removed).

    Returns None when valid; raises InvalidSignature, ProofError (malformed / unsupported proof),
    UndefinedTermError, ContextError or CanonicalizationLimitError.
    """
    if not isinstance(unverified_credential, dict):
        raise ProofError("only a JSON object can be verified")
    signature = _checked_proof(proof, proof_purpose)
    document = {k: v for k, v in unverified_credential.items() if k != "proof"}
    if "@context" not in document:
        raise ProofError("the document has no @context")
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    if "@context" in config:
        # the proof's own context must be a prefix of the document's context
        proof_ctx = (
            config["@context"] if isinstance(config["@context"], list) else [config["@context"]]
        )
        doc_ctx = (
            document["@context"]
            if isinstance(document["@context"], list)
            else [document["@context"]]
        )
        if doc_ctx[: len(proof_ctx)] != proof_ctx:
            raise ProofError("the proof's @context does not match the document's")
    else:
        config["@context"] = document["@context"]
    hash_data = proof_hash_data(document, config, max_work=max_work)
    try:
        public_key.verify(signature, hash_data)
    except _CryptoInvalidSignature:
        raise InvalidSignature("the signature does not match the document and key") from None


__all__ = [
    "CRYPTOSUITE",
    "ED25519_SIGNATURE_2020",
    "PROOF_TYPE",
    "is_supported_proof_type",
    "proof_hash_data",
    "sign_credential",
    "verify_proof",
]

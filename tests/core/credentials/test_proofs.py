"""eddsa-rdfc-2022 proofs: known answers (1EdTech OB 3.0, W3C vc-di-eddsa) and failure modes."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from core.credentials.jsonld import canonical_nquads
from core.credentials.proofs import proof_hash_data, sign_credential, verify_proof
from core.encoding import multibase_decode, multibase_encode
from core.errors import (
    CanonicalizationLimitError,
    ContextError,
    InvalidSignature,
    ProofError,
    UndefinedTermError,
)

VECTORS = Path(__file__).resolve().parents[2] / "vectors"
OB = VECTORS / "ob-v3p0"
DI = VECTORS / "vc-di-eddsa" / "eddsa-rdfc-2022"


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _json(path: Path) -> Any:
    return json.loads(_text(path))


# ------------------------------------------------------------------ 1EdTech OB 3.0 vector

OB_VECTOR = _json(OB / "linked-data-proof-vector.json")
OB_SIGNED: dict[str, Any] = OB_VECTOR["signedCredential"]
OB_KEY = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(OB_VECTOR["privateKeyHex"]))
OB_PUBLIC = OB_KEY.public_key()


def _ob_unsigned() -> dict[str, Any]:
    return {k: copy.deepcopy(v) for k, v in OB_SIGNED.items() if k != "proof"}


def _ob_config() -> dict[str, Any]:
    proof = {k: v for k, v in OB_SIGNED["proof"].items() if k != "proofValue"}
    return {"@context": OB_SIGNED["@context"], **proof}


def test_ob_public_key_matches_vector() -> None:
    raw = OB_PUBLIC.public_bytes_raw()
    assert raw.hex() == OB_VECTOR["publicKeyHex"]
    assert multibase_encode(b"\xed\x01" + raw) == OB_VECTOR["publicKeyMultibase"]


def test_ob_document_canonical_form() -> None:
    assert canonical_nquads(_ob_unsigned()) == _text(OB / "document-canon.txt")


def test_ob_proof_canonical_form() -> None:
    assert canonical_nquads(_ob_config()) == _text(OB / "proof-canon.txt")


def test_ob_hashes() -> None:
    data = proof_hash_data(_ob_unsigned(), _ob_config())
    assert len(data) == 64
    assert data[:32].hex() == OB_VECTOR["proofConfigHashHex"]
    assert data[32:].hex() == OB_VECTOR["documentHashHex"]
    assert OB_KEY.sign(data).hex() == OB_VECTOR["signatureHex"]


def test_ob_sign_reproduces_the_signed_credential() -> None:
    proof = OB_SIGNED["proof"]
    signed = sign_credential(
        _ob_unsigned(),
        private_key=OB_KEY,
        verification_method=proof["verificationMethod"],
        created=proof["created"],
    )
    assert signed["proof"] == [proof]
    assert {k: v for k, v in signed.items() if k != "proof"} == _ob_unsigned()
    assert list(signed["proof"][0]) == [
        "type",
        "cryptosuite",
        "created",
        "verificationMethod",
        "proofPurpose",
        "proofValue",
    ]


def test_ob_signed_credential_verifies_as_object_and_as_array() -> None:
    verify_proof(OB_SIGNED, OB_SIGNED["proof"], OB_PUBLIC)
    as_array = {**OB_SIGNED, "proof": [OB_SIGNED["proof"]]}
    verify_proof(as_array, as_array["proof"][0], OB_PUBLIC)


# ------------------------------------------------------------------ W3C vc-di-eddsa vector

KEYPAIR = _json(VECTORS / "vc-di-eddsa" / "keyPair.json")
DI_SIGNED: dict[str, Any] = _json(DI / "signedDataInt.json")


def _di_key() -> Ed25519PrivateKey:
    raw = multibase_decode(KEYPAIR["privateKeyMultibase"])
    assert raw[:2] == b"\x80\x26"
    return Ed25519PrivateKey.from_private_bytes(raw[2:])


def test_di_keypair_is_consistent() -> None:
    public = _di_key().public_key().public_bytes_raw()
    assert multibase_encode(b"\xed\x01" + public) == KEYPAIR["publicKeyMultibase"]


def test_di_vector_end_to_end() -> None:
    unsigned = {k: v for k, v in DI_SIGNED.items() if k != "proof"}
    config = _json(DI / "proofConfigDataInt.json")
    assert canonical_nquads(unsigned) == _text(DI / "canonDocDataInt.txt")
    assert canonical_nquads(config) == _text(DI / "proofCanonDataInt.txt")
    data = proof_hash_data(unsigned, config)
    assert data[:32].hex() == _text(DI / "proofHashDataInt.txt").strip()
    assert data[32:].hex() == _text(DI / "docHashDataInt.txt").strip()
    assert data.hex() == _text(DI / "combinedHashDataInt.txt").strip()
    assert _di_key().sign(data).hex() == _text(DI / "sigHexDataInt.txt").strip()
    signed = sign_credential(
        unsigned,
        private_key=_di_key(),
        verification_method=config["verificationMethod"],
        created=config["created"],
    )
    assert signed["proof"][0]["proofValue"] == _text(DI / "sigBTC58DataInt.txt").strip()
    assert signed["proof"][0] == DI_SIGNED["proof"]
    verify_proof(DI_SIGNED, DI_SIGNED["proof"], _di_key().public_key())


# ------------------------------------------------------------------ failure modes

VM = "did:web:x#k"
CREATED = "2024-01-01T00:00:00Z"


def _signed() -> dict[str, Any]:
    proof = OB_SIGNED["proof"]
    return sign_credential(
        _ob_unsigned(),
        private_key=OB_KEY,
        verification_method=proof["verificationMethod"],
        created=proof["created"],
    )


def test_round_trip_with_a_fresh_key() -> None:
    key = Ed25519PrivateKey.generate()
    signed = sign_credential(
        _ob_unsigned(), private_key=key, verification_method=VM, created=CREATED
    )
    verify_proof(signed, signed["proof"][0], key.public_key())


@pytest.mark.parametrize(
    "tamper",
    [
        lambda d: d.__setitem__("name", "Teamwork Badge!"),
        lambda d: d["credentialSubject"]["achievement"].__setitem__("name", "Other"),
        lambda d: d["issuer"].__setitem__("id", "https://example.edu/issuers/1"),
        lambda d: d.__setitem__("validFrom", "2010-01-02T00:00:00Z"),
        lambda d: d["credentialSubject"]["achievement"]["criteria"].__setitem__("narrative", "x"),
        lambda d: d.__setitem__("description", "added"),
        lambda d: d["proof"][0].__setitem__("created", "2011-01-01T19:23:24Z"),
        lambda d: d["proof"][0].__setitem__("verificationMethod", "did:web:evil#key"),
    ],
)
def test_tampered_document_fails(tamper: Any) -> None:
    signed = _signed()
    tamper(signed)
    with pytest.raises(InvalidSignature):
        verify_proof(signed, signed["proof"][0], OB_PUBLIC)


def test_wrong_key_fails() -> None:
    signed = _signed()
    with pytest.raises(InvalidSignature):
        verify_proof(signed, signed["proof"][0], Ed25519PrivateKey.generate().public_key())


@pytest.mark.parametrize(
    "change",
    [
        {"type": "Ed25519Signature2020"},
        {"cryptosuite": "ecdsa-rdfc-2019"},
        {"proofValue": "uAAAA"},
        {"proofValue": "z0OIl"},
        {"proofValue": "z" + "2" * 20},
        {"proofPurpose": "authentication"},
        {"verificationMethod": None},
        {"created": 12},
    ],
)
def test_malformed_proof_is_a_proof_error(change: dict[str, Any]) -> None:
    signed = _signed()
    proof = {**signed["proof"][0], **change}
    proof = {k: v for k, v in proof.items() if v is not None}
    with pytest.raises(ProofError) as info:
        verify_proof(signed, proof, OB_PUBLIC)
    assert not isinstance(info.value, InvalidSignature)


def test_proof_that_is_not_an_object() -> None:
    with pytest.raises(ProofError):
        verify_proof(_signed(), "z123", OB_PUBLIC)  # type: ignore[arg-type]


def test_signing_a_signed_document_is_refused() -> None:
    with pytest.raises(ProofError):
        sign_credential(_signed(), private_key=OB_KEY, verification_method=VM, created=CREATED)


def test_undefined_term_is_refused_when_signing_and_verifying() -> None:
    unsigned = _ob_unsigned()
    unsigned["credentialSubject"]["favouriteColour"] = "blue"
    with pytest.raises(UndefinedTermError) as info:
        sign_credential(unsigned, private_key=OB_KEY, verification_method=VM, created=CREATED)
    assert info.value.terms == ["favouriteColour"]
    signed = _signed()
    signed["credentialSubject"]["favouriteColour"] = "blue"
    with pytest.raises(UndefinedTermError):
        verify_proof(signed, signed["proof"][0], OB_PUBLIC)


def test_unknown_context_is_refused() -> None:
    signed = _signed()
    signed["@context"] = [*signed["@context"], "https://evil.example/context.json"]
    with pytest.raises(ContextError) as info:
        verify_proof(signed, signed["proof"][0], OB_PUBLIC)
    assert "https://evil.example/context.json" in info.value.message


def test_poison_graph_is_stopped() -> None:
    nodes = [f"_:n{i}" for i in range(8)]
    clique = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:00000000-0000-0000-0000-000000000000",
        "type": ["VerifiableCredential"],
        "issuer": "did:web:example.com",
        "credentialSubject": [
            {"id": n, "relatedResource": [{"id": m} for m in nodes if m != n]} for n in nodes
        ],
    }
    with pytest.raises(CanonicalizationLimitError):
        sign_credential(
            clique,
            private_key=OB_KEY,
            verification_method="did:web:example.com#k",
            created="2024-01-01T00:00:00Z",
            max_work=2000,
        )


def test_hash_data_is_two_sha256_digests() -> None:
    data = proof_hash_data(_ob_unsigned(), _ob_config())
    expected = hashlib.sha256(_text(OB / "proof-canon.txt").encode()).digest()
    assert data[:32] == expected

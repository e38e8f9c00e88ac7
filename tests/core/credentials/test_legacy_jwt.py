"""VC-JWT 1.1 with RS256 / ES256 / EdDSA and did:jwk issuers: each attack, then the genuine case."""

from __future__ import annotations

import copy
import datetime as dt
import hmac
import json
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from legacy_support import (
    badge,
    codes,
    verify,
)

from core.credentials.verify import VerifyOptions
from core.encoding import b64url_decode, b64url_encode
from core.errors import KeyResolutionError
from core.keys.did import resolve_did_jwk

# --- VC-JWT: RS256, did:jwk, VC-JWT 1.1 claims ------------------------------------------------


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _jwk_of(public_key: Any) -> dict[str, Any]:
    return json.loads(jwt.algorithms.get_default_algorithms()["RS256"].to_jwk(public_key))  # type: ignore[attr-defined]


def did_jwk(jwk: dict[str, Any]) -> str:
    return "did:jwk:" + b64url_encode(json.dumps(jwk, separators=(",", ":")).encode())


def vc11_claims(did: str, **claims: Any) -> dict[str, Any]:
    vc = badge(issuer=did)
    vc["@context"] = vc["@context"][:2]
    for member in ("id", "issuanceDate", "credentialStatus"):
        del vc[member]
    del vc["credentialSubject"]["id"]
    payload = {
        "vc": vc,
        "iss": did,
        "nbf": int(dt.datetime(2024, 1, 15, 9, tzinfo=dt.UTC).timestamp()),
        "jti": "urn:uuid:0d7c1a52-5f0e-4a43-9b1f-3a4b1c2d3e4f",
        "sub": "did:example:ada",
    }
    payload.update(claims)
    return payload


def rs256_token(key: rsa.RSAPrivateKey, **claims: Any) -> tuple[str, str]:
    did = did_jwk({k: v for k, v in _jwk_of(key.public_key()).items() if k in ("kty", "n", "e")})
    token = jwt.encode(
        vc11_claims(did, **claims), key, algorithm="RS256", headers={"kid": f"{did}#0"}
    )
    return did, token


def test_rs256_with_a_1024_bit_key_is_weak() -> None:
    # the attack: a breakable key (S505 is the point of this test)
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505
    with pytest.warns(jwt.warnings.InsecureKeyLengthWarning):  # PyJWT signs, but warns
        _, token = rs256_token(small)
    report = verify(token)
    assert codes(report)["proof"] == "weak_key"
    assert not report.verified


def _forge(header: dict[str, Any], payload: dict[str, Any], secret: bytes | None) -> str:
    def part(value: dict[str, Any]) -> str:
        return b64url_encode(json.dumps(value).encode())

    signing_input = f"{part(header)}.{part(payload)}"
    signature = (
        b"" if secret is None else hmac.new(secret, signing_input.encode(), "sha256").digest()
    )
    return f"{signing_input}.{b64url_encode(signature)}"


def test_alg_confusion_hs256_with_the_public_key_as_secret(rsa_key: rsa.RSAPrivateKey) -> None:
    did, _ = rs256_token(rsa_key)
    pem = rsa_key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    jwk_text = json.dumps(_jwk_of(rsa_key.public_key())).encode()
    for secret in (pem, jwk_text):
        token = _forge({"alg": "HS256", "kid": f"{did}#0"}, vc11_claims(did), secret)
        assert codes(verify(token))["proof"] == "algorithm_not_allowed"
        # even a verifier configured (wrongly) to list HS256 never takes it for a public key
        lax = VerifyOptions(jwt_algorithms=("RS256", "HS256"), require_known_issuer=False)
        report = verify(token, options=lax)
        assert codes(report)["proof"] == "algorithm_not_allowed"
        assert not report.verified


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_alg_none_is_refused(rsa_key: rsa.RSAPrivateKey, alg: str) -> None:
    did, _ = rs256_token(rsa_key)
    token = _forge({"alg": alg, "kid": f"{did}#0"}, vc11_claims(did), None)
    report = verify(token)
    assert codes(report)["proof"] == "algorithm_not_allowed"
    assert not report.verified


def test_a_did_jwk_carrying_a_private_key_is_refused() -> None:
    key = Ed25519PrivateKey.generate()
    private_jwk = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(key))  # type: ignore[attr-defined]
    assert "d" in private_jwk
    did = did_jwk(private_jwk)
    with pytest.raises(KeyResolutionError, match="private"):
        resolve_did_jwk(did + "#0")
    token = jwt.encode(vc11_claims(did), key, algorithm="EdDSA", headers={"kid": f"{did}#0"})
    report = verify(token)
    assert codes(report)["proof"] == "unknown_key"
    assert not report.verified


def test_did_jwk_documents() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))  # type: ignore[attr-defined]
    did = did_jwk(jwk)
    resolved = resolve_did_jwk(did + "#0")
    assert (resolved.id, resolved.controller, resolved.did) == (f"{did}#0", did, did)
    for bad in (f"{did}#1", "did:jwk:", "did:jwk:bm90IGpzb24", did_jwk({**jwk, "use": "enc"})):
        with pytest.raises(KeyResolutionError):
            resolve_did_jwk(bad)


def test_a_jwt_key_of_another_did_jwk_does_not_prove_for_the_issuer(
    rsa_key: rsa.RSAPrivateKey,
) -> None:
    did, _ = rs256_token(rsa_key)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other_did, _ = rs256_token(other)
    token = jwt.encode(
        vc11_claims(did), other, algorithm="RS256", headers={"kid": f"{other_did}#0"}
    )
    report = verify(token)
    assert codes(report)["proof"] == "key_controller_mismatch"
    assert not report.verified


def test_a_genuine_rs256_vc11_jwt_verifies_and_its_claims_are_mapped(
    rsa_key: rsa.RSAPrivateKey,
) -> None:
    _, token = rs256_token(rsa_key, exp=int(dt.datetime(2030, 1, 1, tzinfo=dt.UTC).timestamp()))
    report = verify(token)
    assert report.verified, report.steps
    assert codes(report)["schema"] == "not_applicable"
    credential = report.credential
    assert credential is not None
    assert credential["issuanceDate"] == "2024-01-15T09:00:00Z"
    assert credential["expirationDate"] == "2030-01-01T00:00:00Z"
    assert credential["id"] == "urn:uuid:0d7c1a52-5f0e-4a43-9b1f-3a4b1c2d3e4f"
    assert credential["credentialSubject"]["id"] == "did:example:ada"


def test_a_vc11_jwt_whose_exp_has_passed_is_expired(rsa_key: rsa.RSAPrivateKey) -> None:
    _, token = rs256_token(rsa_key, exp=int(dt.datetime(2025, 1, 1, tzinfo=dt.UTC).timestamp()))
    report = verify(token)
    assert codes(report)["dates"] == "expired"
    assert not report.verified


def test_a_vc11_jwt_whose_claims_disagree_with_its_vc_fails(rsa_key: rsa.RSAPrivateKey) -> None:
    did, _ = rs256_token(rsa_key)
    payload = vc11_claims(did)
    payload["vc"] = copy.deepcopy(payload["vc"])
    payload["vc"]["issuanceDate"] = "2020-01-01T00:00:00Z"  # nbf says 2024-01-15
    token = jwt.encode(payload, rsa_key, algorithm="RS256", headers={"kid": f"{did}#0"})
    assert codes(verify(token))["proof"] == "jwt_claims_mismatch"
    payload = vc11_claims(did, sub="did:example:mallory")
    payload["vc"]["credentialSubject"]["id"] = "did:example:ada"
    token = jwt.encode(payload, rsa_key, algorithm="RS256", headers={"kid": f"{did}#0"})
    assert codes(verify(token))["proof"] == "jwt_claims_mismatch"


def test_rs256_can_be_switched_off(rsa_key: rsa.RSAPrivateKey) -> None:
    _, token = rs256_token(rsa_key)
    strict = VerifyOptions(jwt_algorithms=("ES256", "EdDSA"), require_known_issuer=False)
    assert codes(verify(token, options=strict))["proof"] == "algorithm_not_allowed"


@pytest.mark.parametrize("name", ["jose-rs256.jwt", "jose-es256.jwt", "jose-eddsa.jwt"])
def test_the_jose_vectors_verify_and_their_tampered_copies_do_not(name: str) -> None:
    path = Path(__file__).resolve().parents[2] / "vectors" / "legacy" / name
    token = path.read_text(encoding="utf-8").strip()
    report = verify(token)
    assert report.verified, report.steps
    header, payload, signature = token.split(".")
    claims = json.loads(b64url_decode(payload))
    claims["vc"]["name"] = "Welding, level 3"
    tampered = ".".join((header, b64url_encode(json.dumps(claims).encode()), signature))
    assert codes(verify(tampered))["proof"] == "invalid_signature"

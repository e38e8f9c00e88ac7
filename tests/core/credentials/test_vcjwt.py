"""Tests of core.credentials.vcjwt: OB 3.0 VC-JWT signing, parsing, verification, claim checks."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from jwcrypto import jwk as jw_jwk
from jwcrypto import jws as jw_jws

from core.credentials.vcjwt import (
    FORM_JOSE_COSE,
    FORM_JWT,
    FORM_VC_CLAIM,
    ParsedJwt,
    check_jwt_claims_consistency,
    parse_vc_jwt,
    sign_vc_jwt,
    verify_vc_jwt_signature,
)
from core.encoding import b64url_decode, b64url_encode
from core.errors import InputError, InvalidSignature, PayloadTooLarge, ProofError
from core.keys.multikey import public_jwk

ISSUER = "did:web:certs.example.org:issuers:acme"
KID = ISSUER + "#jwt-1"
ALGS = ("ES256", "EdDSA")


def _credential(**extra: Any) -> dict[str, Any]:
    credential: dict[str, Any] = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "https://certs.example.org/c/1b0c3c7e",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": ISSUER, "type": ["Profile"], "name": "Acme Certification"},
        "name": "Certificat — Soudure",
        "validFrom": "2025-01-15T10:00:00Z",
        "credentialSubject": {"id": "did:example:alice", "type": ["AchievementSubject"]},
        "proof": [{"type": "DataIntegrityProof", "proofValue": "z123"}],
    }
    credential.update(extra)
    return credential


def _forge(header: dict[str, Any], payload: dict[str, Any], signature: bytes = b"") -> str:
    return ".".join(
        [
            b64url_encode(json.dumps(header).encode()),
            b64url_encode(json.dumps(payload).encode()),
            b64url_encode(signature),
        ]
    )


@pytest.fixture(scope="module")
def p256() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


# --- signing ---------------------------------------------------------------------------------


def test_sign_header_and_payload(p256: ec.EllipticCurvePrivateKey) -> None:
    credential = _credential(validUntil="2030-01-15T10:00:00+01:00")
    token = sign_vc_jwt(credential, private_key=p256, kid=KID)
    header = json.loads(b64url_decode(token.split(".")[0]))
    payload = json.loads(b64url_decode(token.split(".")[1]))
    assert header == {"alg": "ES256", "kid": KID, "typ": "JWT"}
    expected = {k: v for k, v in credential.items() if k != "proof"}
    expected.update(
        iss=ISSUER,
        jti=credential["id"],
        nbf=1736935200,
        exp=1894698000,
        sub="did:example:alice",
    )
    assert payload == expected
    assert "proof" in credential  # the input is not modified


def test_sign_records_the_signing_date_as_iat(p256: ec.EllipticCurvePrivateKey) -> None:
    signed_at = datetime(2025, 1, 15, 9, 0, 30, tzinfo=UTC)
    token = sign_vc_jwt(_credential(), private_key=p256, kid=KID, issued_at=signed_at)
    assert json.loads(b64url_decode(token.split(".")[1]))["iat"] == 1736931630


def test_signed_token_verifies_with_an_independent_library(
    p256: ec.EllipticCurvePrivateKey,
) -> None:
    token = sign_vc_jwt(_credential(), private_key=p256, kid=KID)
    key = jw_jwk.JWK(**public_jwk(p256.public_key()))
    checker = jw_jws.JWS()
    checker.deserialize(token)
    checker.verify(key, alg="ES256")
    assert json.loads(checker.payload)["iss"] == ISSUER
    verify_vc_jwt_signature(token, p256.public_key(), algorithms=ALGS)


def test_sign_with_string_issuer_and_without_optional_claims(
    p256: ec.EllipticCurvePrivateKey,
) -> None:
    credential = _credential(issuer=ISSUER, credentialSubject={"type": ["AchievementSubject"]})
    del credential["id"]
    payload = parse_vc_jwt(sign_vc_jwt(credential, private_key=p256, kid=KID)).payload
    assert payload["iss"] == ISSUER
    assert not {"jti", "sub", "exp"} & payload.keys()


@pytest.mark.parametrize(
    "credential",
    [
        _credential(issuer={"name": "no id"}),
        _credential(validFrom="2025-01-15"),
        _credential(validFrom="2025-01-15T10:00:00"),  # no time zone
        _credential(validUntil="tomorrow"),
        _credential(iss="did:web:evil.example"),
    ],
)
def test_sign_rejects_bad_credentials(
    credential: dict[str, Any], p256: ec.EllipticCurvePrivateKey
) -> None:
    with pytest.raises(InputError):
        sign_vc_jwt(credential, private_key=p256, kid=KID)


def test_sign_rejects_other_keys() -> None:
    with pytest.raises(InputError):
        sign_vc_jwt(_credential(), private_key=ec.generate_private_key(ec.SECP384R1()), kid=KID)


# --- parsing ---------------------------------------------------------------------------------


def test_parse_ob_profile(p256: ec.EllipticCurvePrivateKey) -> None:
    token = sign_vc_jwt(_credential(), private_key=p256, kid=KID)
    parsed = parse_vc_jwt("  " + token + "\n")
    assert parsed.form == FORM_JWT and parsed.token == token
    assert parsed.header["kid"] == KID
    assert parsed.credential == {k: v for k, v in _credential().items() if k != "proof"}
    assert check_jwt_claims_consistency(parsed) == []


def test_parse_legacy_vc_claim() -> None:
    vc = {k: v for k, v in _credential().items() if k not in {"proof", "id", "issuer"}}
    vc["credentialSubject"] = {"type": ["AchievementSubject"]}
    payload = {
        "iss": ISSUER,
        "jti": "urn:uuid:1",
        "sub": "did:example:bob",
        "nbf": 1736935200,
        "vc": vc,
    }
    parsed = parse_vc_jwt(_forge({"alg": "ES256", "typ": "JWT"}, payload))
    assert parsed.form == FORM_VC_CLAIM
    assert parsed.credential["issuer"] == ISSUER and parsed.credential["id"] == "urn:uuid:1"
    assert parsed.credential["credentialSubject"]["id"] == "did:example:bob"
    assert "id" not in vc["credentialSubject"]  # the payload is not modified
    assert check_jwt_claims_consistency(parsed) == []


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "ES256", "typ": "vc+jwt"},
        {"alg": "ES256", "typ": "application/vc+jwt"},
        {"alg": "ES256", "typ": "JWT", "cty": "vc+ld+json+jwt"},
        {"alg": "ES256", "typ": "vc+ld+json+jwt"},
    ],
)
def test_parse_vc_jose_cose(header: dict[str, Any]) -> None:
    credential = {k: v for k, v in _credential().items() if k != "proof"}
    parsed = parse_vc_jwt(_forge(header, credential, b"sig"))
    assert parsed.form == FORM_JOSE_COSE and parsed.credential == credential
    assert check_jwt_claims_consistency(parsed) == []


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        "a.b",
        "a.b.c.d",
        "..",
        "!!!.e30.",
        _forge({"alg": "ES256"}, {})[:-1] + "!",
        b64url_encode(b"[1]") + "." + b64url_encode(b"{}") + ".",
        b64url_encode(b'{"alg":"ES256"}') + "." + b64url_encode(b'"str"') + ".",
        b64url_encode(b'{"alg":"ES256"}') + "." + b64url_encode(b"\xff\xfe") + ".",
        b64url_encode(b'{"alg":"ES256","alg":"none"}') + "." + b64url_encode(b"{}") + ".",
        b64url_encode(b'{"alg":"ES256"}') + "." + b64url_encode(b'{"n":NaN}') + ".",
        b64url_encode(b'{"typ":"JWT"}') + "." + b64url_encode(b"{}") + ".",
        b64url_encode(b'{"alg":"ES256"}') + "." + b64url_encode(b"[" * 5000) + ".",
        _forge({"alg": "ES256"}, {"vc": "not an object"}),
    ],
)
def test_parse_rejects_malformed(token: str) -> None:
    with pytest.raises(InputError) as info:
        parse_vc_jwt(token)
    assert info.value.code == "malformed_jwt"


def test_parse_rejects_non_strings_and_oversize() -> None:
    with pytest.raises(InputError):
        parse_vc_jwt(b"a.b.c")  # type: ignore[arg-type]
    with pytest.raises(PayloadTooLarge):
        parse_vc_jwt(_forge({"alg": "ES256"}, {"x": "y" * 500}), max_length=100)


# --- verification ----------------------------------------------------------------------------


def test_tampered_payload_and_signature_fail(p256: ec.EllipticCurvePrivateKey) -> None:
    token = sign_vc_jwt(_credential(), private_key=p256, kid=KID)
    header, payload, signature = token.split(".")
    other = b64url_encode(json.dumps({**json.loads(b64url_decode(payload)), "iss": "x"}).encode())
    with pytest.raises(InvalidSignature):
        verify_vc_jwt_signature(f"{header}.{other}.{signature}", p256.public_key(), algorithms=ALGS)
    broken = bytearray(b64url_decode(signature))
    broken[5] ^= 1
    with pytest.raises(InvalidSignature):
        verify_vc_jwt_signature(
            f"{header}.{payload}.{b64url_encode(bytes(broken))}", p256.public_key(), algorithms=ALGS
        )
    with pytest.raises(InvalidSignature):
        verify_vc_jwt_signature(f"{header}.{payload}.", p256.public_key(), algorithms=ALGS)
    other_key = ec.generate_private_key(ec.SECP256R1()).public_key()
    with pytest.raises(InvalidSignature):
        verify_vc_jwt_signature(token, other_key, algorithms=ALGS)


def test_eddsa_tokens_verify_when_allowed() -> None:
    key = Ed25519PrivateKey.generate()
    token = jwt.encode({"iss": ISSUER}, key, algorithm="EdDSA", headers={"kid": KID})
    verify_vc_jwt_signature(token, key.public_key(), algorithms=ALGS)
    with pytest.raises(ProofError) as info:
        verify_vc_jwt_signature(token, key.public_key(), algorithms=("ES256",))
    assert info.value.code == "algorithm_not_allowed"


def _assert_not_allowed(token: str, key: object, algorithms: tuple[str, ...] = ALGS) -> None:
    with pytest.raises(ProofError) as info:
        verify_vc_jwt_signature(token, key, algorithms=algorithms)
    assert info.value.code == "algorithm_not_allowed"
    assert not isinstance(info.value, InvalidSignature)


def test_alg_none_is_refused(p256: ec.EllipticCurvePrivateKey) -> None:
    payload = {"iss": ISSUER}
    for alg in ("none", "None", "NONE"):
        _assert_not_allowed(_forge({"alg": alg}, payload), p256.public_key())
        _assert_not_allowed(_forge({"alg": alg}, payload), p256.public_key(), (*ALGS, alg))


def test_hmac_key_confusion_is_refused(p256: ec.EllipticCurvePrivateKey) -> None:
    # The classic attack: HMAC-sign with the public key's bytes as the secret.
    public = p256.public_key()
    secret = public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    header = b64url_encode(b'{"alg":"HS256","typ":"JWT"}')
    body = b64url_encode(json.dumps({"iss": ISSUER}).encode())
    mac = hmac.new(secret, f"{header}.{body}".encode(), hashlib.sha256).digest()
    token = f"{header}.{body}.{b64url_encode(mac)}"
    _assert_not_allowed(token, public)
    _assert_not_allowed(token, public, ("HS256", "ES256"))


def test_alg_must_fit_key_and_configuration(p256: ec.EllipticCurvePrivateKey) -> None:
    token = sign_vc_jwt(_credential(), private_key=p256, kid=KID)
    _assert_not_allowed(token, p256.public_key(), ("EdDSA",))
    _assert_not_allowed(token, Ed25519PrivateKey.generate().public_key())
    _assert_not_allowed(token, ec.generate_private_key(ec.SECP384R1()).public_key())
    _assert_not_allowed(token, object())
    _, payload, signature = token.split(".")
    relabelled = b64url_encode(b'{"alg":"ES384","kid":"k","typ":"JWT"}')
    _assert_not_allowed(f"{relabelled}.{payload}.{signature}", p256.public_key())


def test_crit_header_is_refused(p256: ec.EllipticCurvePrivateKey) -> None:
    token = jwt.encode({"iss": ISSUER}, p256, algorithm="ES256", headers={"crit": ["exp"]})
    with pytest.raises(ProofError):
        verify_vc_jwt_signature(token, p256.public_key(), algorithms=ALGS)


def test_dates_are_not_checked_here(p256: ec.EllipticCurvePrivateKey) -> None:
    expired = _credential(validFrom="2000-01-01T00:00:00Z", validUntil="2001-01-01T00:00:00Z")
    future = _credential(validFrom="2999-01-01T00:00:00Z")
    for credential in (expired, future):
        token = sign_vc_jwt(credential, private_key=p256, kid=KID)
        verify_vc_jwt_signature(token, p256.public_key(), algorithms=ALGS)


# --- claims consistency ----------------------------------------------------------------------


def _parsed(payload: dict[str, Any], typ: str = "JWT") -> ParsedJwt:
    return parse_vc_jwt(_forge({"alg": "ES256", "typ": typ}, payload))


def _ob_payload(**claims: Any) -> dict[str, Any]:
    credential = {k: v for k, v in _credential().items() if k != "proof"}
    base = {"iss": ISSUER, "jti": credential["id"], "nbf": 1736935200, "sub": "did:example:alice"}
    base.update(claims)
    return {**credential, **{k: v for k, v in base.items() if v is not None}}


def test_claims_consistent() -> None:
    assert check_jwt_claims_consistency(_parsed(_ob_payload())) == []
    assert check_jwt_claims_consistency(_parsed(_ob_payload(nbf=1736935200.7))) == []


@pytest.mark.parametrize(
    ("claims", "needle"),
    [
        ({"iss": "did:web:evil.example"}, "'iss' does not match"),
        ({"iss": None}, "'iss' is missing"),
        ({"jti": "urn:uuid:other"}, "'jti' does not match"),
        ({"jti": None}, "'jti' is missing"),
        ({"nbf": 1736935201}, "'nbf' does not match"),
        ({"nbf": None}, "'nbf' is missing"),
        ({"nbf": "1736935200"}, "'nbf' is not a NumericDate"),
        ({"nbf": True}, "'nbf' is not a NumericDate"),
        ({"exp": 1900000000}, "'exp' is set but the credential has no validUntil"),
        ({"sub": "did:example:mallory"}, "'sub' does not match"),
        ({"sub": None}, "'sub' is missing"),
    ],
)
def test_claims_inconsistent(claims: dict[str, Any], needle: str) -> None:
    problems = check_jwt_claims_consistency(_parsed(_ob_payload(**claims)))
    assert len(problems) == 1 and needle in problems[0], problems


def test_exp_against_valid_until() -> None:
    payload = _ob_payload(exp=1894687200)
    payload["validUntil"] = "2030-01-15T06:00:00Z"
    assert check_jwt_claims_consistency(_parsed(payload)) == []
    missing = {k: v for k, v in payload.items() if k != "exp"}
    assert check_jwt_claims_consistency(_parsed(missing)) == [
        "'exp' is missing (the credential has a validUntil)"
    ]
    payload["validUntil"] = "2031-01-15T06:00:00Z"
    assert check_jwt_claims_consistency(_parsed(payload)) == [
        "'exp' does not match the credential's validUntil"
    ]


def test_other_forms_only_report_disagreements() -> None:
    credential = {k: v for k, v in _credential().items() if k != "proof"}
    assert check_jwt_claims_consistency(_parsed(credential, typ="vc+jwt")) == []
    lying = {**credential, "iss": "did:web:evil.example", "exp": 1}
    problems = check_jwt_claims_consistency(_parsed(lying, typ="vc+jwt"))
    assert problems == ["'iss' does not match the credential's issuer id"]
    legacy = {"iss": "did:web:evil.example", "vc": credential}
    assert check_jwt_claims_consistency(_parsed(legacy)) == [
        "'iss' does not match the credential's issuer id"
    ]

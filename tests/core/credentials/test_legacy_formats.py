"""The credentials already in circulation: VC 1.1, Ed25519Signature2020, RS256 / did:jwk VC-JWT,
StatusList2021 — each attack first, then the genuine case."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import hmac
import json
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from core.clock import FixedClock
from core.credentials.proofs import ED25519_SIGNATURE_2020, sign_credential
from core.credentials.report import STEP_CODES, STEP_IDS, VerificationReport
from core.credentials.verify import VerifyOptions, verify_credential
from core.encoding import b64url_encode
from core.errors import KeyResolutionError, StatusListError, UnsignedDataError
from core.keys.did import resolve_did_jwk
from core.keys.multikey import ed25519_public_multikey
from core.keys.resolver import DidResolver
from core.status.bitstring import encode_status_list
from core.status.checker import BitstringStatusChecker

NOW = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
CLOCK = FixedClock(NOW)
VC_V1 = "https://www.w3.org/2018/credentials/v1"
OB_UNVERSIONED = "https://purl.imsglobal.org/spec/ob/v3p0/context.json"
OB_3_0_2 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json"
ED25519_2020 = "https://w3id.org/security/suites/ed25519-2020/v1"
STATUS_2021 = "https://w3id.org/vc/status-list/2021/v1"
LIST_URL = "https://legacy.example/status/1"
INDEX = 4242


def _ed25519(seed_text: str) -> Ed25519PrivateKey:
    # TEST KEYS ONLY: derived from public strings, reproducible.
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(seed_text.encode()).digest())


ISSUER_KEY = _ed25519("sceau legacy tests issuer")
OTHER_KEY = _ed25519("sceau legacy tests another issuer")


def _did_key(key: Ed25519PrivateKey) -> tuple[str, str]:
    fingerprint = ed25519_public_multikey(key.public_key())
    return f"did:key:{fingerprint}", f"did:key:{fingerprint}#{fingerprint}"


ISSUER, ISSUER_VM = _did_key(ISSUER_KEY)
OTHER, OTHER_VM = _did_key(OTHER_KEY)


def badge(issuer: str = ISSUER, **members: Any) -> dict[str, Any]:
    """An unsigned VC 1.1 OpenBadgeCredential (OB 3.0.0-3.0.2 shape) with a StatusList2021Entry."""
    document: dict[str, Any] = {
        "@context": [VC_V1, OB_UNVERSIONED, ED25519_2020, STATUS_2021],
        "id": "urn:uuid:0d7c1a52-5f0e-4a43-9b1f-3a4b1c2d3e4f",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": "Profile", "name": "Legacy Academy"},
        "issuanceDate": "2024-01-15T09:00:00Z",
        "name": "Welding, level 2",
        "credentialSubject": {
            "id": "did:example:ada",
            "type": "AchievementSubject",
            "achievement": {
                "id": "https://legacy.example/achievements/welding-2",
                "type": "Achievement",
                "name": "Welding, level 2",
                "description": "Arc welding of steel plates.",
                "criteria": {"narrative": "Pass the practical exam."},
            },
        },
        "credentialStatus": {
            "id": f"{LIST_URL}#{INDEX}",
            "type": "StatusList2021Entry",
            "statusPurpose": "revocation",
            "statusListIndex": str(INDEX),
            "statusListCredential": LIST_URL,
        },
    }
    document.update(members)
    return document


def sign2020(
    document: dict[str, Any], key: Ed25519PrivateKey = ISSUER_KEY, vm: str = ISSUER_VM
) -> dict[str, Any]:
    signed = sign_credential(
        document,
        private_key=key,
        verification_method=vm,
        created="2024-01-15T09:00:00Z",
        proof_type=ED25519_SIGNATURE_2020,
    )
    return {**signed, "proof": signed["proof"][0]}  # vc.js emits one proof as an object


def status_list_2021(
    revoked: tuple[int, ...] = (),
    *,
    issuer: str = ISSUER,
    key: Ed25519PrivateKey = ISSUER_KEY,
    vm: str = ISSUER_VM,
    **members: Any,
) -> dict[str, Any]:
    """A signed StatusList2021Credential; encodedList without the multibase 'u', as
    @digitalbazaar/vc-status-list writes it."""
    encoded = encode_status_list(revoked, 131_072)[1:]
    document: dict[str, Any] = {
        "@context": [VC_V1, STATUS_2021, ED25519_2020],
        "id": LIST_URL,
        "type": ["VerifiableCredential", "StatusList2021Credential"],
        "issuer": issuer,
        "issuanceDate": "2024-01-01T00:00:00Z",
        "credentialSubject": {
            "id": f"{LIST_URL}#list",
            "type": "StatusList2021",
            "statusPurpose": "revocation",
            "encodedList": encoded,
        },
    }
    document.update(members)
    return sign2020(document, key, vm)


class NoIssuers:
    def lookup(self, issuer_id: str) -> dict[str, Any] | None:
        return None


def verify(
    document: object,
    status_list: dict[str, Any] | None = None,
    *,
    options: VerifyOptions | None = None,
) -> VerificationReport:
    resolver = DidResolver(lambda did: None, fetcher=None)
    lists = {LIST_URL: status_list if status_list is not None else status_list_2021()}
    checker = BitstringStatusChecker(resolver, lists.get, None, CLOCK, 60, 20000)
    report = verify_credential(
        document,
        resolver=resolver,
        status_checker=checker,
        issuers=NoIssuers(),
        clock=CLOCK,
        options=options or VerifyOptions(require_known_issuer=False),
    )
    assert [s.id for s in report.steps] == list(STEP_IDS)
    for step in report.steps:
        assert step.code in STEP_CODES[step.id], (step.id, step.code)
    return report


def codes(report: VerificationReport) -> dict[str, str]:
    return {step.id: step.code for step in report.steps}


SKIPPED = {"issuer": "skipped", "dates": "skipped", "status": "skipped"}


# --- VC 1.1 with Ed25519Signature2020: attacks -----------------------------------------------


def test_a_change_after_signing_breaks_the_2020_proof() -> None:
    tampered = sign2020(badge())
    tampered["credentialSubject"]["achievement"]["name"] = "Welding, level 3"
    report = verify(tampered)
    assert not report.verified
    assert codes(report) | SKIPPED == codes(report)
    assert codes(report)["proof"] == "invalid_signature"


def test_a_term_the_v1_contexts_do_not_define_is_refused_not_dropped() -> None:
    # credentials/v1 has no @vocab: a JSON-LD processor drops an undefined term, so the proof
    # would still hold over the rest. Strict mode refuses the document instead.
    signed = sign2020(badge())
    signed["grade"] = "A+"
    report = verify(signed)
    assert codes(report)["context"] == "undefined_term"
    assert codes(report)["proof"] == "undefined_term"
    assert not report.verified


def test_data_hidden_from_the_signature_by_an_inline_context_is_refused() -> None:
    document = badge()
    document["@context"] = [*document["@context"], {"note": None}]
    document["note"] = "Valid for nuclear plants"  # mapped to null: never signed
    with pytest.raises(UnsignedDataError):  # our signer refuses it as well
        sign2020(document)
    signed = sign2020(badge())
    signed["@context"] = [*signed["@context"], {"note": None}]
    signed["note"] = "Valid for nuclear plants"
    report = verify(signed)
    assert codes(report)["context"] == "unsigned_data"
    assert not report.verified


@pytest.mark.parametrize(
    "change",
    [
        {"cryptosuite": "eddsa-rdfc-2022"},  # a 2020 proof names no cryptosuite
        {"jws": "eyJhbGciOiJFZERTQSJ9..c2ln"},  # stripped by jsigs, so never signed
        {"signatureValue": "abc"},
        {"proofPurpose": "authentication"},
        {"type": "Ed25519Signature2018"},
    ],
)
def test_2020_proof_variants_that_are_refused(change: dict[str, Any]) -> None:
    signed = sign2020(badge())
    signed["proof"] = {**signed["proof"], **change}
    report = verify(signed)
    assert codes(report)["proof"] == "unsupported_proof"
    assert not report.verified


def test_a_2020_proof_changed_in_its_options_fails() -> None:
    signed = sign2020(badge())
    signed["proof"] = {**signed["proof"], "created": "2020-01-01T00:00:00Z"}
    assert codes(verify(signed))["proof"] == "invalid_signature"


def test_a_key_of_another_did_does_not_prove_for_the_issuer() -> None:
    # signed (validly) with the other DID's key, claiming our issuer
    forged = sign2020(badge(issuer=ISSUER), OTHER_KEY, OTHER_VM)
    report = verify(forged)
    assert codes(report)["proof"] == "key_controller_mismatch"
    assert report.issuer is not None and report.issuer["name"] is None  # no forged name shown
    assert not report.verified
    # a did:key fragment naming another key is not in the document of the DID
    forged = sign2020(badge(), ISSUER_KEY, f"{ISSUER}#{OTHER_VM.split('#')[1]}")
    assert codes(verify(forged))["proof"] == "unknown_key"


def test_an_expired_vc11_credential_is_expired() -> None:
    signed = sign2020(badge(expirationDate="2025-01-01T00:00:00Z"))
    report = verify(signed)
    assert codes(report)["proof"] == "ok"
    assert codes(report)["dates"] == "expired"
    dates = next(s for s in report.steps if s.id == "dates")
    assert dates.details["validUntil"] == "2025-01-01T00:00:00Z"
    assert not report.verified


def test_a_vc11_credential_without_issuance_date_is_refused() -> None:
    document = badge()
    del document["issuanceDate"]
    report = verify(sign2020(document))
    assert codes(report)["dates"] == "invalid_date"
    assert not report.verified


def test_a_vc11_credential_with_a_validuntil_in_the_past_is_expired_too() -> None:
    # the final credentials/v1 context defines validFrom / validUntil as well: both are read
    report = verify(sign2020(badge(validUntil="2025-01-01T00:00:00Z")))
    assert codes(report)["dates"] == "expired"


# --- VC 1.1 with Ed25519Signature2020: genuine ------------------------------------------------


@pytest.mark.parametrize("ob_context", [OB_UNVERSIONED, OB_3_0_2])
def test_a_genuine_vc11_badge_verifies(ob_context: str) -> None:
    document = badge()
    document["@context"][1] = ob_context
    report = verify(sign2020(document))
    assert report.verified, report.steps
    assert codes(report) == {
        "parse": "ok",
        "context": "ok",
        "schema": "not_applicable",
        "proof": "ok",
        "issuer": "unknown_issuer",
        "dates": "valid",
        "status": "not_revoked",
    }
    schema = next(s for s in report.steps if s.id == "schema")
    assert "VC 1.1" in schema.message and schema.details == {"dataModel": "1.1"}


def test_ob_3_0_1_context_is_bundled() -> None:
    document = badge()
    document["@context"][1] = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json"
    report = verify(sign2020(document))
    assert codes(report)["context"] == "ok"
    assert codes(report)["proof"] == "ok"


def test_vc20_schema_step_stays_strict_for_vc20() -> None:
    # the VC 1.1 exemption keys on the first context only: a VC 2.0 OB credential that lacks
    # validFrom still fails the schema
    document = badge()
    document["@context"] = ["https://www.w3.org/ns/credentials/v2", OB_3_0_2]
    del document["issuanceDate"]
    del document["credentialStatus"]
    report = verify(document)
    assert codes(report)["schema"] == "schema_invalid"


# --- StatusList2021 ---------------------------------------------------------------------------


def test_status_list_2021_revoked_and_not_revoked() -> None:
    signed = sign2020(badge())
    assert codes(verify(signed, status_list_2021()))["status"] == "not_revoked"
    report = verify(signed, status_list_2021(revoked=(INDEX,)))
    assert codes(report)["status"] == "revoked"
    assert not report.verified


def test_a_status_list_2021_signed_by_another_issuer_is_not_trusted() -> None:
    signed = sign2020(badge())
    # claims our issuer but signed with another DID's key: revocation cannot be ruled out
    forged = status_list_2021(issuer=ISSUER, key=OTHER_KEY, vm=OTHER_VM)
    report = verify(signed, forged)
    assert codes(report)["status"] == "status_list_unavailable"
    assert not report.verified
    # a genuine list, but of another issuer
    foreign = status_list_2021(issuer=OTHER, key=OTHER_KEY, vm=OTHER_VM)
    assert codes(verify(signed, foreign))["status"] == "status_list_unavailable"
    # a list whose bits were changed after signing
    tampered = status_list_2021(revoked=(INDEX,))
    tampered["credentialSubject"]["encodedList"] = status_list_2021()["credentialSubject"][
        "encodedList"
    ]
    assert codes(verify(signed, tampered))["status"] == "status_list_unavailable"


def test_a_status_entry_is_read_only_from_its_own_kind_of_list() -> None:
    resolver = DidResolver(lambda did: None, fetcher=None)
    lists = {LIST_URL: status_list_2021(revoked=(INDEX,))}
    checker = BitstringStatusChecker(resolver, lists.get, None, CLOCK, 60, 20000)
    entry = badge()["credentialStatus"]
    assert checker.is_revoked(entry, issuer_id=ISSUER) is True
    # the same (now cached) list read for a BitstringStatusListEntry: refused, cached or not
    bitstring_entry = {**entry, "type": "BitstringStatusListEntry"}
    with pytest.raises(StatusListError, match="kind"):
        checker.is_revoked(bitstring_entry, issuer_id=ISSUER)
    fresh = BitstringStatusChecker(resolver, lists.get, None, CLOCK, 60, 20000)
    with pytest.raises(StatusListError, match="BitstringStatusListCredential"):
        fresh.is_revoked(bitstring_entry, issuer_id=ISSUER)


def test_an_expired_status_list_2021_is_not_trusted() -> None:
    signed = sign2020(badge())
    expired = status_list_2021(expirationDate="2025-01-01T00:00:00Z")
    assert codes(verify(signed, expired))["status"] == "status_list_unavailable"


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

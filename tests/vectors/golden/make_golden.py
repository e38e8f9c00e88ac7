"""Regenerate the golden credentials (one per verification state) from the fixed test-only keys.

Run ``.venv/bin/python tests/vectors/golden/make_golden.py`` to rewrite the files, or with
``--check`` to verify that the files on disk are exactly what this script produces.  Ed25519
signatures are deterministic and ES256 ones are made with RFC 6979 deterministic ECDSA, so the
output is reproducible byte for byte.  The tests import this module (by path) for its constants
and for the in-memory DID document and status list of the test issuer.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from core.credentials.jsonld import canonical_nquads
from core.credentials.proofs import sign_credential
from core.credentials.vcjwt import sign_vc_jwt
from core.encoding import b64url_decode, b64url_encode, multibase_encode
from core.keys.did import build_did_document, resolve_did_key
from core.keys.multikey import ed25519_public_multikey
from core.status.bitstring import encode_status_list

HERE = Path(__file__).resolve().parent
KEYS_DIR = HERE.parent / "keys"

BASE_URL = "https://certs.example.test"
ISSUER_DID = "did:web:example.test:issuers:acme"
ED_KEY_ID = ISSUER_DID + "#key-ed25519-test"
P256_KEY_ID = ISSUER_DID + "#key-p256-test"
LIST_URL = BASE_URL + "/status/acme/1"
LIST_SIZE = 131_072
REVOKED_INDEX = 7
VALID_INDEX = 42
CREATED = "2025-01-15T09:00:00Z"
#: The instant the tests verify at (FixedClock).
NOW = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)

CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
JSON_STATES = (
    "valid",
    "tampered",
    "expired",
    "not-yet-valid",
    "revoked",
    "no-proof",
    "unknown-term",
    "foreign-issuer",
    "wrong-key",
    "status-list",
)
JWT_STATES = ("jwt-valid", "jwt-tampered", "jwt-alg-none", "jwt-hs256")


def _load(name: str) -> Any:
    return serialization.load_pem_private_key((KEYS_DIR / name).read_bytes(), password=None)


def keys() -> dict[str, Any]:
    """The fixed test-only private keys, by role."""
    return {
        "acme_ed25519": _load("test-only-acme-ed25519.pem"),
        "acme_p256": _load("test-only-acme-p256.pem"),
        "foreign_ed25519": _load("test-only-foreign-ed25519.pem"),
        "intruder_ed25519": _load("test-only-intruder-ed25519.pem"),
    }


def did_key_of(private_key: Ed25519PrivateKey) -> str:
    """The did:key verification method id of an Ed25519 key."""
    multikey = ed25519_public_multikey(private_key.public_key())
    return resolve_did_key(f"did:key:{multikey}").id


def did_document() -> dict[str, Any]:
    """The test issuer's DID document, as the instance would serve it."""
    k = keys()
    return build_did_document(
        ISSUER_DID,
        [("key-ed25519-test", k["acme_ed25519"].public_key())],
        [("key-p256-test", k["acme_p256"].public_key())],
    )


def credential(
    *,
    number: int = 1,
    issuer: dict[str, Any] | None = None,
    valid_from: str = "2025-01-15T09:00:00Z",
    valid_until: str | None = "2030-01-15T09:00:00Z",
    status_index: int | None = VALID_INDEX,
) -> dict[str, Any]:
    """An unsigned OB 3.0 AchievementCredential of the test issuer (DESIGN §4)."""
    salt = "f1e2d3c4b5a69788"
    email_hash = hashlib.sha256(("candidate@example.test" + salt).encode()).hexdigest()
    achievement_id = BASE_URL + "/achievements/acme/CQP-42"
    document: dict[str, Any] = {
        "@context": list(CONTEXT),
        "id": f"{BASE_URL}/c/00000000-0000-4000-8000-{number:012d}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer
        or {
            "id": ISSUER_DID,
            "type": ["Profile"],
            "name": "ACME Certification (test)",
            "url": BASE_URL + "/issuers/acme",
        },
        "validFrom": valid_from,
        "name": "Certified Widget Inspector",
        "description": "Awarded after the written and practical examinations.",
        "awardedDate": valid_from,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "emailAddress",
                    "hashed": True,
                    "identityHash": "sha256$" + email_hash,
                    "salt": salt,
                }
            ],
            "achievement": {
                "id": achievement_id,
                "type": ["Achievement"],
                "name": "Certified Widget Inspector",
                "description": "Inspects widgets according to the ACME standard.",
                "criteria": {"narrative": "Pass both examinations with at least 10/20."},
                "achievementType": "Certificate",
                "resultDescription": [
                    {
                        "id": achievement_id + "#written",
                        "type": ["ResultDescription"],
                        "name": "Written examination",
                        "resultType": "GradePointAverage",
                    }
                ],
            },
            "result": [
                {
                    "type": ["Result"],
                    "resultDescription": achievement_id + "#written",
                    "value": "14.5",
                }
            ],
        },
    }
    if valid_until is not None:
        document["validUntil"] = valid_until
    if status_index is not None:
        document["credentialStatus"] = {
            "id": f"{LIST_URL}#{status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(status_index),
            "statusListCredential": LIST_URL,
        }
    return document


def _sign(unsigned: dict[str, Any], key: Ed25519PrivateKey, vm: str) -> dict[str, Any]:
    return sign_credential(unsigned, private_key=key, verification_method=vm, created=CREATED)


def sign_loosely(unsigned: dict[str, Any], key: Ed25519PrivateKey, vm: str) -> dict[str, Any]:
    """eddsa-rdfc-2022 with NON-strict JSON-LD (undefined terms silently dropped), as a careless
    issuer would sign: the signature covers the document without its undefined terms."""
    config = {
        "@context": unsigned["@context"],
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": CREATED,
        "verificationMethod": vm,
        "proofPurpose": "assertionMethod",
    }
    hash_data = hashlib.sha256(canonical_nquads(config, strict=False).encode()).digest()
    hash_data += hashlib.sha256(canonical_nquads(unsigned, strict=False).encode()).digest()
    proof = {k: v for k, v in config.items() if k != "@context"}
    proof["proofValue"] = multibase_encode(key.sign(hash_data))
    return {**unsigned, "proof": [proof]}


def status_list_credential() -> dict[str, Any]:
    """The test issuer's revocation list (index 7 revoked), signed with its Ed25519 key."""
    unsigned = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": LIST_URL,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": ISSUER_DID,
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {
            "id": LIST_URL + "#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode_status_list([REVOKED_INDEX], LIST_SIZE),
        },
    }
    return _sign(unsigned, keys()["acme_ed25519"], ED_KEY_ID)


def _deterministic_es256(token: str, key: ec.EllipticCurvePrivateKey) -> str:
    """Re-sign ``header.payload`` with RFC 6979 deterministic ECDSA (reproducible output)."""
    signing_input = token.rsplit(".", 1)[0]
    der = key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
    r, s = decode_dss_signature(der)
    return signing_input + "." + b64url_encode(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


def _segment(value: dict[str, Any]) -> str:
    return b64url_encode(json.dumps(value, separators=(",", ":")).encode())


def jwt_tokens() -> dict[str, str]:
    """VC-JWTs of the test issuer: valid, tampered payload, alg none, HS256 key confusion."""
    p256 = keys()["acme_p256"]
    unsigned = credential(number=20)
    valid = _deterministic_es256(sign_vc_jwt(unsigned, private_key=p256, kid=P256_KEY_ID), p256)
    header, payload, signature = valid.split(".")
    claims = json.loads(b64url_decode(payload))
    claims["credentialSubject"]["result"][0]["value"] = "19.5"
    tampered = f"{header}.{_segment(claims)}.{signature}"
    original = json.loads(b64url_decode(payload))
    none = f"{_segment({'alg': 'none', 'typ': 'JWT', 'kid': P256_KEY_ID})}.{_segment(original)}."
    hs_input = f"{_segment({'alg': 'HS256', 'typ': 'JWT', 'kid': P256_KEY_ID})}.{payload}"
    # the classic confusion attack: the public key used as an HMAC secret
    public_pem = p256.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    mac = hmac.new(public_pem, hs_input.encode(), hashlib.sha256).digest()
    return {
        "jwt-valid": valid,
        "jwt-tampered": tampered,
        "jwt-alg-none": none,
        "jwt-hs256": hs_input + "." + b64url_encode(mac),
    }


def json_documents() -> dict[str, dict[str, Any]]:
    """The JSON golden credentials, by state."""
    k = keys()
    acme = k["acme_ed25519"]
    valid = _sign(credential(number=1), acme, ED_KEY_ID)
    tampered = copy.deepcopy(valid)
    tampered["credentialSubject"]["result"][0]["value"] = "19.5"
    unknown = credential(number=7)
    unknown["credentialSubject"]["favouriteColour"] = "blue"
    foreign_vm = did_key_of(k["foreign_ed25519"])
    foreign_issuer = {
        "id": foreign_vm.split("#")[0],
        "type": ["Profile"],
        "name": "ACME Certification (test)",
        "url": "https://acme-certification.example",
    }
    intruder_vm = did_key_of(k["intruder_ed25519"])
    return {
        "valid": valid,
        "tampered": tampered,
        "expired": _sign(credential(number=2, valid_until="2026-01-01T00:00:00Z"), acme, ED_KEY_ID),
        "not-yet-valid": _sign(
            credential(number=3, valid_from="2027-01-01T00:00:00Z"), acme, ED_KEY_ID
        ),
        "revoked": _sign(credential(number=4, status_index=REVOKED_INDEX), acme, ED_KEY_ID),
        "no-proof": credential(number=5),
        "unknown-term": sign_loosely(unknown, acme, ED_KEY_ID),
        "foreign-issuer": _sign(
            credential(number=8, issuer=foreign_issuer, status_index=None),
            k["foreign_ed25519"],
            foreign_vm,
        ),
        "wrong-key": _sign(credential(number=9), k["intruder_ed25519"], intruder_vm),
        "status-list": status_list_credential(),
    }


def rendered() -> dict[str, str]:
    """File name -> exact file content."""
    files = {
        f"{name}.json": json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
        for name, doc in json_documents().items()
    }
    files.update({f"{name}.jwt": token + "\n" for name, token in jwt_tokens().items()})
    return files


def main(argv: list[str]) -> int:
    """Write the golden files, or with --check compare them; returns the exit status."""
    files = rendered()
    if "--check" in argv:
        stale = [
            n
            for n, text in files.items()
            if not (HERE / n).exists() or (HERE / n).read_text(encoding="utf-8") != text
        ]
        for name in stale:
            print(f"stale golden file: {name}")
        return 1 if stale else 0
    for name, text in files.items():
        (HERE / name).write_text(text, encoding="utf-8")
        print(f"wrote {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

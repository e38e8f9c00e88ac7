"""Helpers of the tests of credentials already in circulation (VC 1.1, Ed25519Signature2020,
StatusList2021): fixed test keys, a VC 1.1 badge, its signer, a StatusList2021 and a verifier."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from core.clock import FixedClock
from core.credentials.proofs import ED25519_SIGNATURE_2020, sign_credential
from core.credentials.report import STEP_CODES, STEP_IDS, VerificationReport
from core.credentials.verify import VerifyOptions, verify_credential
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
    purpose: str = "revocation",
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
            "statusPurpose": purpose,
            "encodedList": encoded,
        },
    }
    document.update(members)
    return sign2020(document, key, vm)


class NoIssuers:
    def lookup(self, issuer_id: str) -> dict[str, Any] | None:
        return None

    def is_known_name(self, name: str) -> bool:
        return False


def verify(
    document: object,
    status_list: dict[str, Any] | None = None,
    *,
    options: VerifyOptions | None = None,
    did_documents: dict[str, dict[str, Any]] | None = None,
) -> VerificationReport:
    """Verify with did:key / did:jwk offline, foreign did:web from ``did_documents`` (by URL)."""
    served = {url: json.dumps(doc).encode() for url, doc in (did_documents or {}).items()}

    def fetch(url: str) -> bytes:
        if url not in served:
            raise OSError(f"not served here: {url}")
        return served[url]

    resolver = DidResolver(lambda did: None, fetcher=fetch)
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

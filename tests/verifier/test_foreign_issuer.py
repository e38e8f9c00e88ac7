"""A foreign did:web issuer, resolved over HTTPS through the guarded fetch, end to end."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from core.credentials.builder import Recipient, achievement_document, build_credential
from core.credentials.proofs import sign_credential
from core.keys.did import build_did_document
from core.keys.multikey import ed25519_public_multikey
from core.status.bitstring import encode_status_list


def _publish_foreign_credential(
    host: str, documents: dict[str, bytes], revoked: bool
) -> dict[str, Any]:
    key = Ed25519PrivateKey.generate()
    did = f"did:web:{host.replace(':', '%3A')}:issuers:foreign"
    kid = ed25519_public_multikey(key.public_key())
    documents["/issuers/foreign/did.json"] = json.dumps(
        build_did_document(did, [(kid, key.public_key())], [])
    ).encode()
    list_url = f"https://{host}/status/1"
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)

    def sign(document: dict[str, Any]) -> dict[str, Any]:
        return sign_credential(
            document,
            private_key=key,
            verification_method=f"{did}#{kid}",
            created="2025-01-01T00:00:00Z",
        )

    status_list = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": did,
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode_status_list([42] if revoked else [], 131072),
        },
    }
    documents["/status/1"] = json.dumps(sign(status_list)).encode()
    definition = {"name": "Foreign badge", "description": "From elsewhere.", "criteria": "Pass."}
    credential = build_credential(
        credential_url=f"https://{host}/credentials/1",
        issuer={"id": did, "type": ["Profile"], "name": "Foreign Body"},
        achievement=achievement_document(
            "urn:uuid:7b0a4b8e-0000-4000-8000-000000000001", definition
        ),
        recipient=Recipient("someone@example.org", "Someone"),
        valid_from=now - dt.timedelta(days=1),
        valid_until=None,
        awarded=now,
        status={
            "id": f"{list_url}#42",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "42",
            "statusListCredential": list_url,
        },
    )
    return sign(credential)


@pytest.mark.parametrize("revoked", [False, True])
def test_foreign_did_web_is_resolved_over_https(client, foreign_host, revoked: bool) -> None:
    host, documents = foreign_host
    credential = _publish_foreign_credential(host, documents, revoked)
    report = client.post("/api/v1/verify", json={"credential": credential}).json
    steps = {s["id"]: s["code"] for s in report["steps"]}
    assert steps["proof"] == "ok" and steps["issuer"] == "unknown_issuer", report
    assert steps["status"] == ("revoked" if revoked else "not_revoked")
    assert report["verified"] is (not revoked)


def test_foreign_issuer_whose_document_is_gone_is_not_verified(client, foreign_host) -> None:
    host, documents = foreign_host
    credential = _publish_foreign_credential(host, documents, revoked=False)
    del documents["/issuers/foreign/did.json"]
    report = client.post("/api/v1/verify", json={"credential": credential}).json
    assert report["verified"] is False
    assert {s["id"]: s["code"] for s in report["steps"]}["proof"] == "unknown_key"


def test_offline_verification_fetches_nothing(runtime, foreign_host, monkeypatch) -> None:
    """`sceau archive verify` checks an archive offline: keys of this instance only."""
    import core.verifying
    from core.verifying import verify_untrusted

    host, documents = foreign_host
    credential = _publish_foreign_credential(host, documents, revoked=False)
    with runtime.unit() as deps:
        assert verify_untrusted(deps, credential).verified

        def no_fetch(*_args: Any, **_kwargs: Any) -> None:
            raise AssertionError("an offline verification fetched")

        monkeypatch.setattr(core.verifying, "fetch", no_fetch)
        report = verify_untrusted(deps, credential, offline=True)
    assert not report.verified
    assert {s.id: s.code for s in report.steps}["proof"] == "unknown_key"

"""Key binding: a key proves for an issuer only through the issuer's own DID document.

Regression tests of the controller-confusion forgery: a foreign did:web document listing a key
whose `controller` field names one of our bodies made our verifier call the credential genuine
and show the body's name.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sceau_test_support import base_credential

from core.credentials.proofs import sign_credential
from core.credentials.vcjwt import sign_vc_jwt
from core.keys.did import build_did_document
from core.keys.multikey import ed25519_public_multikey, jwk_thumbprint, public_jwk

ED_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(7, 39)))
P256_KEY = ec.derive_private_key(123456789, ec.SECP256R1())
ED_KID = ed25519_public_multikey(ED_KEY.public_key())
JWT_KID = "jwk-" + jwk_thumbprint(public_jwk(P256_KEY.public_key()))


def _did(host: str, slug: str) -> str:
    return f"did:web:{host.replace(':', '%3A')}:issuers:{slug}"


def _publish(documents: dict[str, bytes], did: str, document: dict[str, Any]) -> None:
    slug = did.rsplit(":", 1)[1]
    documents[f"/issuers/{slug}/did.json"] = json.dumps(document).encode()


def _foreign_document(did: str, controller: str) -> dict[str, Any]:
    """A DID document of ``did`` whose methods claim ``controller`` as their controller."""
    document = build_did_document(
        did, [(ED_KID, ED_KEY.public_key())], [(JWT_KID, P256_KEY.public_key())]
    )
    for method in document["verificationMethod"]:
        method["controller"] = controller
    return document


def _credential(issuer_id: str, name: str) -> dict[str, Any]:
    return base_credential(issuer_id, name)


def _signed(credential: dict[str, Any], method_did: str) -> dict[str, Any]:
    return sign_credential(
        credential,
        private_key=ED_KEY,
        verification_method=f"{method_did}#{ED_KID}",
        created="2025-01-01T00:00:00Z",
    )


def _steps(report: dict[str, Any]) -> dict[str, str]:
    return {s["id"]: s["code"] for s in report["steps"]}


def _assert_forgery_refused(report: dict[str, Any], code: str) -> None:
    steps = _steps(report)
    assert report["verified"] is False
    assert steps["proof"] == code
    assert (steps["issuer"], steps["dates"], steps["status"]) == ("skipped", "skipped", "skipped")
    assert report["issuer"]["known"] is False and report["issuer"]["name"] is None


def test_foreign_key_claiming_one_of_our_bodies_as_controller_is_refused(
    client, acme, foreign_host
) -> None:
    host, documents = foreign_host
    foreign = _did(host, "forger")
    _publish(documents, foreign, _foreign_document(foreign, controller=acme.did))
    forged = _signed(_credential(acme.did, "Acme Certification"), foreign)
    report = client.post("/api/v1/verify", json={"credential": forged}).json
    _assert_forgery_refused(report, "key_controller_mismatch")


def test_foreign_jwt_key_claiming_one_of_our_bodies_is_refused(client, acme, foreign_host) -> None:
    host, documents = foreign_host
    foreign = _did(host, "forger")
    _publish(documents, foreign, _foreign_document(foreign, controller=acme.did))
    token = sign_vc_jwt(
        _credential(acme.did, "Acme Certification"),
        private_key=P256_KEY,
        kid=f"{foreign}#{JWT_KID}",
    )
    report = client.post("/api/v1/verify", json={"jwt": token}).json
    _assert_forgery_refused(report, "key_controller_mismatch")


def test_a_key_named_under_our_did_but_absent_from_our_document_is_unknown(
    client, acme, foreign_host
) -> None:
    forged = _signed(_credential(acme.did, "Acme Certification"), acme.did)
    report = client.post("/api/v1/verify", json={"credential": forged}).json
    _assert_forgery_refused(report, "unknown_key")


def test_a_document_served_for_another_did_is_not_used(client, acme, foreign_host) -> None:
    host, documents = foreign_host
    foreign = _did(host, "forger")
    # The forger's URL serves a document that says it is Acme's.
    _publish(documents, foreign, _foreign_document(acme.did, controller=acme.did))
    forged = _signed(_credential(acme.did, "Acme Certification"), foreign)
    report = client.post("/api/v1/verify", json={"credential": forged}).json
    _assert_forgery_refused(report, "unknown_key")


@pytest.mark.parametrize("listed", [True, False])
def test_delegation_holds_only_when_the_controller_document_lists_the_key(
    client, foreign_host, listed: bool
) -> None:
    """A key in host A's document controlled by B proves for B only if B's document says so."""
    host, documents = foreign_host
    holder, controller = _did(host, "keyholder"), _did(host, "controller")
    _publish(documents, holder, _foreign_document(holder, controller=controller))
    controller_document = build_did_document(controller, [], [])
    if listed:
        controller_document["assertionMethod"] = [f"{holder}#{ED_KID}"]
    _publish(documents, controller, controller_document)
    credential = _signed(_credential(controller, "Controller Body"), holder)
    report = client.post("/api/v1/verify", json={"credential": credential}).json
    if listed:
        assert _steps(report)["proof"] == "ok", report
        assert report["issuer"] == {"id": controller, "name": "Controller Body", "known": False}
    else:
        _assert_forgery_refused(report, "key_controller_mismatch")


def test_a_method_claiming_another_controller_does_not_prove_for_its_own_did(
    client, foreign_host
) -> None:
    host, documents = foreign_host
    holder = _did(host, "keyholder")
    _publish(documents, holder, _foreign_document(holder, controller=_did(host, "elsewhere")))
    credential = _signed(_credential(holder, "Key Holder"), holder)
    report = client.post("/api/v1/verify", json={"credential": credential}).json
    _assert_forgery_refused(report, "key_controller_mismatch")

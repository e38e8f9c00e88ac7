"""VC 1.1 credentials with Ed25519Signature2020 and StatusList2021: each attack, then the genuine
case."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from legacy_support import (
    CLOCK,
    ED25519_2020,
    INDEX,
    ISSUER,
    ISSUER_KEY,
    ISSUER_VM,
    LIST_URL,
    OB_3_0_2,
    OB_UNVERSIONED,
    OTHER,
    OTHER_KEY,
    OTHER_VM,
    SKIPPED,
    badge,
    codes,
    sign2020,
    status_list_2021,
    verify,
)

from core.errors import StatusListError, UnsignedDataError
from core.keys.resolver import DidResolver
from core.status.checker import BitstringStatusChecker

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


def test_status_list_2021_suspension() -> None:
    document = badge()
    document["credentialStatus"] = {**document["credentialStatus"], "statusPurpose": "suspension"}
    signed = sign2020(document)
    suspended = status_list_2021(revoked=(INDEX,), purpose="suspension")
    report = verify(signed, suspended)
    assert codes(report)["status"] == "suspended"
    assert not report.verified
    # a revocation list does not answer for a suspension entry
    revocations = status_list_2021(revoked=(INDEX,))
    assert codes(verify(signed, revocations))["status"] == "status_list_unavailable"


# --- known answers from the reference stack (tests/vectors/legacy) ---------------------------


def _vector(name: str) -> dict[str, Any]:
    path = Path(__file__).resolve().parents[2] / "vectors" / "legacy" / name
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def test_the_vcjs_ed25519_2020_badge_verifies_and_its_tampered_copy_does_not() -> None:
    badge_from_vcjs = _vector("vcjs-ed25519-2020-badge.json")
    status_list = _vector("vcjs-status-list-2021.json")
    report = verify(badge_from_vcjs, status_list)
    assert report.verified, report.steps
    assert codes(report)["status"] == "not_revoked"
    tampered = copy.deepcopy(badge_from_vcjs)
    tampered["issuanceDate"] = "2024-01-14T09:00:00Z"
    assert codes(verify(tampered, status_list))["proof"] == "invalid_signature"
    forged_list = copy.deepcopy(status_list)
    forged_list["credentialSubject"]["encodedList"] = status_list_2021(revoked=(94567,))[
        "credentialSubject"
    ]["encodedList"]
    assert codes(verify(badge_from_vcjs, forged_list))["status"] == "status_list_unavailable"


# --- did:web issuers with Ed25519VerificationKey2020 methods ---------------------------------

WEB_DID = "did:web:legacy.example:issuers:academy"
WEB_DOCUMENT_URL = "https://legacy.example/issuers/academy/did.json"


def _web_document(*, listed_in: str = "assertionMethod") -> dict[str, Any]:
    method = {
        "id": f"{WEB_DID}#key-2020",
        "type": "Ed25519VerificationKey2020",
        "controller": WEB_DID,
        "publicKeyMultibase": ISSUER_VM.split("#")[1],
    }
    return {
        "@context": ["https://www.w3.org/ns/did/v1", ED25519_2020],
        "id": WEB_DID,
        "verificationMethod": [method],
        listed_in: [method["id"]],
    }


def test_a_did_web_ed25519_2020_key_proves_only_as_an_assertion_method() -> None:
    document = badge(issuer=WEB_DID)
    del document["credentialStatus"]
    signed = sign2020(document, ISSUER_KEY, f"{WEB_DID}#key-2020")
    report = verify(signed, did_documents={WEB_DOCUMENT_URL: _web_document()})
    assert report.verified, report.steps
    # the same key listed for authentication only does not sign credentials
    only_auth = {WEB_DOCUMENT_URL: _web_document(listed_in="authentication")}
    assert codes(verify(signed, did_documents=only_auth))["proof"] == "unknown_key"
    # the did:key of the same key is another DID: it does not prove for the did:web issuer
    as_did_key = sign2020(document, ISSUER_KEY, ISSUER_VM)
    report = verify(as_did_key, did_documents={WEB_DOCUMENT_URL: _web_document()})
    assert codes(report)["proof"] == "key_controller_mismatch"

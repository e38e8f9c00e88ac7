"""Tests of core.keys.did: did:web naming, DID documents, did:key and verification-method lookup."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from core.encoding import b58encode
from core.errors import InputError, KeyResolutionError
from core.keys.did import (
    ResolvedKey,
    build_did_document,
    did_web,
    did_web_document_url,
    find_verification_method,
    resolve_did_key,
)
from core.keys.multikey import (
    ed25519_private_from_multikey,
    ed25519_public_multikey,
    p256_public_multikey,
    public_jwk,
)

VECTOR_PUBLIC = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
VECTOR_PRIVATE = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
DID = "did:web:certs.example.org:issuers:acme"


def _raw(key: object) -> bytes:
    assert isinstance(key, Ed25519PublicKey)
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


# --- did:web -------------------------------------------------------------------------------


def test_did_web_from_base_url() -> None:
    assert did_web("http://localhost:8000", ["issuers", "acme"]) == (
        "did:web:localhost%3A8000:issuers:acme"
    )
    assert did_web("https://certs.example.org", ["issuers", "acme"]) == DID
    assert did_web("https://certs.example.org/", []) == "did:web:certs.example.org"
    assert did_web("https://Certs.Example.org/sceau", ["issuers", "a b"]) == (
        "did:web:certs.example.org:sceau:issuers:a%20b"
    )


@pytest.mark.parametrize(
    ("base", "segments"),
    [
        ("ftp://example.org", ["a"]),
        ("https://", ["a"]),
        ("https://example.org", [""]),
        ("https://example.org", [".."]),
        ("https://example.org", ["."]),
        ("https://exa_mple.org", ["a"]),
        ("https://example.org:99999", ["a"]),
        ("https://[::1]", ["a"]),
    ],
)
def test_did_web_rejects(base: str, segments: list[str]) -> None:
    with pytest.raises(InputError):
        did_web(base, segments)


@pytest.mark.parametrize(
    ("did", "url"),
    [
        ("did:web:w3c-ccg.github.io", "https://w3c-ccg.github.io/.well-known/did.json"),
        ("did:web:w3c-ccg.github.io:user:alice", "https://w3c-ccg.github.io/user/alice/did.json"),
        ("did:web:example.com%3A3000:user:alice", "https://example.com:3000/user/alice/did.json"),
        ("did:web:localhost%3a8000:issuers:acme", "https://localhost:8000/issuers/acme/did.json"),
        (DID + "#key-1", "https://certs.example.org/issuers/acme/did.json"),
    ],
)
def test_did_web_document_url(did: str, url: str) -> None:
    assert did_web_document_url(did) == url


def test_did_web_document_url_scheme_and_round_trip() -> None:
    did = did_web("http://localhost:8000", ["issuers", "acme"])
    assert did_web_document_url(did, scheme="http") == (
        "http://localhost:8000/issuers/acme/did.json"
    )
    with pytest.raises(InputError):
        did_web_document_url(did, scheme="file")


@pytest.mark.parametrize(
    "bad",
    [
        "did:web:",
        "did:key:z6Mk",
        "did:web:example.com::a",
        "did:web:example.com:a:",
        "did:web:example.com:..:etc",
        "did:web:example.com:%2E%2E:etc",
        "did:web:example.com:a%2Fb",
        "did:web:example.com/evil",
        "did:web:example.com?x=1",
        "did:web:exa mple.com",
        "did:web:example.com%3A",
        "did:web:example.com%3A0",
        "did:web:example.com%3A65536",
        "did:web:example.com%3Aabc",
        "did:web:example.com%2F..%2Fx",
        "did:web:-bad.example.com",
        "did:web:example..com",
        "did:web:user%40example.com",
        "did:web:example.com:a%00b",
    ],
)
def test_did_web_document_url_rejects_malformed(bad: str) -> None:
    with pytest.raises(InputError):
        did_web_document_url(bad)


# --- DID documents -------------------------------------------------------------------------


def test_build_did_document_shape() -> None:
    ed = ed25519_private_from_multikey(VECTOR_PRIVATE).public_key()
    p256 = ec.generate_private_key(ec.SECP256R1()).public_key()
    doc = build_did_document(DID, [("key-1", ed)], [("jwt-1", p256)])
    assert doc == {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": DID,
        "verificationMethod": [
            {
                "id": DID + "#key-1",
                "type": "Multikey",
                "controller": DID,
                "publicKeyMultibase": VECTOR_PUBLIC,
            },
            {
                "id": DID + "#jwt-1",
                "type": "JsonWebKey",
                "controller": DID,
                "publicKeyJwk": public_jwk(p256),
            },
        ],
        "assertionMethod": [DID + "#key-1", DID + "#jwt-1"],
    }


def test_build_did_document_rejects_bad_or_duplicate_fragments() -> None:
    ed = Ed25519PrivateKey.generate().public_key()
    with pytest.raises(InputError):
        build_did_document(DID, [("", ed)], [])
    with pytest.raises(InputError):
        build_did_document(DID, [("a#b", ed)], [])
    with pytest.raises(InputError):
        build_did_document(DID, [("k", ed), ("k", ed)], [])


def test_find_verification_method_in_our_documents() -> None:
    ed = Ed25519PrivateKey.generate().public_key()
    p256 = ec.generate_private_key(ec.SECP256R1()).public_key()
    doc = build_did_document(DID, [("key-1", ed)], [("jwt-1", p256)])
    found = find_verification_method(doc, DID + "#key-1")
    assert found.id == DID + "#key-1" and found.controller == DID and found.type == "Multikey"
    assert _raw(found.public_key) == _raw(ed)
    relative = find_verification_method(doc, "#jwt-1")
    assert relative.id == DID + "#jwt-1" and relative.type == "JsonWebKey"
    assert isinstance(relative.public_key, ec.EllipticCurvePublicKey)
    assert relative.public_key.public_numbers() == p256.public_numbers()


def _doc(method: dict[str, Any], assertion: list[Any] | None = None) -> dict[str, Any]:
    return {
        "id": DID,
        "verificationMethod": [method],
        "assertionMethod": [method["id"]] if assertion is None else assertion,
    }


def test_find_verification_method_errors_are_unknown_key() -> None:
    ed = Ed25519PrivateKey.generate().public_key()
    doc = build_did_document(DID, [("key-1", ed)], [])
    for vm_id in [DID + "#key-2", "#nope", "did:web:other.example#key-1"]:
        with pytest.raises(KeyResolutionError) as info:
            find_verification_method(doc, vm_id)
        assert info.value.code == "unknown_key"
    not_assertion = {**doc, "assertionMethod": [], "authentication": [DID + "#key-1"]}
    with pytest.raises(KeyResolutionError) as info:
        find_verification_method(not_assertion, DID + "#key-1")
    assert info.value.code == "unknown_key"
    with pytest.raises(KeyResolutionError):
        find_verification_method({"verificationMethod": []}, "#key-1")


def test_find_verification_method_relative_ids_and_embedded_methods() -> None:
    ed = Ed25519PrivateKey.generate().public_key()
    method = {
        "id": "#k",
        "type": "Ed25519VerificationKey2020",
        "controller": DID,
        "publicKeyMultibase": ed25519_public_multikey(ed),
    }
    found = find_verification_method(_doc(method, ["#k"]), DID + "#k")
    assert found.type == "Ed25519VerificationKey2020" and _raw(found.public_key) == _raw(ed)
    embedded = {"id": DID, "assertionMethod": [{**method, "id": DID + "#e"}]}
    assert _raw(find_verification_method(embedded, "#e").public_key) == _raw(ed)


def test_find_verification_method_other_encodings() -> None:
    ed = Ed25519PrivateKey.generate().public_key()
    p256 = ec.generate_private_key(ec.SECP256R1()).public_key()
    legacy = {
        "id": DID + "#legacy",
        "type": "Ed25519VerificationKey2018",
        "controller": DID,
        "publicKeyBase58": b58encode(ed.public_bytes(Encoding.Raw, PublicFormat.Raw)),
    }
    assert _raw(find_verification_method(_doc(legacy), "#legacy").public_key) == _raw(ed)
    okp = {
        "id": DID + "#okp",
        "type": "JsonWebKey2020",
        "controller": DID,
        "publicKeyJwk": public_jwk(ed),
    }
    assert _raw(find_verification_method(_doc(okp), "#okp").public_key) == _raw(ed)
    multikey_p256 = {
        "id": DID + "#p",
        "type": "Multikey",
        "controller": DID,
        "publicKeyMultibase": p256_public_multikey(p256),
    }
    found = find_verification_method(_doc(multikey_p256), "#p").public_key
    assert isinstance(found, ec.EllipticCurvePublicKey)
    assert found.public_numbers() == p256.public_numbers()


def test_a_claimed_controller_is_reported_beside_the_documents_own_did() -> None:
    """The method's controller field is only a claim: the DID that vouches is the document's."""
    ed = Ed25519PrivateKey.generate().public_key()
    method = {
        "id": DID + "#k",
        "type": "Multikey",
        "controller": "did:web:evil.example",
        "publicKeyMultibase": ed25519_public_multikey(ed),
    }
    found = find_verification_method(_doc(method), "#k")
    assert (found.did, found.controller) == (DID, "did:web:evil.example")


def test_a_document_cannot_vouch_for_a_method_under_another_did() -> None:
    ed = Ed25519PrivateKey.generate().public_key()
    other = "did:web:acme.example"
    method = {
        "id": other + "#k",
        "type": "Multikey",
        "controller": other,
        "publicKeyMultibase": ed25519_public_multikey(ed),
    }
    with pytest.raises(KeyResolutionError, match="not under the document's DID"):
        find_verification_method(_doc(method), other + "#k")


@pytest.mark.parametrize(
    "method",
    [
        {"type": "Multikey", "controller": DID, "publicKeyMultibase": "z6MkBAD"},
        {"type": "Multikey", "controller": DID},
        {"type": "Multikey", "publicKeyMultibase": VECTOR_PUBLIC},
        {"type": "JsonWebKey", "controller": DID, "publicKeyJwk": {"kty": "EC", "crv": "P-256"}},
        {"type": "JsonWebKey", "controller": DID},
        {"type": "RsaVerificationKey2018", "controller": DID, "publicKeyPem": "x"},
        {"type": "Ed25519VerificationKey2018", "controller": DID, "publicKeyBase58": "0OIl"},
        {"controller": DID, "publicKeyMultibase": VECTOR_PUBLIC},
    ],
)
def test_undecodable_methods(method: dict[str, Any]) -> None:
    with pytest.raises(KeyResolutionError):
        find_verification_method(_doc({**method, "id": DID + "#k"}), "#k")


# --- did:key -------------------------------------------------------------------------------


def test_resolve_did_key_ed25519() -> None:
    did = "did:key:" + VECTOR_PUBLIC
    expected_raw = _raw(ed25519_private_from_multikey(VECTOR_PRIVATE).public_key())
    for url in (did, did + "#" + VECTOR_PUBLIC):
        resolved = resolve_did_key(url)
        assert resolved == ResolvedKey(
            id=did + "#" + VECTOR_PUBLIC,
            controller=did,
            public_key=resolved.public_key,
            type="Multikey",
            did=did,
        )
        assert _raw(resolved.public_key) == expected_raw


def test_resolve_did_key_spec_examples() -> None:
    # Examples from the did:key method specification.
    ed = resolve_did_key("did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp")
    assert isinstance(ed.public_key, Ed25519PublicKey)
    p = resolve_did_key("did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169")
    assert isinstance(p.public_key, ec.EllipticCurvePublicKey)


def test_resolve_did_key_p256_round_trip() -> None:
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    resolved = resolve_did_key("did:key:" + p256_public_multikey(key))
    assert isinstance(resolved.public_key, ec.EllipticCurvePublicKey)
    assert resolved.public_key.public_numbers() == key.public_numbers()


@pytest.mark.parametrize(
    "bad",
    [
        "did:web:example.com",
        "did:key:",
        "did:key:z6MkBAD",
        "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme",  # secp256k1
        "did:key:" + VECTOR_PUBLIC + "#other",
        "did:key:" + VECTOR_PRIVATE,
    ],
)
def test_resolve_did_key_rejects(bad: str) -> None:
    with pytest.raises(KeyResolutionError):
        resolve_did_key(bad)

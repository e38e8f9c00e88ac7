"""Tests of core.keys.resolver: did:key locally, our did:web from the DB, others fetched."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from core.errors import FetchError, KeyCompromised, KeyControllerMismatch, KeyResolutionError
from core.keys.did import build_did_document, did_web_document_url
from core.keys.multikey import ed25519_public_multikey
from core.keys.resolver import DidResolver, KeyState, LocalDid, key_for_issuer

OURS = "did:web:certs.example.test:issuers:acme"
FOREIGN = "did:web:other.example:issuers:beta"
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))


def document(did: str, key: Ed25519PrivateKey = KEY) -> dict[str, Any]:
    return build_did_document(did, [("k1", key.public_key())], [])


class Fetcher:
    def __init__(self, bodies: dict[str, bytes | Exception]) -> None:
        self.bodies = bodies
        self.urls: list[str] = []

    def __call__(self, url: str) -> bytes:
        self.urls.append(url)
        body = self.bodies.get(url, FetchError("not found"))
        if isinstance(body, Exception):
            raise body
        return body


class Ticker:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_local_did_web_comes_from_the_database() -> None:
    fetcher = Fetcher({})
    resolver = DidResolver({OURS: document(OURS)}.get, fetcher=fetcher)
    key = resolver.resolve(OURS + "#k1")
    assert key.controller == OURS and key.id == OURS + "#k1"
    assert fetcher.urls == []


def test_did_key_is_decoded_locally() -> None:
    multikey = ed25519_public_multikey(KEY.public_key())
    resolver = DidResolver(lambda did: None, fetcher=None)
    key = resolver.resolve(f"did:key:{multikey}#{multikey}")
    assert key.controller == f"did:key:{multikey}"


def test_foreign_did_web_is_fetched_over_https_and_cached() -> None:
    url = "https://other.example/issuers/beta/did.json"
    fetcher = Fetcher({url: json.dumps(document(FOREIGN)).encode()})
    ticker = Ticker()
    resolver = DidResolver(lambda did: None, fetcher=fetcher, cache_seconds=300, monotonic=ticker)
    assert resolver.resolve(FOREIGN + "#k1").controller == FOREIGN
    assert resolver.resolve(FOREIGN + "#k1").controller == FOREIGN
    assert fetcher.urls == [url]
    ticker.now += 301
    resolver.resolve(FOREIGN + "#k1")
    assert fetcher.urls == [url, url]


def test_cache_is_bounded() -> None:
    dids = [f"did:web:host{i}.example" for i in range(3)]
    bodies: dict[str, bytes | Exception] = {
        f"https://host{i}.example/.well-known/did.json": json.dumps(document(did)).encode()
        for i, did in enumerate(dids)
    }
    fetcher = Fetcher(bodies)
    resolver = DidResolver(lambda did: None, fetcher=fetcher, max_entries=2)
    for did in [*dids, dids[2], dids[0]]:
        resolver.resolve(did + "#k1")
    assert len(fetcher.urls) == 4  # dids[0] was evicted, dids[2] was still cached


@pytest.mark.parametrize(
    "body",
    [
        FetchError("refused"),
        OSError("reset"),
        b"not json",
        b"[]",
        json.dumps(document("did:web:someone.else")).encode(),  # a document for another DID
        b"[" * 100 + b"]" * 100,
    ],
)
def test_bad_foreign_documents(body: bytes | Exception) -> None:
    url = "https://other.example/issuers/beta/did.json"
    resolver = DidResolver(lambda did: None, fetcher=Fetcher({url: body}))
    with pytest.raises(KeyResolutionError):
        resolver.resolve(FOREIGN + "#k1")


@pytest.mark.parametrize(
    "vm_id",
    [
        "",
        "https://example.org/keys/1",
        "did:example:123#k1",
        "did:web:" + "a" * 3000,
        "did:web:bad host#k1",
        "did:web:other.example:..#k1",
        OURS + "#missing",
        "did:key:zNotAKey",
    ],
)
def test_unresolvable_ids(vm_id: str) -> None:
    resolver = DidResolver({OURS: document(OURS)}.get, fetcher=Fetcher({}))
    with pytest.raises(KeyResolutionError) as caught:
        resolver.resolve(vm_id)
    assert caught.value.code == "unknown_key"


def test_unknown_did_of_this_instance_is_not_fetched_from_ourselves() -> None:
    fetcher = Fetcher({})
    resolver = DidResolver(
        lambda did: None, fetcher=fetcher, local_authorities=["certs.example.test"]
    )
    with pytest.raises(KeyResolutionError):
        resolver.resolve("did:web:certs.example.test:issuers:gone#k1")
    assert fetcher.urls == []


def test_without_fetcher_foreign_dids_are_unknown() -> None:
    resolver = DidResolver(lambda did: None, fetcher=None)
    with pytest.raises(KeyResolutionError):
        resolver.resolve(FOREIGN + "#k1")


# --- binding a key to an issuer --------------------------------------------------------------


def _claiming(did: str, controller: str, key: Ed25519PrivateKey = KEY) -> dict[str, Any]:
    doc = document(did, key)
    doc["verificationMethod"][0]["controller"] = controller
    return doc


def _foreign(*docs: dict[str, Any]) -> DidResolver:
    bodies: dict[str, bytes | Exception] = {
        did_web_document_url(d["id"]): json.dumps(d).encode() for d in docs
    }
    return DidResolver({OURS: document(OURS, OTHER_KEY)}.get, fetcher=Fetcher(bodies))


def test_a_key_proves_for_the_did_of_its_own_document() -> None:
    key = key_for_issuer(_foreign(document(FOREIGN)), FOREIGN + "#k1", FOREIGN)
    assert (key.did, key.controller) == (FOREIGN, FOREIGN)


def test_a_foreign_key_claiming_our_did_as_controller_does_not_prove_for_us() -> None:
    resolver = _foreign(_claiming(FOREIGN, controller=OURS))
    with pytest.raises(KeyControllerMismatch):
        key_for_issuer(resolver, FOREIGN + "#k1", OURS)


def test_a_key_proves_for_no_other_issuer() -> None:
    with pytest.raises(KeyControllerMismatch):
        key_for_issuer(_foreign(document(FOREIGN)), FOREIGN + "#k1", OURS)


def test_a_controller_listing_the_key_in_its_own_document_adopts_it() -> None:
    third = "did:web:third.example"
    controller_doc = document(third)
    controller_doc["assertionMethod"].append(FOREIGN + "#k1")
    resolver = _foreign(_claiming(FOREIGN, controller=third), controller_doc)
    assert key_for_issuer(resolver, FOREIGN + "#k1", third).did == FOREIGN
    with pytest.raises(KeyControllerMismatch):  # the key's own DID is not its controller
        key_for_issuer(resolver, FOREIGN + "#k1", FOREIGN)


def test_a_controller_listing_the_key_only_as_authentication_does_not_adopt_it() -> None:
    third = "did:web:third.example"
    controller_doc = document(third)
    controller_doc["authentication"] = [FOREIGN + "#k1"]
    resolver = _foreign(_claiming(FOREIGN, controller=third), controller_doc)
    with pytest.raises(KeyControllerMismatch):
        key_for_issuer(resolver, FOREIGN + "#k1", third)


def test_states_of_our_keys_come_with_the_local_document() -> None:
    retired = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    local = LocalDid(
        document(OURS),
        {OURS + "#k1": KeyState(retired_at=retired), OURS + "#gone": KeyState(compromised=True)},
    )
    resolver = DidResolver({OURS: local}.get, fetcher=None)
    assert resolver.resolve(OURS + "#k1").retired_at == retired
    with pytest.raises(KeyCompromised) as caught:
        resolver.resolve(OURS + "#gone")
    assert caught.value.code == "key_compromised"

"""Tests of core.keys.resolver: did:key locally, our did:web from the DB, others fetched."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from core.errors import FetchError, KeyResolutionError
from core.keys.did import build_did_document
from core.keys.multikey import ed25519_public_multikey
from core.keys.resolver import DidResolver

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

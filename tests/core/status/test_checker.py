"""Tests of core.status.checker: the verifier's Bitstring Status List checker (fail closed)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from sceau_test_support import GOLDEN_DIR, load_golden_module

from core.clock import FixedClock
from core.errors import FetchError, StatusListError
from core.keys.resolver import DidResolver
from core.status.bitstring import encode_status_list
from core.status.checker import BitstringStatusChecker

G = load_golden_module()
STATUS_LIST: dict[str, Any] = json.loads((GOLDEN_DIR / "status-list.json").read_text("utf-8"))


class MovableClock(FixedClock):
    def advance(self, seconds: int) -> None:
        self.instant = self.instant + timedelta(seconds=seconds)


class CountingFetcher:
    def __init__(self, body: bytes | Exception) -> None:
        self.body = body
        self.urls: list[str] = []

    def __call__(self, url: str) -> bytes:
        self.urls.append(url)
        if isinstance(self.body, Exception):
            raise self.body
        return self.body


@pytest.fixture(scope="module")
def resolver() -> DidResolver:
    return DidResolver({G.ISSUER_DID: G.did_document()}.get, fetcher=None)


def entry(index: str = "7", purpose: str = "revocation", url: str = G.LIST_URL) -> dict[str, Any]:
    return {
        "id": f"{url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": index,
        "statusListCredential": url,
    }


def local_checker(
    resolver: DidResolver, document: dict[str, Any] | None = None, **kwargs: Any
) -> BitstringStatusChecker:
    lists = {G.LIST_URL: document if document is not None else STATUS_LIST}
    return BitstringStatusChecker(resolver, lists.get, None, FixedClock(G.NOW), 60, 20000, **kwargs)


def signed_list(**changes: Any) -> dict[str, Any]:
    unsigned = {k: v for k, v in STATUS_LIST.items() if k != "proof"}
    subject = {**unsigned["credentialSubject"], **changes.pop("subject", {})}
    unsigned = {**unsigned, **changes, "credentialSubject": subject}
    signed: dict[str, Any] = G._sign(unsigned, G.keys()["acme_ed25519"], G.ED_KEY_ID)
    return signed


def test_reads_the_bit(resolver: DidResolver) -> None:
    checker = local_checker(resolver)
    assert checker.is_revoked(entry("7"), issuer_id=G.ISSUER_DID) is True
    assert checker.is_revoked(entry("42"), issuer_id=G.ISSUER_DID) is False
    assert checker.is_revoked(entry("0"), issuer_id=G.ISSUER_DID) is False
    assert checker.is_revoked(entry("131071"), issuer_id=G.ISSUER_DID) is False


@pytest.mark.parametrize("index", ["7a", "-1", "+7", " 7", "0x7", "", "٧", "12345678901", "131072"])
def test_bad_indexes_are_refused(index: str, resolver: DidResolver) -> None:
    with pytest.raises(StatusListError):
        local_checker(resolver).is_revoked(entry(index), issuer_id=G.ISSUER_DID)


def test_integer_index_is_refused(resolver: DidResolver) -> None:
    with pytest.raises(StatusListError):
        bad = {**entry(), "statusListIndex": 7}
        local_checker(resolver).is_revoked(bad, issuer_id=G.ISSUER_DID)


def test_subject_must_be_one_status_list(resolver: DidResolver) -> None:
    unsigned = {k: v for k, v in STATUS_LIST.items() if k != "proof"}
    unsigned["credentialSubject"] = [unsigned["credentialSubject"]]
    listed = G._sign(unsigned, G.keys()["acme_ed25519"], G.ED_KEY_ID)
    with pytest.raises(StatusListError, match="BitstringStatusList"):
        local_checker(resolver, listed).is_revoked(entry(), issuer_id=G.ISSUER_DID)


def test_list_of_another_issuer_is_refused(resolver: DidResolver) -> None:
    checker = local_checker(resolver)
    with pytest.raises(StatusListError, match="issuer"):
        checker.is_revoked(entry(), issuer_id="did:web:evil.example")
    # and a verified, cached list does not serve another issuer either
    assert checker.is_revoked(entry(), issuer_id=G.ISSUER_DID)
    with pytest.raises(StatusListError, match="issuer"):
        checker.is_revoked(entry(), issuer_id="did:web:evil.example")


def test_tampered_list_is_refused(resolver: DidResolver) -> None:
    tampered = json.loads(json.dumps(STATUS_LIST))
    tampered["credentialSubject"]["encodedList"] = encode_status_list([], G.LIST_SIZE)
    with pytest.raises(StatusListError, match="proof"):
        local_checker(resolver, tampered).is_revoked(entry(), issuer_id=G.ISSUER_DID)


def test_unsigned_list_is_refused(resolver: DidResolver) -> None:
    unsigned = {k: v for k, v in STATUS_LIST.items() if k != "proof"}
    with pytest.raises(StatusListError, match="proof"):
        local_checker(resolver, unsigned).is_revoked(entry(), issuer_id=G.ISSUER_DID)


def test_purpose_must_match(resolver: DidResolver) -> None:
    with pytest.raises(StatusListError, match="purpose"):
        local_checker(resolver).is_revoked(entry(purpose="suspension"), issuer_id=G.ISSUER_DID)


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"validUntil": "2026-01-01T00:00:00Z"}, "expired"),
        ({"validFrom": "2027-01-01T00:00:00Z"}, "not valid yet"),
        ({"type": ["VerifiableCredential"]}, "BitstringStatusListCredential"),
        ({"id": G.BASE_URL + "/status/acme/2"}, "id"),
        ({"subject": {"encodedList": "uH4sInotgzip"}}, "decoded"),
    ],
)
def test_list_checks(changes: dict[str, Any], match: str, resolver: DidResolver) -> None:
    with pytest.raises(StatusListError, match=match):
        local_checker(resolver, signed_list(**changes)).is_revoked(entry(), issuer_id=G.ISSUER_DID)


def test_short_list_index_out_of_range(resolver: DidResolver) -> None:
    short = signed_list(subject={"encodedList": encode_status_list([7], 64)})
    checker = local_checker(resolver, short)
    assert checker.is_revoked(entry("7"), issuer_id=G.ISSUER_DID)
    with pytest.raises(StatusListError, match="outside"):
        checker.is_revoked(entry("64"), issuer_id=G.ISSUER_DID)


def test_fetches_foreign_lists_and_caches_them(resolver: DidResolver) -> None:
    fetcher = CountingFetcher(json.dumps(STATUS_LIST).encode())
    clock = MovableClock(G.NOW)
    checker = BitstringStatusChecker(resolver, lambda url: None, fetcher, clock, 60, 20000)
    assert checker.is_revoked(entry("7"), issuer_id=G.ISSUER_DID)
    assert not checker.is_revoked(entry("42"), issuer_id=G.ISSUER_DID)
    assert fetcher.urls == [G.LIST_URL]
    clock.advance(61)
    assert checker.is_revoked(entry("7"), issuer_id=G.ISSUER_DID)
    assert fetcher.urls == [G.LIST_URL, G.LIST_URL]


def test_local_lists_come_first(resolver: DidResolver) -> None:
    fetcher = CountingFetcher(FetchError("must not be called"))
    checker = BitstringStatusChecker(
        resolver, {G.LIST_URL: STATUS_LIST}.get, fetcher, FixedClock(G.NOW), 60, 20000
    )
    assert checker.is_revoked(entry(), issuer_id=G.ISSUER_DID)
    assert fetcher.urls == []


def test_cache_is_bounded(resolver: DidResolver) -> None:
    other_url = G.BASE_URL + "/status/acme/2"
    other = signed_list(id=other_url)
    documents = {G.LIST_URL: STATUS_LIST, other_url: other}
    calls: list[str] = []

    def local(url: str) -> dict[str, Any] | None:
        calls.append(url)
        return documents.get(url)

    checker = BitstringStatusChecker(
        resolver, local, None, FixedClock(G.NOW), 60, 20000, max_entries=1
    )
    checker.is_revoked(entry(), issuer_id=G.ISSUER_DID)
    checker.is_revoked(entry(url=other_url), issuer_id=G.ISSUER_DID)
    checker.is_revoked(entry(url=other_url), issuer_id=G.ISSUER_DID)
    checker.is_revoked(entry(), issuer_id=G.ISSUER_DID)
    assert calls == [G.LIST_URL, other_url, G.LIST_URL]


def test_cache_never_outlives_the_list(resolver: DidResolver) -> None:
    short_lived = signed_list(
        validUntil=(G.NOW + timedelta(seconds=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    )
    clock = MovableClock(G.NOW)
    checker = BitstringStatusChecker(
        resolver, {G.LIST_URL: short_lived}.get, None, clock, 3600, 20000
    )
    assert checker.is_revoked(entry(), issuer_id=G.ISSUER_DID)
    clock.advance(11)
    with pytest.raises(StatusListError, match="expired"):
        checker.is_revoked(entry(), issuer_id=G.ISSUER_DID)


@pytest.mark.parametrize(
    "body", [FetchError("refused"), OSError("reset"), b"not json", b"[]", b'{"a": NaN}']
)
def test_fetch_failures_are_status_list_errors(body: Any, resolver: DidResolver) -> None:
    checker = BitstringStatusChecker(
        resolver, lambda url: None, CountingFetcher(body), FixedClock(G.NOW), 60, 20000
    )
    with pytest.raises(StatusListError):
        checker.is_revoked(entry(), issuer_id=G.ISSUER_DID)


def test_no_fetcher_means_unavailable(resolver: DidResolver) -> None:
    checker = BitstringStatusChecker(resolver, lambda url: None, None, FixedClock(G.NOW))
    with pytest.raises(StatusListError):
        checker.is_revoked(entry(), issuer_id=G.ISSUER_DID)


@pytest.mark.parametrize(
    "bad",
    [
        None,
        {**entry(), "type": "StatusList2021Entry"},
        {**entry(), "statusListCredential": None},
        {**entry(), "statusListCredential": "https://x/" + "a" * 3000},
        {**entry(), "statusPurpose": ""},
    ],
)
def test_malformed_entries(bad: Any, resolver: DidResolver) -> None:
    with pytest.raises(StatusListError):
        local_checker(resolver).is_revoked(bad, issuer_id=G.ISSUER_DID)


def test_now_is_after_the_golden_validity_start() -> None:
    assert datetime.fromisoformat(STATUS_LIST["validFrom"].replace("Z", "+00:00")) < G.NOW

"""The process-wide cache of fetched foreign documents used by the verifier."""

from __future__ import annotations

import pytest

from core.errors import FetchError
from core.verifying import _FetchCache


def test_bodies_are_kept_for_their_period_and_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr("core.verifying.time.monotonic", lambda: now[0])
    calls: list[str] = []

    def load(url: str) -> bytes:
        calls.append(url)
        return url.encode()

    cache = _FetchCache(max_entries=2)
    assert cache.get("https://a.example/1", 60, load) == b"https://a.example/1"
    assert cache.get("https://a.example/1", 60, load) == b"https://a.example/1"
    assert calls == ["https://a.example/1"]
    now[0] += 61
    cache.get("https://a.example/1", 60, load)
    assert len(calls) == 2
    cache.get("https://b.example/", 60, load)
    cache.get("https://c.example/", 60, load)
    cache.get("https://a.example/1", 60, load)  # evicted by the bound of 2
    assert len(calls) == 5
    cache.get("https://d.example/", 0, load)
    cache.get("https://d.example/", 0, load)  # a period of 0 caches nothing
    assert calls.count("https://d.example/") == 2


def test_failures_are_not_cached() -> None:
    attempts = []

    def failing(url: str) -> bytes:
        attempts.append(url)
        raise FetchError("down")

    cache = _FetchCache()
    for _ in range(2):
        with pytest.raises(FetchError):
            cache.get("https://down.example/", 60, failing)
    assert len(attempts) == 2


def test_a_host_that_timed_out_fails_fast_for_one_period(monkeypatch: pytest.MonkeyPatch) -> None:
    """Red team, round 2: a new DID on a stalling host in every request held a worker 5 s each."""
    now = [1000.0]
    monkeypatch.setattr("core.verifying.time.monotonic", lambda: now[0])
    calls: list[str] = []

    def stalling(url: str) -> bytes:
        calls.append(url)
        raise FetchError("timed out", code="fetch_timeout")

    cache = _FetchCache()
    for n in range(3):
        with pytest.raises(FetchError) as info:
            cache.get(f"https://slow.example:8443/issuers/{n}/did.json", 60, stalling)
        assert info.value.code == "fetch_timeout"
    assert calls == ["https://slow.example:8443/issuers/0/did.json"]
    other = cache.get("https://fast.example/did.json", 60, lambda url: b"{}")
    assert other == b"{}"  # other hosts are not affected
    now[0] += 61
    with pytest.raises(FetchError):
        cache.get("https://slow.example:8443/issuers/9/did.json", 60, stalling)
    assert len(calls) == 2  # tried again after the period


def test_without_a_cache_period_nothing_is_remembered() -> None:
    calls: list[str] = []

    def stalling(url: str) -> bytes:
        calls.append(url)
        raise FetchError("timed out", code="fetch_timeout")

    cache = _FetchCache()
    for _ in range(2):
        with pytest.raises(FetchError):
            cache.get("https://slow.example/did.json", 0, stalling)
    assert len(calls) == 2


class _Stalls:
    """A loader whose every fetch times out, recording the URLs it was asked for."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, url: str) -> bytes:
        self.calls.append(url)
        raise FetchError("timed out", code="fetch_timeout")

    def try_each(self, cache: _FetchCache, urls: tuple[str, ...]) -> list[str]:
        for url in urls:
            with pytest.raises(FetchError):
                cache.get(url, 60, self)
        return self.calls


def test_addresses_of_one_network_that_time_out_fail_fast_together() -> None:
    """Found by the red team: a fresh unreachable IPv6 address in every request escaped the
    per-host memory and held a sync worker for the fetch timeout each time."""
    cache = _FetchCache()
    urls = (
        "https://[2001:db8:1:2::1]/c/1",
        "https://[2001:db8:1:2::ffff]/c/1",
        "https://[2001:db8:1:2:aaaa::5]:8443/x",
        "https://203.0.113.7/c/1",
        "https://203.0.113.200/c/1",
    )
    # One attempt per network (/64 for IPv6, /24 for IPv4), the rest refused at once.
    assert _Stalls().try_each(cache, urls) == [urls[0], urls[3]]
    assert cache.get("https://[2001:db8:1:3::1]/c/1", 60, lambda url: b"{}") == b"{}"


def test_other_spellings_of_one_network_share_its_stall() -> None:
    """Found by the red team (round 2): 16909061, 0x1020307, 1.2.776 or fullwidth digits are all
    1.2.3.x to the resolver, and fresh names under one domain all one server."""
    urls = (
        "https://1.2.3.4/a",
        "https://16909061/a",
        "https://0x1020307/a",
        "https://1.2.776/a",
        "https://\uff11.\uff12.\uff13.\uff14/a",
        "https://a1.stall.example/x",
        "https://b2.stall.example/x",
        "https://c3.deep.STALL.example./x",
    )
    assert _Stalls().try_each(_FetchCache(), urls) == [urls[0], urls[5]]

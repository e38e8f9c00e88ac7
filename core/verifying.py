"""The verifier as this instance runs it: the pipeline wired to the database and core.net."""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

from sqlalchemy import bindparam, select

from core.credentials.report import VerificationReport
from core.credentials.steps import THIS_SERVICE, loose_name
from core.credentials.verify import VerifyOptions, verify_credential
from core.db.models import Credential, Organization, StatusList
from core.deps import Deps
from core.errors import FetchError, StatusListError
from core.keys.directory import find_org, local_did_document, slug_from_did
from core.keys.resolver import DidResolver
from core.net.fetch import fetch
from core.settings import Settings
from core.status.checker import BitstringStatusChecker
from core.status.lists import find_list
from core.urls import issuer_profile_url, parse_status_list_url

K = TypeVar("K")
V = TypeVar("V")


class _Issuers:
    """The issuers the pipeline knows: this instance's organizations first (their DIDs are of
    this origin and they are vouched for by this service), then the trusted issuers registry
    (SCEAU_TRUSTED_ISSUERS), matched on the exact DID."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def lookup(self, issuer_id: str) -> dict[str, Any] | None:
        settings = self.deps.settings
        # The exact DID only: slug_from_did also reads DID URLs (…:acme#key-1), which name a
        # key or a resource, not the body.
        slug = slug_from_did(settings, issuer_id) if "#" not in issuer_id else None
        org = find_org(self.deps.session, slug) if slug else None
        if org is not None:
            return {
                "id": issuer_id,
                "name": org.name,
                "url": org.url or issuer_profile_url(settings.base_url, org.slug),
                "registry": THIS_SERVICE,
            }
        registered = (
            settings.trusted_issuers.lookup(issuer_id) if settings.trusted_issuers else None
        )
        if registered is None:
            return None
        return {
            "id": issuer_id,
            "name": registered.name,
            "url": registered.url,
            "registry": settings.trusted_issuers.name if settings.trusted_issuers else None,
        }

    def is_known_name(self, name: str) -> bool:
        wanted = loose_name(name)
        registry = self.deps.settings.trusted_issuers
        if registry is not None and any(
            loose_name(entry.name) == wanted for entry in registry.entries.values()
        ):
            return True
        names = self.deps.session.scalars(select(Organization.name))
        return any(loose_name(body) == wanted for body in names)


def _local_status_list(deps: Deps, url: str) -> dict[str, Any] | None:
    """A status list of this instance; None for another origin. A URL of this origin that
    names no list is an error: it is never fetched from ourselves over the network."""
    if not url.startswith(f"{deps.settings.base_url}/"):
        return None
    found = None
    named = parse_status_list_url(deps.settings.base_url, url)
    if named is not None:
        org = find_org(deps.session, named[0])
        found = find_list(deps.session, org, named[1]) if org is not None else None
    if found is None or found.signed_credential is None:
        raise StatusListError("No status list of this service has this URL.")
    return found.signed_credential


class _TtlCache(Generic[K, V]):
    """A process-wide LRU whose entries expire after their own time-to-live (monotonic clock)."""

    def __init__(self, max_entries: int) -> None:
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries

    def get(self, key: K) -> V | None:
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] <= now:
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: K, value: V, ttl: float) -> None:
        if ttl <= 0:
            return
        with self._lock:
            self._entries[key] = (time.monotonic() + ttl, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)


def _network_of(url: str) -> str:
    """What a stall is remembered by: for an address its network (/64 for IPv6, /24 for IPv4,
    however the address is spelled: 16909061, 0x1020307 and 1.2.776 are all 1.2.3.x to the
    resolver), for a name its last two labels (fresh names under one domain are one server):
    a fresh spelling in every request is the same stall."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return url
    host = unicodedata.normalize("NFKC", host).lower().rstrip(".")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        try:
            address = ipaddress.ip_address(socket.inet_aton(host))  # the resolver's old forms
        except OSError:
            return ".".join(host.rsplit(".", 2)[-2:])
    prefix = 64 if address.version == 6 else 24
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


class _FetchCache:
    """Bodies of foreign DID documents and status lists, kept for one cache period per process.

    Resolvers and checkers live for one request; this cache is what spares a foreign issuer a
    request per verification. What it holds is still untrusted: every use verifies it again.
    """

    def __init__(self, max_entries: int = 256) -> None:
        self._bodies: _TtlCache[str, bytes] = _TtlCache(max_entries)
        # Hosts (networks, for addresses) whose last fetch ran out of time: for one period, their
        # other URLs fail at once.
        # Otherwise anyone could name a new DID on a stalling host in every request and hold a
        # sync worker for the whole fetch timeout each time.
        self._stalling: _TtlCache[str, bool] = _TtlCache(max_entries)

    def get(self, url: str, ttl: float, load: Callable[[str], bytes]) -> bytes:
        body = self._bodies.get(url)
        if body is not None:
            return body
        host = _network_of(url)
        if self._stalling.get(host):
            raise FetchError(f"{url}: its host timed out moments ago", code="fetch_timeout")
        try:
            body = load(url)
        except FetchError as error:
            if error.code == "fetch_timeout":
                self._stalling.put(host, True, ttl)
            raise
        self._bodies.put(url, body, ttl)
        return body


_FETCHED = _FetchCache()


def _fetcher(settings: Settings, accept: str | None = None) -> Callable[[str], bytes]:
    def load(url: str) -> bytes:
        result = fetch(
            url,
            timeout=settings.net_timeout_seconds,
            max_bytes=settings.net_max_bytes,
            allow_private=settings.net_allow_private,
            allow_http=settings.net_allow_http,
            **({"accept": accept} if accept else {}),
        )
        if not result.ok:
            raise FetchError(f"{url} answered HTTP {result.status}", code="fetch_failed")
        return result.body

    return lambda url: _FETCHED.get(url, settings.status_cache_seconds, load)


def fetch_foreign(settings: Settings, url: str, *, accept: str) -> bytes:
    """The body at a foreign ``url`` (a credential named by a link or a QR code), through the
    guarded fetch and the process's cache, so a network that stalls fails fast for one period;
    FetchError otherwise. The body is untrusted."""
    return _fetcher(settings, accept)(url)


def verify_untrusted(
    deps: Deps, unverified_credential: object, *, offline: bool = False
) -> VerificationReport:
    """Run the one pipeline on a credential (dict) or VC-JWT (str); never raises. ``offline``
    reads keys and status lists of this instance only: nothing is fetched from the network."""
    settings = deps.settings
    fetcher = None if offline else _fetcher(settings)
    resolver = DidResolver(
        lambda did: local_did_document(deps.session, settings, did),
        fetcher=fetcher,
        cache_seconds=300,
        local_authorities=(settings.host_for_did,),
    )
    checker = BitstringStatusChecker(
        resolver,
        lambda url: _local_status_list(deps, url),
        fetcher,
        deps.clock,
        cache_seconds=settings.status_cache_seconds,
        max_work=settings.canonicalization_max_work,
    )
    # Trust in an issuer is shown by the issuer step (known_issuer / unknown_issuer); a genuine
    # credential of a foreign issuer is still verified, as the W3C VC API and its suites expect.
    options = VerifyOptions(
        jwt_algorithms=settings.jwt_algorithms,
        max_work=settings.canonicalization_max_work,
        require_known_issuer=False,
        max_bytes=settings.max_body_bytes,
        max_depth=settings.max_json_depth,
        clock_skew_seconds=settings.clock_skew_seconds,
    )
    return verify_credential(
        unverified_credential,
        resolver=resolver,
        status_checker=checker,
        issuers=_Issuers(deps),
        clock=deps.clock,
        options=options,
    )


# Reports of this instance's own credentials, kept while nothing they depend on changes. The key
# holds what a report depends on besides the clock: the signed document (the row's id), its
# status list's ETag (re-signed at every revocation), the body's key version (changed by every
# rotation or compromise), the revocation date and the credential's validity phase (not yet
# valid, valid, expired); one status-cache period bounds the rest.
_STORED: _TtlCache[tuple[Any, ...], VerificationReport] = _TtlCache(max_entries=1024)

_STATE = select(
    select(StatusList.etag)
    .where(StatusList.id == bindparam("list_id"))
    .scalar_subquery()
    .label("etag"),
    select(Organization.key_version)
    .where(Organization.id == bindparam("org_id"))
    .scalar_subquery()
    .label("key_version"),
)


def _validity_phase(deps: Deps, row: Credential) -> tuple[bool, bool]:
    """(not valid yet, expired): a cached report serves only within the phase it was made in."""
    now = deps.clock.now()
    early = now + timedelta(seconds=deps.settings.clock_skew_seconds) < row.valid_from
    return early, row.valid_until is not None and now > row.valid_until


def verify_stored(deps: Deps, row: Credential) -> VerificationReport:
    """The report of a credential issued here (its public page): the full pipeline, reused for
    one status-cache period (SCEAU_STATUS_CACHE_SECONDS) while its state is unchanged."""
    ttl = float(deps.settings.status_cache_seconds)
    state = deps.session.execute(
        _STATE, {"list_id": row.status_list_id, "org_id": row.organization_id}
    ).first()
    if ttl <= 0 or state is None:
        return verify_untrusted(deps, row.document)
    key = (
        deps.settings.base_url,
        row.id,
        row.revoked_at,
        state.etag,
        state.key_version,
        _validity_phase(deps, row),
    )
    report = _STORED.get(key)
    if report is None:
        report = verify_untrusted(deps, row.document)
        _STORED.put(key, report, ttl)
    return report

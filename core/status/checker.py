"""The verifier's status checker: fetch, verify, cache a status list (Bitstring Status List, or
the older StatusList2021) and read one bit."""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from core.clock import Clock
from core.credentials.embedded import check_embedded_proof, issuer_id_of
from core.credentials.untrusted import parse_untrusted_json
from core.errors import SceauError, StatusListError
from core.keys.resolver import KeyResolver
from core.status.bitstring import bit_at, decode_status_list

ENTRY_TYPE = "BitstringStatusListEntry"
LIST_CREDENTIAL_TYPE = "BitstringStatusListCredential"
LIST_TYPE = "BitstringStatusList"
#: entry type -> (list credential type, list type): an entry is read only from its own kind of
#: list. StatusList2021 (W3C CCG, VC 1.1) has the same entry members and GZIP bitstring; its
#: encodedList is plain base64url (no multibase 'u'), which decode_status_list reads too.
LIST_KINDS: dict[str, tuple[str, str]] = {
    ENTRY_TYPE: (LIST_CREDENTIAL_TYPE, LIST_TYPE),
    "StatusList2021Entry": ("StatusList2021Credential", "StatusList2021"),
}
_INDEX_RE = re.compile(r"\A[0-9]{1,10}\Z")
MAX_URL_LENGTH = 2048


@dataclass(frozen=True)
class _VerifiedList:
    entry_type: str
    issuer_id: str
    purposes: frozenset[str]
    bits: bytes
    expires: datetime


def _as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _instant(value: object) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 64:
        raise StatusListError("The status list has an invalid date.")
    try:
        instant = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise StatusListError("The status list has an invalid date.") from None
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)


def _latest(*instants: datetime | None) -> datetime | None:
    present = [i for i in instants if i is not None]
    return max(present) if present else None


def _earliest(*instants: datetime | None) -> datetime | None:
    present = [i for i in instants if i is not None]
    return min(present) if present else None


class BitstringStatusChecker:
    """StatusChecker for BitstringStatusListEntry and StatusList2021Entry (revocation, suspension).

    ``local_list(url)`` returns a status list credential of this instance (from the database) or
    None; ``fetcher(url)`` returns the body of an HTTPS URL (core.net.fetch with the settings'
    limits), None to refuse foreign lists.  The list credential must be issued by the
    credential's issuer, carry a valid proof by one of the issuer's keys (same checks and same
    resolver as credentials), be within its validity period and have the entry's purpose.
    Verified lists are kept ``cache_seconds`` (by ``clock``), at most ``max_entries`` of them.
    Every failure is a StatusListError: the caller fails closed.
    """

    def __init__(
        self,
        resolver: KeyResolver,
        local_list: Callable[[str], dict[str, Any] | None],
        fetcher: Callable[[str], bytes] | None,
        clock: Clock,
        cache_seconds: int = 60,
        max_work: int = 20000,
        *,
        max_entries: int = 64,
        max_body_bytes: int = 1024 * 1024,
        max_list_bytes: int = 2 * 1024 * 1024,
    ) -> None:
        self._resolver = resolver
        self._local_list = local_list
        self._fetcher = fetcher
        self._clock = clock
        self._cache_seconds = cache_seconds
        self._max_work = max_work
        self._max_entries = max_entries
        self._max_body_bytes = max_body_bytes
        self._max_list_bytes = max_list_bytes
        self._cache: OrderedDict[str, _VerifiedList] = OrderedDict()

    def is_revoked(self, entry: dict[str, Any], *, issuer_id: str) -> bool:
        """True when the entry's bit is set in its (verified) list; StatusListError otherwise."""
        entry_type = entry.get("type") if isinstance(entry, dict) else None
        if not isinstance(entry_type, str) or entry_type not in LIST_KINDS:
            raise StatusListError("The status entry is not of a supported type.")
        purpose = entry.get("statusPurpose")
        url = entry.get("statusListCredential")
        index = entry.get("statusListIndex")
        if not isinstance(purpose, str) or not purpose:
            raise StatusListError("The status entry has no purpose.")
        if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH:
            raise StatusListError("The status entry does not name its list.")
        if not isinstance(index, str) or not _INDEX_RE.match(index):
            raise StatusListError("The status entry's index is not a decimal number.")
        status_list = self._verified_list(url, issuer_id, entry_type)
        if purpose not in status_list.purposes:
            raise StatusListError("The status list does not have the entry's purpose.")
        position = int(index)
        if position >= len(status_list.bits) * 8:
            raise StatusListError("The status entry's index is outside its list.")
        return bit_at(status_list.bits, position)

    def _verified_list(self, url: str, issuer_id: str, entry_type: str) -> _VerifiedList:
        now = self._clock.now()
        cached = self._cache.get(url)
        if cached is not None and cached.expires > now:
            self._cache.move_to_end(url)
        else:
            cached = self._load(url, issuer_id, entry_type, now)
            if self._cache_seconds > 0:
                self._cache[url] = cached
                self._cache.move_to_end(url)
                while len(self._cache) > self._max_entries:
                    self._cache.popitem(last=False)
        if cached.issuer_id != issuer_id:
            raise StatusListError("The status list was not issued by the credential's issuer.")
        if cached.entry_type != entry_type:
            raise StatusListError("The status list is not of the kind its entry names.")
        return cached

    def _document(self, url: str) -> dict[str, Any]:
        local = self._local_list(url)
        if local is not None:
            return local
        if self._fetcher is None:
            raise StatusListError("Foreign status lists are not fetched.")
        try:
            body = self._fetcher(url)
            document = parse_untrusted_json(body, max_bytes=self._max_body_bytes, max_depth=16)
        except (SceauError, OSError, ValueError):
            raise StatusListError("The status list could not be retrieved.") from None
        if not isinstance(document, dict):
            raise StatusListError("The status list is not a JSON object.")
        return document

    def _load(self, url: str, issuer_id: str, entry_type: str, now: datetime) -> _VerifiedList:
        credential_type, list_type = LIST_KINDS[entry_type]
        unverified_list = self._document(url)
        if credential_type not in _as_list(unverified_list.get("type")):
            raise StatusListError(f"The document is not a {credential_type}.")
        list_issuer = issuer_id_of(unverified_list)
        if list_issuer != issuer_id:
            raise StatusListError("The status list was not issued by the credential's issuer.")
        list_id = unverified_list.get("id")
        if list_id is not None and list_id != url:
            raise StatusListError("The status list's id is not the URL it was fetched from.")
        try:
            check_embedded_proof(
                unverified_list,
                resolver=self._resolver,
                issuer_id=issuer_id,
                max_work=self._max_work,
            )
        except SceauError:
            raise StatusListError("The status list's proof is not valid.") from None
        status_list = unverified_list  # its proof holds from here on
        # VC 2.0 validFrom / validUntil, or VC 1.1 issuanceDate / expirationDate.
        valid_from = _latest(
            _instant(status_list.get("validFrom")), _instant(status_list.get("issuanceDate"))
        )
        valid_until = _earliest(
            _instant(status_list.get("validUntil")), _instant(status_list.get("expirationDate"))
        )
        if valid_from is not None and valid_from > now:
            raise StatusListError("The status list is not valid yet.")
        if valid_until is not None and valid_until < now:
            raise StatusListError("The status list has expired.")
        subject = status_list.get("credentialSubject")
        if not isinstance(subject, dict) or list_type not in _as_list(subject.get("type")):
            raise StatusListError(f"The status list credential holds no {list_type}.")
        declared = _as_list(subject.get("statusPurpose"))
        purposes = frozenset(p for p in declared if isinstance(p, str))
        encoded = subject.get("encodedList")
        if not isinstance(encoded, str):
            raise StatusListError("The status list has no encodedList.")
        try:
            bits = decode_status_list(encoded, max_bytes=self._max_list_bytes)
        except (SceauError, ValueError, OSError, EOFError):
            raise StatusListError("The status list's bitstring cannot be decoded.") from None
        expires = now + timedelta(seconds=self._cache_seconds)
        if valid_until is not None:
            expires = min(expires, valid_until)
        return _VerifiedList(entry_type, issuer_id, purposes, bits, expires)


__all__ = ["BitstringStatusChecker"]

"""Key resolution for the verifier: did:key locally, our did:web from the DB, others over HTTPS."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Collection
from typing import Any, Protocol
from urllib.parse import unquote

from core.credentials.untrusted import parse_untrusted_json
from core.errors import KeyResolutionError, SceauError
from core.keys.did import (
    ResolvedKey,
    did_web_document_url,
    find_verification_method,
    resolve_did_key,
)

#: Longest verification method id we look at (a hostile one could be megabytes).
MAX_VM_ID_LENGTH = 2048


class KeyResolver(Protocol):
    """Turns a verification method id (a DID URL) into a public key and its controller."""

    def resolve(self, vm_id: str) -> ResolvedKey:
        """Return the key, or raise KeyResolutionError (code ``unknown_key``)."""
        ...


def _authority(did: str) -> str:
    return unquote(did[len("did:web:") :].split(":", 1)[0]).lower()


class DidResolver:
    """KeyResolver for did:key and did:web.

    ``local_document(did)`` returns the DID document of an issuer of this instance (from the
    database) or None.  ``fetcher(url)`` returns the body of an HTTPS URL (the app passes a
    function built on core.net.fetch with the settings' limits); None disables foreign did:web.
    Foreign documents are kept ``cache_seconds`` (monotonic time), at most ``max_entries`` of them.
    ``local_authorities`` are the did:web host parts this instance serves (e.g.
    ``settings.host_for_did``): an unknown DID there is never fetched from ourselves.
    """

    def __init__(
        self,
        local_document: Callable[[str], dict[str, Any] | None],
        *,
        fetcher: Callable[[str], bytes] | None,
        cache_seconds: float = 300.0,
        max_entries: int = 128,
        max_bytes: int = 256 * 1024,
        max_depth: int = 16,
        local_authorities: Collection[str] = (),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._local_document = local_document
        self._fetcher = fetcher
        self._cache_seconds = cache_seconds
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        self._max_depth = max_depth
        self._local_authorities = {unquote(a).lower() for a in local_authorities}
        self._monotonic = monotonic
        self._cache: OrderedDict[str, tuple[float, dict[str, Any]]] = OrderedDict()

    def resolve(self, vm_id: str) -> ResolvedKey:
        """Resolve ``vm_id``; KeyResolutionError for anything not resolvable to a usable key."""
        if not isinstance(vm_id, str) or not vm_id or len(vm_id) > MAX_VM_ID_LENGTH:
            raise KeyResolutionError("The key identifier is missing or not valid.")
        try:
            if vm_id.startswith("did:key:"):
                return resolve_did_key(vm_id)
            if vm_id.startswith("did:web:"):
                did = vm_id.split("#", 1)[0]
                return find_verification_method(self._did_web_document(did), vm_id)
        except KeyResolutionError:
            raise
        except SceauError:
            # e.g. InputError from a malformed did:web or multikey: the key cannot be used
            raise KeyResolutionError("The key identifier could not be resolved.") from None
        raise KeyResolutionError("The key identifier uses an unsupported method.")

    def _did_web_document(self, did: str) -> dict[str, Any]:
        local = self._local_document(did)
        if local is not None:
            return local
        if self._fetcher is None or _authority(did) in self._local_authorities:
            raise KeyResolutionError("The issuer's DID is not known.")
        now = self._monotonic()
        cached = self._cache.get(did)
        if cached is not None and cached[0] > now:
            self._cache.move_to_end(did)
            return cached[1]
        url = did_web_document_url(did)
        try:
            body = self._fetcher(url)
        except (SceauError, OSError, ValueError):
            raise KeyResolutionError("The issuer's DID document could not be retrieved.") from None
        document = parse_untrusted_json(body, max_bytes=self._max_bytes, max_depth=self._max_depth)
        if not isinstance(document, dict) or document.get("id") != did:
            raise KeyResolutionError("The DID document retrieved does not describe this DID.")
        if self._cache_seconds > 0:
            self._cache[did] = (now + self._cache_seconds, document)
            self._cache.move_to_end(did)
            while len(self._cache) > self._max_entries:
                self._cache.popitem(last=False)
        return document


__all__ = ["MAX_VM_ID_LENGTH", "DidResolver", "KeyResolver"]

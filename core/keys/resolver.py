"""Key resolution for the verifier: did:key and did:jwk locally, our did:web from the DB, others
over HTTPS.

And the one rule binding a key to an issuer (``key_for_issuer``), as jsonld-signatures'
ControllerProofPurpose applies it: a `controller` field of a fetched document is a claim,
never a proof.
"""

from __future__ import annotations

import dataclasses
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import unquote

from core.credentials.untrusted import parse_untrusted_json
from core.errors import KeyCompromised, KeyControllerMismatch, KeyResolutionError, SceauError
from core.keys.did import (
    ResolvedKey,
    did_web_document_url,
    find_verification_method,
    lists_assertion_method,
    resolve_did_jwk,
    resolve_did_key,
)

#: Longest verification method id we look at (a hostile one could be megabytes).
MAX_VM_ID_LENGTH = 2048


class KeyResolver(Protocol):
    """Turns a verification method id (a DID URL) into a public key; dereferences DIDs."""

    def resolve(self, vm_id: str) -> ResolvedKey:
        """The key listed as an assertion method by the document of the DID in ``vm_id``.

        Raises KeyResolutionError (code ``unknown_key``, or ``key_compromised``).
        """
        ...

    def lists_assertion_method(self, did: str, method_id: str) -> bool:
        """Whether the document of ``did``, dereferenced on its own, lists ``method_id``."""
        ...


def key_for_issuer(resolver: KeyResolver, vm_id: str, issuer_id: str) -> ResolvedKey:
    """The key of ``vm_id`` if it may prove for ``issuer_id``; KeyControllerMismatch otherwise.

    The key was obtained from the document of the DID in its own id, which lists it as an
    assertion method (``resolve``). It proves for that DID when it claims that DID as its
    controller. When it claims another controller, it proves for that controller only if the
    controller's own document, dereferenced separately, lists it as an assertion method.
    Either way the proving DID must be the issuer.
    """
    key = resolver.resolve(vm_id)
    if key.controller == key.did:
        if key.did != issuer_id:
            raise KeyControllerMismatch("the key belongs to another DID than the issuer")
        return key
    if key.controller != issuer_id or not resolver.lists_assertion_method(issuer_id, key.id):
        raise KeyControllerMismatch("the key's claimed controller does not list it")
    return key


@dataclass(frozen=True)
class KeyState:
    """What this instance knows of one of its own keys beyond its DID document."""

    retired_at: datetime | None = None
    compromised: bool = False


@dataclass(frozen=True)
class LocalDid:
    """The DID document of an issuer of this instance and the states of all its keys.

    ``key_states`` maps absolute method ids to their state, compromised keys included (they
    are absent from the document, and named so that their proofs fail with a clear code).
    """

    document: dict[str, Any]
    key_states: Mapping[str, KeyState] = field(default_factory=dict)


def _authority(did: str) -> str:
    return unquote(did[len("did:web:") :].split(":", 1)[0]).lower()


class DidResolver:
    """KeyResolver for did:key, did:jwk and did:web.

    ``local_document(did)`` returns the DID document of an issuer of this instance (from the
    database, as a LocalDid or a bare document) or None.  ``fetcher(url)`` returns the body of
    an HTTPS URL (the app passes a function built on core.net.fetch with the settings' limits);
    None disables foreign did:web.
    Foreign documents are kept ``cache_seconds`` (monotonic time), at most ``max_entries`` of them.
    ``local_authorities`` are the did:web host parts this instance serves (e.g.
    ``settings.host_for_did``): an unknown DID there is never fetched from ourselves.
    """

    def __init__(
        self,
        local_document: Callable[[str], LocalDid | dict[str, Any] | None],
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
        # Documents of this instance, read once per resolver (one verification): a credential
        # and its status list name the same DID.
        self._locals: dict[str, LocalDid | None] = {}

    def resolve(self, vm_id: str) -> ResolvedKey:
        """Resolve ``vm_id``; KeyResolutionError for anything not resolvable to a usable key."""
        if not isinstance(vm_id, str) or not vm_id or len(vm_id) > MAX_VM_ID_LENGTH:
            raise KeyResolutionError("The key identifier is missing or not valid.")
        try:
            if vm_id.startswith("did:key:"):
                return resolve_did_key(vm_id)
            if vm_id.startswith("did:jwk:"):
                return resolve_did_jwk(vm_id)
            if vm_id.startswith("did:web:"):
                local = self._local(vm_id.split("#", 1)[0])
                if local is None:
                    return find_verification_method(self._did_web_document(vm_id), vm_id)
                return self._local_key(local, vm_id)
        except KeyResolutionError:
            raise
        except SceauError:
            # e.g. InputError from a malformed did:web or multikey: the key cannot be used
            raise KeyResolutionError("The key identifier could not be resolved.") from None
        raise KeyResolutionError("The key identifier uses an unsupported method.")

    def lists_assertion_method(self, did: str, method_id: str) -> bool:
        """Dereference ``did`` on its own and look for ``method_id`` in its assertionMethod."""
        if not isinstance(did, str) or len(did) > MAX_VM_ID_LENGTH or "#" in did:
            return False
        try:
            if did.startswith("did:key:"):
                return resolve_did_key(did).id == method_id
            if did.startswith("did:jwk:"):
                return resolve_did_jwk(did).id == method_id
            if did.startswith("did:web:"):
                local = self._local(did)
                document = local.document if local else self._did_web_document(did)
                return lists_assertion_method(document, method_id)
        except SceauError:
            return False
        return False

    def _local(self, did: str) -> LocalDid | None:
        if did not in self._locals:
            found = self._local_document(did)
            self._locals[did] = LocalDid(found) if isinstance(found, dict) else found
        return self._locals[did]

    @staticmethod
    def _local_key(local: LocalDid, vm_id: str) -> ResolvedKey:
        state = local.key_states.get(vm_id, KeyState())
        if state.compromised:
            raise KeyCompromised("The key that signed the credential was compromised.")
        key = find_verification_method(local.document, vm_id)
        return dataclasses.replace(key, retired_at=state.retired_at)

    def _did_web_document(self, did_url: str) -> dict[str, Any]:
        """The fetched document of the DID of ``did_url`` (a DID, or a DID URL with a fragment)."""
        did = did_url.split("#", 1)[0]
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


__all__ = [
    "MAX_VM_ID_LENGTH",
    "DidResolver",
    "KeyResolver",
    "KeyState",
    "LocalDid",
    "key_for_issuer",
]

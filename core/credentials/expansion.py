"""JSON-LD -> RDF with pyld and the offline loader; the sentinels of strict mode."""

from __future__ import annotations

import re
import threading
import warnings
from typing import Any

from pyld import jsonld as pyld_jsonld

from core.credentials.loader import document_loader, load_context
from core.credentials.nquads import BNODE, LITERAL, Dataset, from_pyld
from core.credentials.safe_mode import (
    SafeProcessor,
    raise_if_dropped,
    refuse_embedded_loads,
)
from core.errors import CanonicalizationLimitError, ContextError, InputError

VOCAB_SENTINEL = "urn:sceau:undefined-term#"
# A base IRI with its own scheme: relative references of every kind ("x", "../x", "?q", "#f",
# and network-path "//host/x") resolve to IRIs that start with "sceau-relative:".
BASE_SENTINEL = "sceau-relative://sceau.invalid/relative/"
_BASE_SCHEME = "sceau-relative:"

KEYWORDS = frozenset(
    {
        "@base",
        "@container",
        "@context",
        "@direction",
        "@graph",
        "@id",
        "@import",
        "@included",
        "@index",
        "@json",
        "@language",
        "@list",
        "@nest",
        "@none",
        "@prefix",
        "@propagate",
        "@protected",
        "@reverse",
        "@set",
        "@type",
        "@value",
        "@version",
        "@vocab",
    }
)
# Ids, types and keys that pyld would silently drop: strict mode refuses them itself.
BAD_ID = re.compile(r"[\s\x00-\x1f\x7f]|\A@[A-Za-z]+\Z")

_pyld_lock = threading.RLock()


# ------------------------------------------------------------------ plain pyld path


def _context_list(document: dict[str, Any]) -> list[Any]:
    ctx = document.get("@context")
    if ctx is None:
        return []
    return list(ctx) if isinstance(ctx, list) else [ctx]


def _declares_vocab(contexts: list[Any]) -> bool:
    for entry in contexts:
        body = load_context(entry).get("@context") if isinstance(entry, str) else entry
        for part in body if isinstance(body, list) else [body]:
            if isinstance(part, dict) and "@vocab" in part:
                return True
    return False


def pyld_quads(document: dict[str, Any], strict: bool) -> Dataset:
    """Convert with pyld. Strict mode appends a trailing ``@vocab`` sentinel (unless a context
    already declares a catch-all ``@vocab``) and uses a sentinel base IRI.

    Why the strict dataset equals the plain one when no sentinel IRI comes out: the extra context
    is last and only sets ``@vocab``, so it changes no term definition; ``@vocab`` is consulted
    only for keys, types and ``@vocab``-coerced values that no term, prefix or absolute IRI
    explains -- exactly those that plain processing drops (relative IRIs are not emitted) and
    that strict processing turns into ``urn:sceau:undefined-term#...`` IRIs. The base IRI only
    resolves relative references, which plain processing (base '') also drops and strict
    processing turns into ``sceau-relative:...`` IRIs. No sentinel => nothing was dropped and
    every IRI was produced by the same rule in both modes.

    Strict mode is also safe mode (core.credentials.safe_mode): data that JSON-LD processing
    would drop, and so leave outside a signature, raises UnsignedDataError. Language-tagged
    strings with a base direction become i18n datatypes, as Digital Bazaar's cryptosuites do.
    """
    options: dict[str, Any] = {"documentLoader": document_loader, "rdfDirection": "i18n-datatype"}
    original = document
    processor = SafeProcessor() if strict else pyld_jsonld.JsonLdProcessor()
    if strict:
        refuse_embedded_loads(document)
        contexts = _context_list(document)
        if not _declares_vocab(contexts):
            document = dict(document)
            document["@context"] = [*contexts, {"@vocab": VOCAB_SENTINEL}]
        options["base"] = BASE_SENTINEL
    try:
        with _pyld_lock, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            dataset = processor.to_rdf(document, options)
    except Exception as exc:
        cause: BaseException | None = exc
        while cause is not None:
            if isinstance(cause, ContextError | CanonicalizationLimitError):
                raise cause from None
            cause = cause.__cause__ or cause.__context__
        raise InputError(
            "the JSON-LD document could not be processed", code="invalid_jsonld"
        ) from None
    if isinstance(processor, SafeProcessor):
        raise_if_dropped(processor, original)
    return from_pyld(dataset)


def undefined_terms(quads: Dataset) -> list[str]:
    """The undefined terms / relative ids revealed by the strict-mode sentinels, sorted."""
    found: set[str] = set()
    for quad in quads:
        for term in quad:
            if term is None:
                continue
            value = term.datatype if term.kind == LITERAL else term.value
            if term.kind == BNODE or value is None:
                continue
            if value.startswith(VOCAB_SENTINEL):
                found.add(value[len(VOCAB_SENTINEL) :])
            elif value.startswith(_BASE_SCHEME):
                rest = value[len(BASE_SENTINEL) :] if value.startswith(BASE_SENTINEL) else value
                found.add("relative id: " + rest.removeprefix(_BASE_SCHEME))
    return sorted(found)

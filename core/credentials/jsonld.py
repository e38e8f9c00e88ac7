"""JSON-LD -> RDF dataset and canonical N-Quads: strict (undefined terms refused) and fast."""

from __future__ import annotations

from typing import Any

from core.credentials.expansion import pyld_quads, undefined_terms
from core.credentials.nquads import Dataset
from core.credentials.rdfc import DEFAULT_MAX_WORK, canonicalize
from core.credentials.shapes import DocumentWalk, clear_cache, fast_quads, js_number_problems
from core.errors import InputError, UndefinedTermError


def to_dataset(
    document: dict[str, Any],
    *,
    strict: bool = True,
    cache: bool = True,
    max_work: int = DEFAULT_MAX_WORK,
) -> Dataset:
    """The RDF dataset of a JSON-LD document (bundled contexts only).

    Raises ContextError (unknown / unusable context), UndefinedTermError (strict mode: terms,
    types or ids that the contexts do not define), InputError (not JSON-LD, or numbers that
    jsonld.js would canonicalize differently), CanonicalizationLimitError (a new shape's
    template check went over ``max_work``).
    """
    if not isinstance(document, dict):
        raise InputError("a JSON-LD document must be a JSON object", code="invalid_jsonld")
    walk = DocumentWalk()
    walk.node(document, top=True)
    if walk.js_numbers:
        # Signatures must verify in JavaScript too (Digital Bazaar's stack reads doubles).
        raise InputError(
            "the document holds numbers that JavaScript JSON-LD processors read differently",
            code="invalid_jsonld",
            problems=js_number_problems(document),
        )
    if strict and walk.problems:
        raise UndefinedTermError(sorted(set(walk.problems)))
    if cache and walk.cacheable and "@context" in document:
        quads = fast_quads(document, walk, strict, max_work)
    else:
        quads = pyld_quads(document, strict)
    if strict:
        terms = undefined_terms(quads)
        if terms:
            raise UndefinedTermError(terms)
    return quads


def canonical_nquads(
    document: dict[str, Any],
    *,
    strict: bool = True,
    max_work: int = DEFAULT_MAX_WORK,
    cache: bool = True,
    deadline_seconds: float | None = None,
) -> str:
    """The RDFC-1.0 canonical N-Quads (SHA-256) of a JSON-LD document."""
    return canonicalize(
        to_dataset(document, strict=strict, cache=cache, max_work=max_work),
        max_work=max_work,
        deadline_seconds=deadline_seconds,
    )


__all__ = ["canonical_nquads", "clear_cache", "to_dataset", "undefined_terms"]

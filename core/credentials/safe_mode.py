"""JSON-LD "safe mode" for pyld: every piece of data of a document must reach the RDF it signs.

JSON-LD processing silently drops what it cannot map: a term defined as null, keys left without
a vocabulary by a nested ``"@vocab": null``, relative ids under ``"@base": null``, ``@index``
values, null values, free-floating scalars. A signature over the RDF does not cover dropped data,
which could then be changed at will on a signed credential. Digital Bazaar's jsonld.js refuses
such documents in its safe mode (used by the eddsa-rdfc-2022 cryptosuite); pyld 3 has no safe
mode, so this processor records every drop during expansion and checks the expanded output,
and strict canonicalization refuses a document with any of them.

The one rule: every key other than a JSON-LD keyword, and every value, must survive expansion
into an absolute IRI, a literal or a blank node that the RDF dataset carries.
"""

from __future__ import annotations

from typing import Any

from pyld import jsonld as pyld_jsonld

from core.errors import UnsignedDataError

MAX_REPORTED = 20
# What a dropped term names, to find it in the input: a key, a key holding null, a string value.
KEY, NULL, REF = "key", "null", "ref"

_is_absolute_iri = pyld_jsonld._is_absolute_iri
_is_keyword = pyld_jsonld._is_keyword
_arrayify = pyld_jsonld.JsonLdProcessor.arrayify
_context_value = pyld_jsonld.JsonLdProcessor.get_context_value


class SafeProcessor(pyld_jsonld.JsonLdProcessor):  # type: ignore[misc]
    """A pyld processor that records (term, reason) for every piece of data expansion drops."""

    def __init__(self) -> None:
        super().__init__()
        #: (term, what kind of thing it names, why it is dropped)
        self.dropped: list[tuple[str, str, str]] = []

    def _drop(self, term: object, reason: str, kind: str = KEY) -> None:
        if len(self.dropped) < MAX_REPORTED:
            name = str(term) if term is not None else "(top level)"
            self.dropped.append((name, kind, reason))

    def _expand(  # type: ignore[no-untyped-def]
        self, active_ctx, active_property, element, options, *args, **kwargs
    ):
        if isinstance(element, list) and any(item is None for item in element):
            self._drop(active_property, "a null value in an array carries no data")
        result = super()._expand(active_ctx, active_property, element, options, *args, **kwargs)
        if result is None and element is not None:
            self._drop(active_property, "a value that JSON-LD processing discards")
        return result

    def _expand_object(  # type: ignore[no-untyped-def]
        self, active_ctx, active_property, expanded_active_property, element, *args, **kwargs
    ):
        for key, value in element.items():
            if key == "@context":
                continue
            expanded = self._expand_iri(active_ctx, key, vocab=True)
            if expanded is None or not (_is_absolute_iri(expanded) or _is_keyword(expanded)):
                self._drop(key, "a term that its contexts map to nothing")
                continue
            if expanded == "@index":
                self._drop(key, "an @index value, which RDF does not carry")
            elif value is None and not _is_keyword(expanded):
                self._drop(key, "a null value", NULL)
            elif isinstance(value, dict):
                container = _arrayify(_context_value(active_ctx, key, "@container"))
                if "@index" in container and _context_value(active_ctx, key, "@index") is None:
                    self._drop(key, "the keys of an @index map, which RDF does not carry")
        return super()._expand_object(
            active_ctx, active_property, expanded_active_property, element, *args, **kwargs
        )

    def expand(self, input_: Any, options: Any) -> Any:
        expanded = super().expand(input_, options)
        self._check_expanded(expanded)
        return expanded

    def _check_expanded(self, expanded: Any) -> None:
        """What survives expansion but not conversion to RDF: relative or blank IRIs."""
        stack = [expanded]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(node)
                continue
            if not isinstance(node, dict) or "@value" in node:
                if isinstance(node, dict) and "@index" in node:
                    self._drop("@index", "an @index value, which RDF does not carry")
                continue
            for key, value in node.items():
                if key == "@id":
                    for ref in _arrayify(value):
                        if isinstance(ref, str) and not _is_absolute_iri(ref):
                            self._drop(ref, "an id that is not an absolute IRI", REF)
                elif key == "@type":
                    for ref in _arrayify(value):
                        if isinstance(ref, str) and not _is_absolute_iri(ref):
                            self._drop(ref, "a type that is not an absolute IRI", REF)
                elif key == "@index":
                    self._drop(key, "an @index value, which RDF does not carry")
                elif key.startswith("_:"):
                    self._drop(key, "a blank-node property, which RDF does not allow")
                elif key == "@reverse" and isinstance(value, dict):
                    stack.extend(value.values())
                elif not _is_keyword(key) or key in ("@graph", "@included", "@list", "@set"):
                    stack.append(value)


def _paths_of(document: Any, term: str, kind: str) -> list[str]:
    """JSON paths (``a.b[0].c``) where the dropped ``term`` is found, or the term itself."""
    found: list[str] = []
    stack: list[tuple[str, Any]] = [("", document)]
    while stack and len(found) < MAX_REPORTED:
        path, value = stack.pop()
        if isinstance(value, dict):
            for key, child in value.items():
                child_path = f"{path}.{key}" if path else key
                if key == term and (kind == KEY or (kind == NULL and child is None)):
                    found.append(child_path)
                if key != "@context":
                    stack.append((child_path, child))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", child) for i, child in enumerate(value))
        elif kind == REF and value == term:
            found.append(path)
    return sorted(found) or [term]


def raise_if_dropped(processor: SafeProcessor, document: Any) -> None:
    """UnsignedDataError naming each dropped term's paths, if anything was dropped."""
    if not processor.dropped:
        return
    problems = []
    for term, kind, reason in processor.dropped:
        for path in _paths_of(document, term, kind):
            problem = {"path": path[:300], "message": f"outside the signature: {reason}"}
            if problem not in problems:
                problems.append(problem)
    raise UnsignedDataError(
        "the document holds data that its signature would not cover", problems=problems
    )


__all__ = ["SafeProcessor", "raise_if_dropped"]

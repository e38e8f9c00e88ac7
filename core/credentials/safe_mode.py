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

And its converse, for verifiers that read the JSON after the signature holds (the status, the
dates, the types, the holder): what the contexts name with a term must be written with that
term. The same RDF written with a full or compact IRI for a key or a type, or with a raw
``@id``/``@type`` key, hides a fact from whoever reads the JSON (``credentialStatus`` written
as its IRI made a revoked credential look valid): NotCompactError.
"""

from __future__ import annotations

import re
from typing import Any

from pyld import jsonld as pyld_jsonld

from core.credentials.loader import load_context
from core.errors import (
    CanonicalizationLimitError,
    ContextError,
    InputError,
    NotCompactError,
    UnsignedDataError,
)

MAX_REPORTED = 20
#: Term definitions one document may have processed, contexts counted at each use (a URL by
#: the terms of the bundled context it names): a credential needs some thousands (its
#: contexts, then the type-scoped ones of its nodes); a scoped context repeated at every level
#: of a nesting, or a big inline one used by hundreds of nodes, had pyld process hundreds of
#: thousands (seconds to minutes of CPU from 20-30 KB).
MAX_TERM_DEFINITIONS = 20_000
#: Longest string (a term or its IRI) of an embedded context: pyld serializes and matches an
#: embedded context at every use, so a 900 KB IRI used by 900 nodes cost 5-10 s.
MAX_CONTEXT_STRING = 1024
# jsonld.js's test of a well-formed language tag (BCP 47 shape), applied in its safe mode.
_LANGUAGE_TAG = re.compile(r"\A[a-zA-Z]{1,8}(?:-[a-zA-Z0-9]{1,8})*\Z")
# Datatypes that only language-tagged strings may carry (RDF 1.1 / 1.2, JSON-LD i18n).
_LANGUAGE_DATATYPES = (
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#dirLangString",
    "https://www.w3.org/ns/i18n#",
)
# Characters no IRI may hold (RFC 3987): N-Quads writers differ on them (rdf-canonize escapes
# them as \uXXXX, others write them raw), so canonical forms would differ.
_NOT_IN_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')
# Keywords a value object holds (the only raw keywords a compact document writes, but @context).
_VALUE_KEYWORDS = frozenset({"@value", "@language", "@direction", "@type"})
# The keywords a term may stand for, and the only names such a term may have (`id`, `type`): a
# term aliasing any other (@nest, @graph, @included, ...) moves data out of the JSON keys that
# verifiers read, and `kind` for @type would hide the types from them.
_ALIASES = {"@id": "id", "@type": "type"}
_VC = "https://www.w3.org/2018/credentials#"
_OB = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#"
_STATUS = "https://www.w3.org/ns/credentials/status#"
_STATUS_2021 = "https://w3id.org/vc/status-list#"
#: The properties and types the checks after the proof read from the JSON, each with the terms
#: that may name it (those of the bundled contexts): an embedded context giving one of them
#: another name (`revocation` for credentialStatus) would hide it from those checks while the
#: signature still covers it.
CHECKED_TERMS: dict[str, frozenset[str]] = {
    iri: frozenset({iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]})
    for iri in (
        *(_VC + t for t in ("credentialStatus", "credentialSubject", "issuer", "validFrom",
                            "validUntil", "issuanceDate", "expirationDate",
                            "VerifiableCredential")),
        *(_OB + t for t in ("identifier", "identityHash", "identityType", "hashed", "salt",
                            "OpenBadgeCredential", "AchievementCredential")),
        *(ns + t for ns in (_STATUS, _STATUS_2021)
          for t in ("statusListCredential", "statusListIndex", "statusPurpose")),
        _STATUS + "BitstringStatusListEntry",
        _STATUS_2021 + "StatusList2021Entry",
        "https://schema.org/name",
        "https://w3id.org/security#proof",
    )
}  # fmt: skip
# Open Badges 3.0 names its credential type twice (`AchievementCredential` stands for it).
CHECKED_TERMS[_OB + "OpenBadgeCredential"] |= {"AchievementCredential"}
# What a reported term names, to find it in the input: a key, a key holding null, a string
# value, a language tag (expansion lower-cases those).
KEY, NULL, REF, LANGUAGE = "key", "null", "ref", "language"

_is_absolute_iri = pyld_jsonld._is_absolute_iri
_is_keyword = pyld_jsonld._is_keyword
_arrayify = pyld_jsonld.JsonLdProcessor.arrayify
_context_value = pyld_jsonld.JsonLdProcessor.get_context_value


def _definitions_in(context: Any) -> int:
    """The term definitions one context entry brings (at least 1): a bundled context's by its
    URL, an embedded one's by its keys."""
    if isinstance(context, str):
        try:
            context = load_context(context).get("@context")
        except ContextError:
            return 1
    if isinstance(context, list):
        return max(1, sum(_definitions_in(c) for c in context if not isinstance(c, str)))
    return max(1, len(context)) if isinstance(context, dict) else 1


def _local_name(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


class SafeProcessor(pyld_jsonld.JsonLdProcessor):  # type: ignore[misc]
    """A pyld processor that records (term, reason) for every piece of data expansion drops."""

    def __init__(self) -> None:
        super().__init__()
        #: (term, what kind of thing it names, why it is dropped)
        self.dropped: list[tuple[str, str, str]] = []
        #: (term, kind, why): well-formed JSON, but not data that every processor writes alike
        self.malformed: list[tuple[str, str, str]] = []
        #: (term, kind, why): written otherwise than with the term its contexts define for it
        self.not_compact: list[tuple[str, str, str]] = []
        self._term_definitions = 0
        # id(active context) -> (that context, the IRIs its terms stand for)
        self._term_iris: dict[int, tuple[Any, frozenset[str]]] = {}

    def _not_compact(self, term: str, kind: str, reason: str) -> None:
        if len(self.not_compact) < MAX_REPORTED:
            self.not_compact.append((term, kind, reason))

    def _iris_of_terms(self, active_ctx: Any) -> frozenset[str]:
        cached = self._term_iris.get(id(active_ctx))
        if cached is not None and cached[0] is active_ctx:
            return cached[1]
        iris = frozenset(
            definition["@id"]
            for definition in active_ctx.get("mappings", {}).values()
            if isinstance(definition, dict)
            and isinstance(definition.get("@id"), str)
            and not _is_keyword(definition["@id"])
        )
        self._term_iris[id(active_ctx)] = (active_ctx, iris)
        return iris

    def _check_compact(self, active_ctx: Any, element: dict[str, Any]) -> None:
        """Keys and types written with the terms of the contexts, no raw keyword but in value
        objects, no term standing for a keyword other than @id and @type."""
        mappings = active_ctx.get("mappings", {})
        value_object = "@value" in element
        for key, value in element.items():
            if key == "@context":
                continue
            if key.startswith("@"):
                if not (value_object and key in _VALUE_KEYWORDS):
                    self._not_compact(key, KEY, "a JSON-LD keyword written instead of its term")
                continue
            definition = mappings.get(key)
            if isinstance(definition, dict):
                target = str(definition.get("@id"))
                if _is_keyword(target) and _ALIASES.get(target) != key:
                    self._not_compact(key, KEY, f"a term standing for {target}")
                elif key not in CHECKED_TERMS.get(target, {key}):
                    self._not_compact(key, KEY, f"another name for {_local_name(target)}")
                if target == "@type":
                    self._check_type_values(active_ctx, value)
                continue
            expanded = self._expand_iri(active_ctx, key, vocab=True)
            if expanded in self._iris_of_terms(active_ctx):
                self._not_compact(key, KEY, "an IRI written instead of the term that names it")

    def _check_type_values(self, active_ctx: Any, value: Any) -> None:
        mappings = active_ctx.get("mappings", {})
        for name in _arrayify(value):
            if not isinstance(name, str):
                continue
            definition = mappings.get(name)
            if isinstance(definition, dict):
                target = str(definition.get("@id"))
                if name not in CHECKED_TERMS.get(target, {name}):
                    self._not_compact(name, REF, f"another name for {_local_name(target)}")
                continue
            expanded = self._expand_iri(active_ctx, name, vocab=True)
            if expanded in self._iris_of_terms(active_ctx):
                self._not_compact(name, REF, "a type IRI written instead of the term that names it")

    def _malformed(self, term: str, kind: str, reason: str) -> None:
        if len(self.malformed) < MAX_REPORTED:
            self.malformed.append((term, kind, reason))

    def _check_iri(self, iri: object) -> None:
        if isinstance(iri, str) and _NOT_IN_IRI.search(iri):
            self._malformed(iri, REF, "an IRI with a character that IRIs may not hold")

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

    def _process_context(  # type: ignore[no-untyped-def]
        self, active_ctx, local_ctx, options, *args, **kwargs
    ):
        self._term_definitions += sum(_definitions_in(entry) for entry in _arrayify(local_ctx))
        if self._term_definitions > MAX_TERM_DEFINITIONS:
            raise CanonicalizationLimitError(
                f"the document's JSON-LD contexts define more than {MAX_TERM_DEFINITIONS} terms"
                " as they are applied"
            )
        return super()._process_context(active_ctx, local_ctx, options, *args, **kwargs)

    def _expand_object(  # type: ignore[no-untyped-def]
        self, active_ctx, active_property, expanded_active_property, element, *args, **kwargs
    ):
        self._check_compact(active_ctx, element)
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
        """What survives expansion but not conversion to RDF (relative or blank IRIs), and what
        different RDF writers would write differently (IRIs with bad characters, language tags
        that are not tags)."""
        stack = [expanded]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(node)
                continue
            if not isinstance(node, dict):
                continue
            if "@value" in node:
                self._check_value(node)
                continue
            for key, value in node.items():
                if key == "@id":
                    for ref in _arrayify(value):
                        self._check_iri(ref)
                        if isinstance(ref, str) and not _is_absolute_iri(ref):
                            self._drop(ref, "an id that is not an absolute IRI", REF)
                elif key == "@type":
                    for ref in _arrayify(value):
                        self._check_iri(ref)
                        if isinstance(ref, str) and not _is_absolute_iri(ref):
                            self._drop(ref, "a type that is not an absolute IRI", REF)
                elif key == "@index":
                    self._drop(key, "an @index value, which RDF does not carry")
                elif key.startswith("_:"):
                    self._drop(key, "a blank-node property, which RDF does not allow")
                elif key == "@reverse" and isinstance(value, dict):
                    for prop, items in value.items():
                        self._check_iri(prop)
                        stack.append(items)
                elif not _is_keyword(key) or key in ("@graph", "@included", "@list", "@set"):
                    self._check_iri(key)
                    stack.append(value)

    def _check_value(self, node: dict[str, Any]) -> None:
        if "@index" in node:
            self._drop("@index", "an @index value, which RDF does not carry")
        language = node.get("@language")
        if language is not None and not (
            isinstance(language, str) and _LANGUAGE_TAG.match(language)
        ):
            self._malformed(str(language), LANGUAGE, "a language tag that is not well-formed")
        datatype = node.get("@type")
        if datatype != "@json":
            self._check_iri(datatype)
        if isinstance(datatype, str) and datatype.startswith(_LANGUAGE_DATATYPES):
            # Written as a datatype, not as @language/@direction: rdf-canonize drops a
            # language-less rdf:langString's datatype and our writer does not.
            self._malformed(datatype, REF, "a datatype reserved for language-tagged strings")


def refuse_embedded_loads(document: Any) -> None:
    """InputError for an embedded context that loads another: ``@import`` (jsonld.js refuses
    to process it, so no credential signed by the reference stack holds one, and ours must not
    either), or a published context named anywhere but the document's top-level ``@context``
    (a scoped context naming a bundled context, applied at every level of a nesting, had pyld
    process it thousands of times), or a key or string of an embedded context over
    MAX_CONTEXT_STRING characters."""
    stack: list[tuple[str, Any, bool]] = [("", document, False)]
    while stack:
        path, value, in_context = stack.pop()
        if isinstance(value, dict):
            for key, child in value.items():
                child_path = f"{path}.{key}" if path else key
                if in_context and key == "@import":
                    raise InputError(
                        "@import in an embedded context is not supported",
                        code="invalid_jsonld",
                        problems=[{"path": child_path, "message": "@import is not supported"}],
                    )
                if in_context and _too_long(key, child):
                    raise InputError(
                        f"an embedded context holds a string over {MAX_CONTEXT_STRING} characters",
                        code="invalid_jsonld",
                        problems=[{"path": child_path, "message": "too long"}],
                    )
                if key == "@context" and value is not document and _names_a_url(child):
                    raise InputError(
                        "a published context may only be named in the top-level @context",
                        code="invalid_jsonld",
                        problems=[{"path": child_path, "message": "a context URL here"}],
                    )
                stack.append((child_path, child, in_context or key == "@context"))
        elif isinstance(value, list):
            if in_context and any(_too_long("", child) for child in value):
                raise InputError(
                    f"an embedded context holds a string over {MAX_CONTEXT_STRING} characters",
                    code="invalid_jsonld",
                    problems=[{"path": path, "message": "too long"}],
                )
            stack.extend((f"{path}[{i}]", child, in_context) for i, child in enumerate(value))


def _too_long(key: str, value: Any) -> bool:
    return len(key) > MAX_CONTEXT_STRING or (
        isinstance(value, str) and len(value) > MAX_CONTEXT_STRING
    )


def _names_a_url(context: Any) -> bool:
    return any(isinstance(entry, str) for entry in _arrayify(context))


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
        elif (kind == REF and value == term) or (
            kind == LANGUAGE and isinstance(value, str) and value.lower() == term.lower()
        ):
            found.append(path)
    return sorted(found) or [term]


def _problems(found: list[tuple[str, str, str]], document: Any, prefix: str) -> list[Any]:
    problems: list[dict[str, str]] = []
    for term, kind, reason in found:
        for path in _paths_of(document, term, kind):
            problem = {"path": path[:300], "message": f"{prefix}{reason}"}
            if problem not in problems:
                problems.append(problem)
    return problems


def raise_if_dropped(processor: SafeProcessor, document: Any) -> None:
    """InputError (``invalid_jsonld``) for malformed IRIs or language tags, UnsignedDataError for
    dropped data, NotCompactError for data not written with its terms, naming each term's
    paths; nothing when the document is sound."""
    if processor.malformed:
        raise InputError(
            "the document holds IRIs or language tags that RDF processors write differently",
            code="invalid_jsonld",
            problems=_problems(processor.malformed, document, ""),
        )
    if processor.dropped:
        raise UnsignedDataError(
            "the document holds data that its signature would not cover",
            problems=_problems(processor.dropped, document, "outside the signature: "),
        )
    if processor.not_compact:
        raise NotCompactError(
            "the document writes as an IRI or a keyword what its contexts name with a term",
            problems=_problems(processor.not_compact, document, ""),
        )


__all__ = ["SafeProcessor", "raise_if_dropped", "refuse_embedded_loads"]

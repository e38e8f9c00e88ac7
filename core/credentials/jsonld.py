"""JSON-LD -> RDF (pyld + offline loader), strict undefined-term detection, shape-template cache."""

from __future__ import annotations

import json
import re
import threading
import warnings
from collections import OrderedDict
from typing import Any

from pyld import jsonld as pyld_jsonld

from core.credentials.loader import document_loader, is_bundled, load_context
from core.credentials.nquads import BNODE, LITERAL, Dataset, Quad, Term, from_pyld
from core.credentials.rdfc import DEFAULT_MAX_WORK, canonicalize
from core.errors import ContextError, InputError, UndefinedTermError

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
_IRI_LEAF = re.compile(r"(?:https?://|urn:|did:|mailto:)[^\s<>\"{}|\\^`\x00-\x1f\x7f]+\Z")
_BAD_ID = re.compile(r"[\s\x00-\x1f\x7f]|\A@[A-Za-z]+\Z")
_PLACEHOLDER = re.compile(r"urn:sceau:ph:(\d+)|zzsceauph(\d+)q")
# values kept verbatim in the shape key (never replaced by placeholders)
_EXACT_KEYS = frozenset({"type", "@type", "@context", "@language", "@direction", "@index"})


def _exact(key: str) -> bool:
    return key in _EXACT_KEYS or (key[:1] == "@" and key not in KEYWORDS)


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


def _pyld_quads(document: dict[str, Any], strict: bool) -> Dataset:
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
    """
    options: dict[str, Any] = {"documentLoader": document_loader}
    if strict:
        contexts = _context_list(document)
        if not _declares_vocab(contexts):
            document = dict(document)
            document["@context"] = [*contexts, {"@vocab": VOCAB_SENTINEL}]
        options["base"] = BASE_SENTINEL
    try:
        with _pyld_lock, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            dataset = pyld_jsonld.to_rdf(document, options)
    except Exception as exc:
        cause: BaseException | None = exc
        while cause is not None:
            if isinstance(cause, ContextError):
                raise cause from None
            cause = cause.__cause__ or cause.__context__
        raise InputError(
            "the JSON-LD document could not be processed", code="invalid_jsonld"
        ) from None
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


# ------------------------------------------------------------------ document walk


class _Walk:
    """One pass over a document: shape key tokens, string leaves, flags and strict problems."""

    __slots__ = ("cacheable", "leaves", "problems", "tokens")

    def __init__(self) -> None:
        self.tokens: list[str] = []
        self.leaves: list[str] = []
        self.problems: list[str] = []
        self.cacheable = True

    def context(self, value: Any) -> None:
        for entry in value if isinstance(value, list) else [value]:
            if isinstance(entry, str):
                if not is_bundled(entry):
                    raise ContextError(f"unknown JSON-LD context (not bundled): {entry}")
            else:
                self.cacheable = False
                self._nested_urls(entry)

    def _nested_urls(self, value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in ("@context", "@import") and isinstance(item, str | list):
                    for url in item if isinstance(item, list) else [item]:
                        if isinstance(url, str) and not is_bundled(url):
                            raise ContextError(f"unknown JSON-LD context (not bundled): {url}")
                self._nested_urls(item)
        elif isinstance(value, list):
            for item in value:
                self._nested_urls(item)

    def node(self, value: Any, top: bool = False) -> None:
        tokens = self.tokens
        if isinstance(value, dict):
            tokens.append("{")
            for key, item in value.items():
                tokens.append("k" + key)
                if key == "@context":
                    if not top:
                        self.cacheable = False
                    self.context(item)
                    tokens.append("x" + json.dumps(item))
                elif _exact(key):
                    tokens.append("x" + json.dumps(item))
                    self._check_key(key)
                    if key in ("type", "@type"):
                        for name in item if isinstance(item, list) else [item]:
                            if (
                                isinstance(name, str)
                                and _BAD_ID.search(name)
                                and (name not in KEYWORDS)
                            ):
                                self.problems.append("invalid type: " + name)
                    elif isinstance(item, dict | list):
                        self._nested_urls(item)
                else:
                    self._check_key(key)
                    if key in ("id", "@id") and isinstance(item, str) and _BAD_ID.search(item):
                        self.problems.append("invalid id: " + item)
                    self.node(item)
            tokens.append("}")
        elif isinstance(value, list):
            tokens.append("[" + str(len(value)))
            for item in value:
                self.node(item)
        elif isinstance(value, str):
            tokens.append("i" if _IRI_LEAF.match(value) else "t")
            self.leaves.append(value)
        else:
            tokens.append(f"n{type(value).__name__}:{value!r}")

    def _check_key(self, key: str) -> None:
        if key[:1] == "@":
            if key not in KEYWORDS:
                self.problems.append(key)
        elif key.startswith("_:") or _BAD_ID.search(key):
            self.problems.append(key)


def _rebuild(value: Any, leaves: list[str], position: list[int]) -> Any:
    """A copy of ``value`` whose string leaves (in walk order) are taken from ``leaves``."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if _exact(key):
                out[key] = item
            else:
                out[key] = _rebuild(item, leaves, position)
        return out
    if isinstance(value, list):
        return [_rebuild(item, leaves, position) for item in value]
    if isinstance(value, str):
        index = position[0]
        position[0] += 1
        return leaves[index]
    return value


# ------------------------------------------------------------------ templates


def _placeholders(kinds: str) -> list[str]:
    return [
        f"urn:sceau:ph:{n}" if kind == "i" else f"zzsceauph{n}q" for n, kind in enumerate(kinds)
    ]


def _scan(quads: Dataset, count: int) -> tuple[set[int], set[int]]:
    """(leaves seen as whole values, leaves seen otherwise) in converted placeholder output."""
    whole: set[int] = set()
    other: set[int] = set()
    for quad in quads:
        for term in quad:
            if term is None or term.kind == BNODE:
                continue
            for text, may_be_whole in ((term.value, True), (term.datatype, False)):
                if not text:
                    continue
                for match in _PLACEHOLDER.finditer(text):
                    index = int(match.group(1) or match.group(2))
                    if index >= count:
                        continue
                    if may_be_whole and match.span() == (0, len(text)):
                        whole.add(index)
                    else:
                        other.add(index)
    return whole, other


_Slot = Term | tuple[int, int, str | None, str | None]


class _Template:
    __slots__ = ("quads",)

    def __init__(self, quads: Dataset, index: dict[str, int]) -> None:
        compiled: list[tuple[_Slot, ...]] = []
        for quad in quads:
            slots: list[_Slot] = []
            for term in quad:
                if term is not None and term.kind != BNODE and term.value in index:
                    slots.append((index[term.value], term.kind, term.datatype, term.language))
                else:
                    slots.append(term)  # type: ignore[arg-type]
            compiled.append(tuple(slots))
        self.quads = compiled

    def instantiate(self, leaves: list[str]) -> Dataset:
        out: Dataset = []
        seen: set[Quad] = set()
        for slots in self.quads:
            terms = [
                s if s is None or isinstance(s, Term) else Term(s[1], leaves[s[0]], s[2], s[3])
                for s in slots
            ]
            quad = Quad(*terms)
            if quad not in seen:
                seen.add(quad)
                out.append(quad)
        return out


class _Shape:
    __slots__ = ("sensitive", "templates", "uncacheable")

    def __init__(self, sensitive: tuple[int, ...]) -> None:
        self.sensitive = sensitive
        self.templates: OrderedDict[tuple[str, ...], _Template] = OrderedDict()
        self.uncacheable = False


MAX_SHAPES = 256
MAX_TEMPLATES_PER_SHAPE = 64
_shapes: OrderedDict[tuple[Any, ...], _Shape] = OrderedDict()
_cache_lock = threading.RLock()


def clear_cache() -> None:
    """Forget every shape template (tests, benchmarks)."""
    with _cache_lock:
        _shapes.clear()


def _kinds(walk: _Walk) -> str:
    return "".join(t for t in walk.tokens if t in ("i", "t"))


def _lookup(key: tuple[Any, ...], leaves: list[str]) -> _Shape | _Template | None:
    with _cache_lock:
        shape = _shapes.get(key)
        if shape is None:
            return None
        _shapes.move_to_end(key)
        if shape.uncacheable:
            return shape
        second = tuple(leaves[i] for i in shape.sensitive)
        template = shape.templates.get(second)
        if template is None:
            return shape
        shape.templates.move_to_end(second)
        return template


def _fast_quads(document: dict[str, Any], walk: _Walk, strict: bool) -> Dataset:
    key = (strict, *walk.tokens)
    leaves = walk.leaves
    found = _lookup(key, leaves)
    if isinstance(found, _Template):
        return found.instantiate(leaves)
    if found is not None and found.uncacheable:
        return _pyld_quads(document, strict)
    with _cache_lock:
        return _build(document, key, leaves, _kinds(walk), strict)


def _build(
    document: dict[str, Any], key: tuple[Any, ...], leaves: list[str], kinds: str, strict: bool
) -> Dataset:
    """Build (or rebuild) the shape and the template of ``document``; returns its quads."""
    ph = _placeholders(kinds)
    shape = _shapes.get(key)
    quads: Dataset | None = None
    try:
        if shape is None:
            quads = _pyld_quads(_rebuild(document, ph, [0]), strict)
            whole, other = _scan(quads, len(ph))
            shape = _Shape(tuple(i for i in range(len(ph)) if i not in whole or i in other))
            _shapes[key] = shape
            if len(_shapes) > MAX_SHAPES:
                _shapes.popitem(last=False)
        if shape.sensitive or quads is None:
            mixed = list(ph)
            for i in shape.sensitive:
                mixed[i] = leaves[i]
            quads = _pyld_quads(_rebuild(document, mixed, [0]), strict)
    except (InputError, ContextError):
        quads = None
        if shape is None:
            shape = _Shape(())
            shape.uncacheable = True
            _shapes[key] = shape
    real = _pyld_quads(document, strict)
    if shape is None or shape.uncacheable:
        return real
    expected = {i for i in range(len(ph)) if i not in shape.sensitive}
    if quads is not None:
        whole, other = _scan(quads, len(ph))
        template = _Template(quads, {ph[i]: i for i in expected})
        if whole == expected and not other and _canon(template.instantiate(leaves)) == _canon(real):
            shape.templates[tuple(leaves[i] for i in shape.sensitive)] = template
            if len(shape.templates) > MAX_TEMPLATES_PER_SHAPE:
                shape.templates.popitem(last=False)
            return real
    shape.uncacheable = True
    shape.templates.clear()
    return real


def _canon(quads: Dataset) -> str:
    return canonicalize(quads, max_work=DEFAULT_MAX_WORK)


# ------------------------------------------------------------------ public API


def to_dataset(document: dict[str, Any], *, strict: bool = True, cache: bool = True) -> Dataset:
    """The RDF dataset of a JSON-LD document (bundled contexts only).

    Raises ContextError (unknown / unusable context), UndefinedTermError (strict mode: terms,
    types or ids that the contexts do not define), InputError (not JSON-LD).
    """
    if not isinstance(document, dict):
        raise InputError("a JSON-LD document must be a JSON object", code="invalid_jsonld")
    walk = _Walk()
    walk.node(document, top=True)
    if strict and walk.problems:
        raise UndefinedTermError(sorted(set(walk.problems)))
    if cache and walk.cacheable and "@context" in document:
        quads = _fast_quads(document, walk, strict)
    else:
        quads = _pyld_quads(document, strict)
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
        to_dataset(document, strict=strict, cache=cache),
        max_work=max_work,
        deadline_seconds=deadline_seconds,
    )


__all__ = ["canonical_nquads", "clear_cache", "to_dataset", "undefined_terms"]

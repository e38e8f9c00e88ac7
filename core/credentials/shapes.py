"""The shape-template cache: documents of one structure share one pyld conversion (DESIGN §4).

pyld's JSON-LD -> RDF costs milliseconds per credential. Credentials of one shape (same keys,
types, contexts, array lengths) convert to the same quads up to the string values, so the first
document of a shape is converted with placeholders, checked against a full pyld run, and kept as
a template; later documents substitute their values. Values whose placeholder is not found as a
whole IRI or literal (vocabulary-coerced values, relative ids, JSON literals, xsd:double strings)
are part of the key. A document holding a placeholder pattern anywhere goes through pyld.
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from typing import Any

from core.credentials.expansion import BAD_ID, KEYWORDS, pyld_quads
from core.credentials.loader import is_bundled
from core.credentials.nquads import BNODE, LITERAL, Dataset, Quad, Term
from core.credentials.rdfc import DEFAULT_MAX_WORK, canonicalize
from core.errors import CanonicalizationLimitError, ContextError, InputError

_IRI_LEAF = re.compile(r"(?:https?://|urn:|did:|mailto:)[^\s<>\"{}|\\^`\x00-\x1f\x7f]+\Z")
_PLACEHOLDER = re.compile(r"urn:sceau:ph:(\d+)|zzsceauph(\d+)q")
# pyld rewrites xsd:double strings ("3.50" -> "3.5E0"): such a literal is never a plain copy.
_XSD_DOUBLE = "http://www.w3.org/2001/XMLSchema#double"
# values kept verbatim in the shape key (never replaced by placeholders)
_EXACT_KEYS = frozenset({"type", "@type", "@context", "@language", "@direction", "@index"})


def _exact(key: str) -> bool:
    return key in _EXACT_KEYS or (key[:1] == "@" and key not in KEYWORDS)


def _holds_placeholder(text: str) -> bool:
    return "zzsceauph" in text or "urn:sceau:ph:" in text


def differs_in_javascript(value: Any) -> bool:
    """True for a JSON number that jsonld.js (IEEE doubles) would canonicalize differently.

    An integer past 2**53 that no double holds loses digits in JavaScript; an integral float
    (2.0) is an integer to JavaScript. From 1e21 on both sides write an xsd:double. And
    jsonld.js takes a number for a double only when JavaScript prints it with a "." (or it is
    1e21 or more): below 1e-6 JavaScript prints one-digit values as "1e-7", which jsonld.js
    then writes as the integer "0".
    """
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return 2**53 < abs(value) < 10**21 and float(value) != value
    if isinstance(value, float):
        if value.is_integer():
            return abs(value) < 1e21
        # Python's repr and JavaScript's String give the same shortest digits in exponent form.
        return abs(value) < 1e-6 and "." not in repr(value)
    return False


class DocumentWalk:
    """One pass over a document: shape key tokens, string leaves, flags and strict problems."""

    __slots__ = ("cacheable", "js_numbers", "leaves", "problems", "tokens")

    def __init__(self) -> None:
        self.tokens: list[str] = []
        self.leaves: list[str] = []
        self.problems: list[str] = []
        # numbers that jsonld.js would read differently (refused, see differs_in_javascript)
        self.js_numbers: list[int | float] = []
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
                # A key, type or value holding a placeholder would be taken for a substitution
                # slot (its placeholder's leaf would be copied into it): such documents go
                # through pyld. Plain `in` tests: this loop is the cache's per-document cost.
                if _holds_placeholder(key):
                    self.cacheable = False
                if key == "@context":
                    if not top:
                        self.cacheable = False
                    self.context(item)
                    tokens.append("x" + json.dumps(item))
                elif _exact(key):
                    exact = json.dumps(item)
                    tokens.append("x" + exact)
                    if _holds_placeholder(exact):
                        self.cacheable = False
                    self._check_key(key)
                    if key in ("type", "@type"):
                        for name in item if isinstance(item, list) else [item]:
                            if (
                                isinstance(name, str)
                                and BAD_ID.search(name)
                                and (name not in KEYWORDS)
                            ):
                                self.problems.append("invalid type: " + name)
                    elif isinstance(item, dict | list):
                        self._nested_urls(item)
                else:
                    self._check_key(key)
                    if key in ("id", "@id") and isinstance(item, str) and BAD_ID.search(item):
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
            if _holds_placeholder(value):
                self.cacheable = False
        else:
            tokens.append(f"n{type(value).__name__}:{value!r}")
            if differs_in_javascript(value):
                self.js_numbers.append(value)

    def _check_key(self, key: str) -> None:
        if key[:1] == "@":
            if key not in KEYWORDS:
                self.problems.append(key)
        elif key.startswith("_:") or BAD_ID.search(key):
            self.problems.append(key)


def js_number_problems(value: Any, path: str = "") -> list[dict[str, str]]:
    """The paths (``a.b[0]``) of the numbers that DocumentWalk records in ``js_numbers``."""
    if isinstance(value, dict):
        return [
            problem
            for key, item in value.items()
            if key != "@context" and not _exact(key)
            for problem in js_number_problems(item, f"{path}.{key}" if path else key)
        ]
    if isinstance(value, list):
        return [
            problem
            for n, item in enumerate(value)
            for problem in js_number_problems(item, f"{path}[{n}]")
        ]
    if not differs_in_javascript(value):
        return []
    message = (
        "integral decimal number: JavaScript reads it as an integer; write it without a fraction"
        if isinstance(value, float)
        else "integer that no IEEE double holds: JavaScript would sign other digits"
    )
    return [{"path": path or "$", "message": message}]


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
            value_whole = term.kind != LITERAL or term.datatype != _XSD_DOUBLE
            for text, may_be_whole in ((term.value, value_whole), (term.datatype, False)):
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


def _kinds(walk: DocumentWalk) -> str:
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


def fast_quads(
    document: dict[str, Any],
    walk: DocumentWalk,
    strict: bool,
    max_work: int = DEFAULT_MAX_WORK,
) -> Dataset:
    key = (strict, *walk.tokens)
    leaves = walk.leaves
    found = _lookup(key, leaves)
    if isinstance(found, _Template):
        return found.instantiate(leaves)
    if found is not None and found.uncacheable:
        return pyld_quads(document, strict)
    with _cache_lock:
        return _build(document, key, leaves, _kinds(walk), strict, max_work)


def _build(
    document: dict[str, Any],
    key: tuple[Any, ...],
    leaves: list[str],
    kinds: str,
    strict: bool,
    max_work: int,
) -> Dataset:
    """Build (or rebuild) the shape and the template of ``document``; returns its quads."""
    ph = _placeholders(kinds)
    shape = _shapes.get(key)
    quads: Dataset | None = None
    try:
        if shape is None:
            quads = pyld_quads(_rebuild(document, ph, [0]), strict)
            whole, other = _scan(quads, len(ph))
            shape = _Shape(tuple(i for i in range(len(ph)) if i not in whole or i in other))
            _shapes[key] = shape
            if len(_shapes) > MAX_SHAPES:
                _shapes.popitem(last=False)
        if shape.sensitive or quads is None:
            mixed = list(ph)
            for i in shape.sensitive:
                mixed[i] = leaves[i]
            quads = pyld_quads(_rebuild(document, mixed, [0]), strict)
    except (InputError, ContextError):
        quads = None
        if shape is None:
            shape = _Shape(())
            shape.uncacheable = True
            _shapes[key] = shape
    real = pyld_quads(document, strict)
    if shape is None or shape.uncacheable:
        return real
    expected = {i for i in range(len(ph)) if i not in shape.sensitive}
    if quads is not None:
        whole, other = _scan(quads, len(ph))
        template = _Template(quads, {ph[i]: i for i in expected})
        if whole == expected and not other and _same(template.instantiate(leaves), real, max_work):
            shape.templates[tuple(leaves[i] for i in shape.sensitive)] = template
            if len(shape.templates) > MAX_TEMPLATES_PER_SHAPE:
                shape.templates.popitem(last=False)
            return real
    shape.uncacheable = True
    shape.templates.clear()
    return real


def _same(candidate: Dataset, real: Dataset, max_work: int) -> bool:
    """Whether two datasets canonicalize alike, within the configured work budget.

    ``real`` first: a document over the budget raises as its own canonicalization would. A
    candidate over it when ``real`` is not counts as a mismatch (the shape then goes through
    pyld): a slower answer, never a wrong one.
    """
    expected = canonicalize(real, max_work=max_work)
    try:
        return canonicalize(candidate, max_work=max_work) == expected
    except CanonicalizationLimitError:
        return False

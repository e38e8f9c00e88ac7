"""RDF terms, quads and the N-Quads parser / canonical serializer used by RDFC-1.0."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, NamedTuple

from core.errors import InputError

IRI = 0
BNODE = 1
LITERAL = 2

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


class Term(NamedTuple):
    """An RDF term: ``kind`` is IRI, BNODE or LITERAL; literals carry datatype / language."""

    kind: int
    value: str
    datatype: str | None = None
    language: str | None = None


class Quad(NamedTuple):
    """An RDF quad; ``graph`` is None for the default graph."""

    subject: Term
    predicate: Term
    object: Term
    graph: Term | None = None


Dataset = list[Quad]


def iri(value: str) -> Term:
    """An IRI term."""
    return Term(IRI, value)


def bnode(label: str) -> Term:
    """A blank node term, ``label`` without the ``_:`` prefix."""
    return Term(BNODE, label)


def literal(value: str, datatype: str = XSD_STRING, language: str | None = None) -> Term:
    """A literal term; a language tag implies rdf:langString."""
    if language is not None:
        return Term(LITERAL, value, RDF_LANGSTRING, language)
    return Term(LITERAL, value, datatype, None)


# ---------------------------------------------------------------- serialization

_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}
for _c in [*range(0x00, 0x08), 0x0B, *range(0x0E, 0x20), 0x7F]:
    _ESCAPES[chr(_c)] = f"\\u{_c:04X}"
_NEEDS_ESCAPE = re.compile("[" + re.escape("".join(_ESCAPES)) + "]")


def _escape_sub(match: re.Match[str]) -> str:
    return _ESCAPES[match.group()]


def escape_literal(value: str) -> str:
    """Escape a literal's lexical form the canonical N-Quads way (RDFC-1.0)."""
    if _NEEDS_ESCAPE.search(value) is None:
        return value
    return _NEEDS_ESCAPE.sub(_escape_sub, value)


def term_to_nquads(term: Term) -> str:
    """Serialize one term in canonical N-Quads form."""
    kind = term.kind
    if kind == IRI:
        return "<" + term.value + ">"
    if kind == BNODE:
        return "_:" + term.value
    text = '"' + escape_literal(term.value) + '"'
    if term.language is not None:
        return text + "@" + term.language
    if term.datatype is not None and term.datatype != XSD_STRING:
        return text + "^^<" + term.datatype + ">"
    return text


def quad_to_nquads(quad: Quad) -> str:
    """Serialize one quad as a canonical N-Quads line (with the final newline)."""
    s, p, o, g = quad
    line = term_to_nquads(s) + " <" + p.value + "> " + term_to_nquads(o)
    if g is not None:
        line += " " + term_to_nquads(g)
    return line + " .\n"


def serialize(dataset: Iterable[Quad]) -> str:
    """Serialize quads in order (no sorting) as N-Quads."""
    return "".join(quad_to_nquads(q) for q in dataset)


# ---------------------------------------------------------------- parsing

_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_IRIREF = r"<((?:[^\x00-\x20<>\"{}|^`\\]|" + _UCHAR + r")*)>"
_PN = r"A-Za-z0-9_\u00C0-\U000EFFFF"
_BNODE = r"_:([" + _PN + r"](?:[" + _PN + r".\-\u00B7]*[" + _PN + r"\-\u00B7])?)"
_STRING = r'"((?:[^"\\\n\r]|\\[tbnrf"\'\\]|' + _UCHAR + r')*)"'
_LANG = r"@([a-zA-Z]+(?:-[a-zA-Z0-9]+)*)"
_WS = r"[ \t]*"
_TERM_RE = re.compile(
    _WS
    + r"(?:"
    + _IRIREF
    + r"|"
    + _BNODE
    + r"|"
    + _STRING
    + r"(?:"
    + _LANG
    + r"|\^\^"
    + _IRIREF
    + r")?)"
)
_END_RE = re.compile(_WS + r"\." + _WS + r"(?:#.*)?$")
_UNESCAPE_RE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|([tbnrf\"'\\]))")
_ECHAR = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def _unescape_sub(match: re.Match[str]) -> str:
    hex4, hex8, echar = match.groups()
    if echar is not None:
        return _ECHAR[echar]
    return chr(int(hex4 or hex8, 16))


def _unescape(text: str) -> str:
    return _UNESCAPE_RE.sub(_unescape_sub, text) if "\\" in text else text


def _parse_term(line: str, pos: int, lineno: int) -> tuple[Term, int]:
    match = _TERM_RE.match(line, pos)
    if match is None:
        raise InputError(f"N-Quads syntax error on line {lineno}")
    iri_v, bnode_v, lit_v, lang, dtype = match.groups()
    if iri_v is not None:
        term = iri(_unescape(iri_v))
    elif bnode_v is not None:
        term = bnode(bnode_v)
    elif lang is not None:
        term = literal(_unescape(lit_v), language=lang)
    else:
        term = literal(_unescape(lit_v), _unescape(dtype) if dtype is not None else XSD_STRING)
    return term, match.end()


def parse_nquads(text: str) -> Dataset:
    """Parse an N-Quads document; raises InputError on a syntax error. Duplicates are dropped."""
    quads: Dataset = []
    seen: set[Quad] = set()
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip(" \t")
        if not line or line.startswith("#"):
            continue
        terms: list[Term] = []
        pos = 0
        while len(terms) < 4:
            end = _END_RE.match(line, pos)
            if end is not None:
                break
            term, pos = _parse_term(line, pos, lineno)
            terms.append(term)
        if _END_RE.match(line, pos) is None or len(terms) not in (3, 4):
            raise InputError(f"N-Quads syntax error on line {lineno}")
        s, p, o = terms[0], terms[1], terms[2]
        g = terms[3] if len(terms) == 4 else None
        if s.kind == LITERAL or p.kind != IRI or (g is not None and g.kind == LITERAL):
            raise InputError(f"N-Quads syntax error on line {lineno}")
        quad = Quad(s, p, o, g)
        if quad not in seen:
            seen.add(quad)
            quads.append(quad)
    return quads


# ---------------------------------------------------------------- pyld dataset form


def _pyld_term(node: dict[str, Any]) -> Term:
    kind = node["type"]
    if kind == "IRI":
        return iri(node["value"])
    if kind == "blank node":
        value: str = node["value"]
        return bnode(value[2:] if value.startswith("_:") else value)
    return literal(node["value"], node.get("datatype") or XSD_STRING, node.get("language"))


def from_pyld(dataset: dict[str, list[dict[str, Any]]]) -> Dataset:
    """Convert pyld's ``to_rdf`` dataset dict ({graph name: [triple dicts]}) to quads."""
    quads: Dataset = []
    seen: set[Quad] = set()
    for graph_name, triples in dataset.items():
        if graph_name == "@default":
            graph: Term | None = None
        elif graph_name.startswith("_:"):
            graph = bnode(graph_name[2:])
        else:
            graph = iri(graph_name)
        for triple in triples:
            quad = Quad(
                _pyld_term(triple["subject"]),
                _pyld_term(triple["predicate"]),
                _pyld_term(triple["object"]),
                graph,
            )
            if quad not in seen:
                seen.add(quad)
                quads.append(quad)
    return quads

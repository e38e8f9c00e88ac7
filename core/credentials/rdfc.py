"""RDFC-1.0 (W3C RDF Dataset Canonicalization), bounded by a work budget and a deadline."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from core.credentials.nquads import (
    BNODE,
    Dataset,
    Quad,
    Term,
    bnode,
    from_pyld,
    quad_to_nquads,
    term_to_nquads,
)
from core.errors import CanonicalizationLimitError, InputError

DEFAULT_MAX_WORK = 20000

_HASHES: dict[str, Callable[[bytes], Any]] = {
    "sha256": hashlib.sha256,
    "sha384": hashlib.sha384,
}

_A = bnode("a")
_Z = bnode("z")


class _IdentifierIssuer:
    """Issues identifiers ``prefix + counter`` and remembers the order of issue."""

    __slots__ = ("counter", "issued", "prefix")

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.counter = 0
        self.issued: dict[str, str] = {}

    def issue(self, existing: str) -> str:
        found = self.issued.get(existing)
        if found is not None:
            return found
        new = self.prefix + str(self.counter)
        self.counter += 1
        self.issued[existing] = new
        return new

    def copy(self) -> _IdentifierIssuer:
        other = _IdentifierIssuer(self.prefix)
        other.counter = self.counter
        other.issued = dict(self.issued)
        return other


def _permutations(items: list[str]) -> Iterator[list[str]]:
    """All permutations (order does not matter for the result: the minimum path is kept)."""
    if len(items) <= 1:
        yield list(items)
        return
    for i, first in enumerate(items):
        for rest in _permutations(items[:i] + items[i + 1 :]):
            yield [first, *rest]


class _Canonicalizer:
    """State of one run of the RDFC-1.0 algorithm."""

    def __init__(self, quads: Dataset, hash_name: str, max_work: int, deadline: float | None):
        self.quads = quads
        self.hash = _HASHES[hash_name]
        self.max_work = max_work
        self.work = 0
        self.deadline = deadline
        self.canonical = _IdentifierIssuer("c14n")
        self.bnode_quads: dict[str, list[Quad]] = {}
        self.first_degree: dict[str, str] = {}

    def _spend(self, amount: int = 1) -> None:
        self.work += amount
        if self.work > self.max_work:
            raise CanonicalizationLimitError(
                "RDF canonicalization exceeded its work budget (poison graph?)"
            )
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise CanonicalizationLimitError("RDF canonicalization exceeded its time limit")

    def _digest(self, data: str) -> str:
        return str(self.hash(data.encode("utf-8")).hexdigest())

    # 4.6 Hash First Degree Quads
    def hash_first_degree(self, label: str) -> str:
        cached = self.first_degree.get(label)
        if cached is not None:
            return cached
        lines = []
        for quad in self.bnode_quads[label]:
            terms: list[Term | None] = []
            for term in quad:
                if term is not None and term.kind == BNODE:
                    terms.append(_A if term.value == label else _Z)
                else:
                    terms.append(term)
            lines.append(quad_to_nquads(Quad(*terms)))  # type: ignore[arg-type]
        lines.sort()
        result = self._digest("".join(lines))
        self.first_degree[label] = result
        return result

    # 4.7 Hash Related Blank Node
    def hash_related(self, related: str, quad: Quad, issuer: _IdentifierIssuer, pos: str) -> str:
        ident = self.canonical.issued.get(related)
        if ident is None:
            ident = issuer.issued.get(related)
        ident = "_:" + ident if ident is not None else self.hash_first_degree(related)
        data = pos
        if pos != "g":
            data += "<" + quad.predicate.value + ">"
        return self._digest(data + ident)

    # 4.8 Hash N-Degree Quads
    def hash_n_degree(self, label: str, issuer: _IdentifierIssuer) -> tuple[str, _IdentifierIssuer]:
        self._spend()
        related_by_hash: dict[str, list[str]] = {}
        for quad in self.bnode_quads[label]:
            for term, pos in ((quad.subject, "s"), (quad.object, "o"), (quad.graph, "g")):
                if term is not None and term.kind == BNODE and term.value != label:
                    digest = self.hash_related(term.value, quad, issuer, pos)
                    related_by_hash.setdefault(digest, []).append(term.value)
        data = ""
        for digest in sorted(related_by_hash):
            data += digest
            chosen_path = ""
            chosen_issuer: _IdentifierIssuer | None = None
            for permutation in _permutations(sorted(related_by_hash[digest])):
                self._spend()
                issuer_copy = issuer.copy()
                path = ""
                recursion: list[str] = []
                skip = False
                for related in permutation:
                    canon = self.canonical.issued.get(related)
                    if canon is not None:
                        path += "_:" + canon
                    else:
                        if related not in issuer_copy.issued:
                            recursion.append(related)
                        path += "_:" + issuer_copy.issue(related)
                    if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                for related in recursion:
                    result, issuer_copy = self.hash_n_degree(related, issuer_copy)
                    path += "_:" + issuer_copy.issue(related) + "<" + result + ">"
                    if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                if not chosen_path or path < chosen_path:
                    chosen_path = path
                    chosen_issuer = issuer_copy
            data += chosen_path
            assert chosen_issuer is not None
            issuer = chosen_issuer
        return self._digest(data), issuer

    # 4.4 the canonicalization algorithm
    def run(self) -> dict[str, str]:
        for quad in self.quads:
            for term in (quad.subject, quad.object, quad.graph):
                if term is not None and term.kind == BNODE:
                    entries = self.bnode_quads.setdefault(term.value, [])
                    if not entries or entries[-1] is not quad:
                        entries.append(quad)
        by_hash: dict[str, list[str]] = {}
        for label in self.bnode_quads:
            by_hash.setdefault(self.hash_first_degree(label), []).append(label)
        shared: list[str] = []
        for digest in sorted(by_hash):
            labels = by_hash[digest]
            if len(labels) == 1:
                self.canonical.issue(labels[0])
            else:
                shared.append(digest)
        for digest in shared:
            results = []
            for label in by_hash[digest]:
                if label in self.canonical.issued:
                    continue
                temp = _IdentifierIssuer("b")
                temp.issue(label)
                results.append(self.hash_n_degree(label, temp))
            results.sort(key=lambda item: item[0])
            for _, issuer in results:
                for existing in issuer.issued:
                    self.canonical.issue(existing)
        return self.canonical.issued


def _relabel(term: Term | None, mapping: dict[str, str]) -> Term | None:
    if term is not None and term.kind == BNODE:
        return bnode(mapping[term.value])
    return term


def _as_quads(dataset: Dataset | dict[str, list[dict[str, Any]]] | Iterable[Quad]) -> Dataset:
    if isinstance(dataset, dict):
        return from_pyld(dataset)
    quads = list(dataset)
    unique: Dataset = []
    seen: set[Quad] = set()
    for quad in quads:
        if not isinstance(quad, Quad):
            raise InputError("canonicalize() expects quads or a pyld dataset")
        if quad not in seen:
            seen.add(quad)
            unique.append(quad)
    return unique


def canonicalize_with_map(
    dataset: Dataset | dict[str, list[dict[str, Any]]] | Iterable[Quad],
    *,
    hash_algorithm: str = "sha256",
    max_work: int = DEFAULT_MAX_WORK,
    deadline_seconds: float | None = None,
) -> tuple[str, dict[str, str]]:
    """Canonical N-Quads and the issued map (input blank node label -> canonical label)."""
    name = hash_algorithm.lower().replace("-", "")
    if name not in _HASHES:
        raise InputError(f"unsupported RDFC-1.0 hash algorithm: {hash_algorithm}")
    quads = _as_quads(dataset)
    deadline = None if deadline_seconds is None else time.monotonic() + deadline_seconds
    mapping = _Canonicalizer(quads, name, max_work, deadline).run()
    lines = sorted(
        quad_to_nquads(
            Quad(
                _relabel(q.subject, mapping),  # type: ignore[arg-type]
                q.predicate,
                _relabel(q.object, mapping),  # type: ignore[arg-type]
                _relabel(q.graph, mapping),
            )
        )
        if (q.subject.kind == BNODE or q.object.kind == BNODE or q.graph is not None)
        else quad_to_nquads(q)
        for q in quads
    )
    return "".join(lines), dict(mapping)


def canonicalize(
    dataset: Dataset | dict[str, list[dict[str, Any]]] | Iterable[Quad],
    *,
    hash_algorithm: str = "sha256",
    max_work: int = DEFAULT_MAX_WORK,
    deadline_seconds: float | None = None,
) -> str:
    """The RDFC-1.0 canonical N-Quads of a dataset (quads or pyld's to_rdf dict)."""
    text, _ = canonicalize_with_map(
        dataset,
        hash_algorithm=hash_algorithm,
        max_work=max_work,
        deadline_seconds=deadline_seconds,
    )
    return text


__all__ = ["DEFAULT_MAX_WORK", "canonicalize", "canonicalize_with_map", "term_to_nquads"]

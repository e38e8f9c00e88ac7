"""Every case of the W3C RDFC-1.0 test suite (tests/vectors/rdf-canon) against our rdfc."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from core.credentials.nquads import parse_nquads
from core.credentials.rdfc import canonicalize, canonicalize_with_map
from core.errors import CanonicalizationLimitError

SUITE = Path(__file__).resolve().parents[2] / "vectors" / "rdf-canon"
MANIFEST = json.loads((SUITE / "manifest.jsonld").read_text(encoding="utf-8"))
ENTRIES: list[dict[str, Any]] = MANIFEST["entries"]


def _cases(kind: str) -> list[Any]:
    return [
        pytest.param(entry, id=entry["id"].lstrip("#"))
        for entry in ENTRIES
        if entry["type"] == kind
    ]


def _algorithm(entry: dict[str, Any]) -> str:
    return str(entry.get("hashAlgorithm", "SHA256"))


def _read(name: str) -> str:
    return (SUITE / name).read_text(encoding="utf-8")


def test_suite_is_complete() -> None:
    kinds = {entry["type"] for entry in ENTRIES}
    assert kinds == {
        "rdfc:RDFC10EvalTest",
        "rdfc:RDFC10MapTest",
        "rdfc:RDFC10NegativeEvalTest",
    }
    assert len(ENTRIES) == 86


@pytest.mark.parametrize("entry", _cases("rdfc:RDFC10EvalTest"))
def test_eval(entry: dict[str, Any]) -> None:
    dataset = parse_nquads(_read(entry["action"]))
    result = canonicalize(dataset, hash_algorithm=_algorithm(entry))
    assert result == _read(entry["result"])


@pytest.mark.parametrize("entry", _cases("rdfc:RDFC10MapTest"))
def test_map(entry: dict[str, Any]) -> None:
    dataset = parse_nquads(_read(entry["action"]))
    _, mapping = canonicalize_with_map(dataset, hash_algorithm=_algorithm(entry))
    assert mapping == json.loads(_read(entry["result"]))


@pytest.mark.parametrize("entry", _cases("rdfc:RDFC10NegativeEvalTest"))
def test_negative_is_stopped_by_the_work_budget(entry: dict[str, Any]) -> None:
    dataset = parse_nquads(_read(entry["action"]))
    with pytest.raises(CanonicalizationLimitError):
        canonicalize(dataset, hash_algorithm=_algorithm(entry))


@pytest.mark.parametrize("entry", _cases("rdfc:RDFC10NegativeEvalTest"))
def test_negative_is_stopped_by_the_deadline(entry: dict[str, Any]) -> None:
    dataset = parse_nquads(_read(entry["action"]))
    with pytest.raises(CanonicalizationLimitError):
        canonicalize(dataset, max_work=10**12, deadline_seconds=0.2)


def test_pyld_dataset_form_is_accepted() -> None:
    pyld_form = {
        "@default": [
            {
                "subject": {"type": "blank node", "value": "_:x"},
                "predicate": {"type": "IRI", "value": "urn:p"},
                "object": {
                    "type": "literal",
                    "value": 'a "b"\n',
                    "datatype": "http://www.w3.org/2001/XMLSchema#string",
                },
            }
        ]
    }
    assert canonicalize(pyld_form) == '_:c14n0 <urn:p> "a \\"b\\"\\n" .\n'


def test_sha384_differs_from_sha256_on_a_shared_hash_case() -> None:
    text = _read("rdfc10/test020-in.nq")
    dataset = parse_nquads(text)
    assert canonicalize(dataset, hash_algorithm="sha384") == _read("rdfc10/test075-rdfc10.nq")
    assert canonicalize(dataset) == _read("rdfc10/test020-rdfc10.nq")

"""The shape-template cache against full pyld runs: placeholder collisions, budget, JS numbers."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from core.credentials import jsonld, shapes
from core.credentials.rdfc import DEFAULT_MAX_WORK, canonicalize
from core.errors import CanonicalizationLimitError, InputError

V2 = "https://www.w3.org/ns/credentials/v2"
OB = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
XSD = "http://www.w3.org/2001/XMLSchema#"
TYPES = ["VerifiableCredential", "OpenBadgeCredential"]
ID = "https://sceau.example/c/5b0e4a5c-0000-4c8e-9d1e-000000000002"
# The placeholders the cache gives to leaf 0 of credential() below (its id, IRI-like) and to
# leaf 2 (the issuer's name, text).
PH_ID = "urn:sceau:ph:0"
PH_TEXT = "zzsceauph2q"


def credential(
    id_: str = ID,
    *,
    types: list[str] | None = None,
    name: Any = "Certified Welder",
    description: str = "Awarded after the exams.",
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A small OB 3.0 credential; its leaves in walk order: id, issuer.id, issuer.name, name..."""
    document: dict[str, Any] = {
        "@context": [V2, OB],
        "id": id_,
        "type": types or TYPES,
        "issuer": {"id": "did:web:sceau.example:issuers:acme", "type": ["Profile"], "name": "ACME"},
        "name": name,
        "description": description,
        "validFrom": "2024-05-01T10:00:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://sceau.example/achievements/acme/WELD-1",
                "type": ["Achievement"],
                "name": "Welding",
                "description": "Level 1",
                "criteria": {"narrative": "Pass both exams."},
            },
        },
    }
    document.update(extra or {})
    return document


def through_cache(document: dict[str, Any], strict: bool = True) -> tuple[str, str]:
    """The canonical form through the cache, twice (the second call is served by a template)."""
    return (
        canonicalize(jsonld.to_dataset(copy.deepcopy(document), strict=strict)),
        canonicalize(jsonld.to_dataset(copy.deepcopy(document), strict=strict)),
    )


def reference(document: dict[str, Any], strict: bool = True) -> tuple[str, str]:
    expected = jsonld.canonical_nquads(copy.deepcopy(document), strict=strict, cache=False)
    return expected, expected


# (name, the first document of the shape, a later document of the same shape)
ADVERSARIAL: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    (
        "type-equals-the-id-placeholder",
        credential(PH_ID, types=[*TYPES, PH_ID]),
        credential(types=[*TYPES, PH_ID]),
    ),
    (
        "key-equals-the-id-placeholder",
        credential(PH_ID, extra={PH_ID: "x"}),
        credential(extra={PH_ID: "x"}),
    ),
    (
        "datatype-equals-the-id-placeholder",
        credential(PH_ID, name={"@value": "x", "@type": PH_ID}),
        credential(name={"@value": "x", "@type": PH_ID}),
    ),
    (
        "text-leaves-equal-other-leaves-placeholders",
        credential(name="Welder", description="https://benign.example/d"),
        credential(name=PH_TEXT, description=PH_ID),
    ),
    (
        "leaf-contains-a-placeholder",
        credential(name="Welder"),
        credential(name=f"see {PH_ID} and {PH_TEXT}"),
    ),
    (
        "key-contains-a-placeholder",
        credential(extra={"https://example.com/" + PH_TEXT: "a"}),
        credential("urn:uuid:7", extra={"https://example.com/" + PH_TEXT: "b"}),
    ),
    (
        "type-equals-the-first-documents-id",
        credential(ID, types=[*TYPES, ID]),
        credential("https://sceau.example/c/other", types=[*TYPES, ID]),
    ),
]


@pytest.mark.parametrize("strict", [True, False], ids=["strict", "lenient"])
@pytest.mark.parametrize(
    ("name", "first", "later"), ADVERSARIAL, ids=[name for name, _, _ in ADVERSARIAL]
)
def test_adversarial_values_canonicalize_as_pyld_does(
    name: str, first: dict[str, Any], later: dict[str, Any], strict: bool
) -> None:
    jsonld.clear_cache()
    jsonld.to_dataset(copy.deepcopy(first), strict=strict)
    assert through_cache(later, strict) == reference(later, strict)


@pytest.mark.parametrize(
    "document",
    [
        credential(name=PH_TEXT),
        credential(name="a urn:sceau:ph:12 b"),
        credential(types=[*TYPES, PH_ID]),
        credential(extra={"https://example.com/zzsceauph": "x"}),
        credential(name={"@value": "x", "@type": PH_ID}),
        credential(name={"@value": "x", "@language": "zzsceauph"}),
        credential(name=["Welder", "Soudeur", "urn:sceau:ph:"]),
    ],
    ids=["text", "inner-iri", "type", "key", "datatype", "language", "list-item"],
)
def test_documents_holding_a_placeholder_pattern_bypass_the_cache(document: Any) -> None:
    walk = shapes.DocumentWalk()
    walk.node(document, top=True)
    assert walk.cacheable is False


def test_ordinary_documents_use_the_cache() -> None:
    walk = shapes.DocumentWalk()
    walk.node(credential(), top=True)
    assert walk.cacheable is True


def test_double_typed_strings_are_not_substituted() -> None:
    """pyld rewrites an xsd:double string ("3.50" -> "3.5E0"): the template must not copy it."""
    first = credential(name={"@value": "", "@type": XSD + "double"})
    later = credential(name={"@value": "3.50", "@type": XSD + "double"})
    jsonld.clear_cache()
    jsonld.to_dataset(first)
    assert through_cache(later) == reference(later)


# ------------------------------------------------------------------ work budget


def test_template_check_raises_over_a_tiny_budget() -> None:
    # Twin blank nodes: RDFC-1.0 has to run its (budgeted) n-degree hashing to tell them apart.
    twin = {"type": ["Evidence"], "name": "Same"}
    jsonld.clear_cache()
    with pytest.raises(CanonicalizationLimitError):
        jsonld.to_dataset(credential(extra={"evidence": [twin, dict(twin)]}), max_work=1)


def _budgets(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    seen: list[int] = []

    def recording(quads: Any, *, max_work: int) -> str:
        seen.append(max_work)
        return canonicalize(quads, max_work=max_work)

    monkeypatch.setattr(shapes, "canonicalize", recording)
    return seen


def test_canonical_nquads_gives_its_budget_to_the_template_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen = _budgets(monkeypatch)
    jsonld.clear_cache()
    jsonld.canonical_nquads(credential(), max_work=123456)
    assert seen == [123456, 123456]


def test_the_default_budget_applies_when_none_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _budgets(monkeypatch)
    jsonld.clear_cache()
    jsonld.to_dataset(credential())
    assert seen == [DEFAULT_MAX_WORK, DEFAULT_MAX_WORK]


# ------------------------------------------------------------------ numbers and jsonld.js


@pytest.mark.parametrize("strict", [True, False], ids=["strict", "lenient"])
@pytest.mark.parametrize(
    "number",
    [12345678901234567890, 9007199254740993, -9007199254740993, 2.0, -0.0, 1e20, 1e-7, 5e-324],
    ids=["20-digits", "2**53+1", "-(2**53+1)", "2.0", "-0.0", "1e20-float", "1e-7", "5e-324"],
)
def test_numbers_that_javascript_reads_differently_are_refused(number: Any, strict: bool) -> None:
    document = credential(name={"@value": number})
    with pytest.raises(InputError) as info:
        jsonld.to_dataset(document, strict=strict)
    assert (info.value.code, info.value.problems[0]["path"]) == ("invalid_jsonld", "name.@value")


def test_every_refused_number_is_reported_with_its_path() -> None:
    document = credential(name=[{"@value": 2.0}, {"@value": 9007199254740993}])
    with pytest.raises(InputError) as info:
        jsonld.to_dataset(document)
    assert [p["path"] for p in info.value.problems] == ["name[0].@value", "name[1].@value"]


@pytest.mark.parametrize(
    ("number", "literal"),
    [
        (2**60, '"1152921504606846976"^^<' + XSD + "integer>"),
        (9007199254740992, '"9007199254740992"^^<' + XSD + "integer>"),
        (-9007199254740992, '"-9007199254740992"^^<' + XSD + "integer>"),
        (10**21, '"1.0E21"^^<' + XSD + "double>"),
        (2.5, '"2.5E0"^^<' + XSD + "double>"),
        (1e21, '"1.0E21"^^<' + XSD + "double>"),
        (1.5e-7, '"1.5E-7"^^<' + XSD + "double>"),
        (1e-6, '"1.0E-6"^^<' + XSD + "double>"),
        (True, '"true"^^<' + XSD + "boolean>"),
    ],
    ids=["2**60", "2**53", "-(2**53)", "10**21", "2.5", "1e21-float", "1.5e-7", "1e-6", "true"],
)
def test_numbers_that_javascript_reads_alike_are_accepted(number: Any, literal: str) -> None:
    document = credential(name={"@value": number})
    assert literal in canonicalize(jsonld.to_dataset(document))

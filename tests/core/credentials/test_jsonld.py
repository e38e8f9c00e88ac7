"""JSON-LD -> RDF: the shape-template fast path against plain pyld, strict mode, contexts."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from pyld import jsonld as pyld_jsonld

from core.credentials import expansion, jsonld, shapes
from core.credentials.loader import BUNDLED_CONTEXTS, document_loader, load_context
from core.credentials.nquads import from_pyld
from core.credentials.rdfc import canonicalize
from core.errors import ContextError, UndefinedTermError

VECTORS = Path(__file__).resolve().parents[2] / "vectors"
V2 = "https://www.w3.org/ns/credentials/v2"
OB = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
EXT = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"


def ob_credential(**values: Any) -> dict[str, Any]:
    """A typical Sceau OB 3.0 credential; ``values`` override the strings."""
    v: dict[str, Any] = {
        "id": "https://sceau.example/c/5b0e4a5c-1f2a-4c8e-9d1e-000000000001",
        "issuer_id": "did:web:sceau.example:issuers:acme",
        "issuer_name": "ACME Certification",
        "issuer_url": "https://acme.example",
        "valid_from": "2024-05-01T10:00:00Z",
        "valid_until": "2027-05-01T10:00:00Z",
        "name": "Certified Welder",
        "description": "Awarded after the practical and written exams.",
        "hash": "sha256$" + "ab" * 32,
        "salt": "s4lt",
        "ach_id": "https://sceau.example/achievements/acme/WELD-1",
        "ach_name": "Welding level 1",
        "narrative": "Pass both exams with at least 12/20.",
        "achievement_type": "Certificate",
        "image": "https://sceau.example/img/weld.png",
        "rd1": "https://sceau.example/achievements/acme/WELD-1#written",
        "rd2": "https://sceau.example/achievements/acme/WELD-1#practical",
        "grade1": "14",
        "grade2": "16.5",
        "target_url": "https://esco.example/skill/123",
        "target_name": "Welding",
        "status_list": "https://sceau.example/status/acme/1",
        "status_index": "94567",
        "awarded": "2024-05-01T10:00:00Z",
    }
    v.update(values)
    return {
        "@context": [V2, OB],
        "id": v["id"],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {
            "id": v["issuer_id"],
            "type": ["Profile"],
            "name": v["issuer_name"],
            "url": v["issuer_url"],
        },
        "validFrom": v["valid_from"],
        "validUntil": v["valid_until"],
        "name": v["name"],
        "description": v["description"],
        "awardedDate": v["awarded"],
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "emailAddress",
                    "hashed": True,
                    "identityHash": v["hash"],
                    "salt": v["salt"],
                }
            ],
            "achievement": {
                "id": v["ach_id"],
                "type": ["Achievement"],
                "name": v["ach_name"],
                "description": v["description"],
                "criteria": {"narrative": v["narrative"]},
                "achievementType": v["achievement_type"],
                "image": {"id": v["image"], "type": "Image"},
                "alignment": [
                    {
                        "type": ["Alignment"],
                        "targetName": v["target_name"],
                        "targetUrl": v["target_url"],
                    }
                ],
                "resultDescription": [
                    {
                        "id": v["rd1"],
                        "type": ["ResultDescription"],
                        "name": "Written",
                        "resultType": "GradePointAverage",
                    },
                    {
                        "id": v["rd2"],
                        "type": ["ResultDescription"],
                        "name": "Practical",
                        "resultType": "GradePointAverage",
                    },
                ],
            },
            "result": [
                {"type": ["Result"], "resultDescription": v["rd1"], "value": v["grade1"]},
                {"type": ["Result"], "resultDescription": v["rd2"], "value": v["grade2"]},
            ],
        },
        "credentialStatus": {
            "id": v["status_list"] + "#" + v["status_index"],
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": v["status_index"],
            "statusListCredential": v["status_list"],
        },
    }


def plain(document: dict[str, Any]) -> str:
    """Reference: plain pyld (no cache, no sentinels) + our RDFC-1.0."""
    dataset = pyld_jsonld.to_rdf(copy.deepcopy(document), {"documentLoader": document_loader})
    return canonicalize(from_pyld(dataset))


ODD_STRINGS = [
    'He said "hi"',
    "line1\nline2\ttab",
    "back\\slash",
    "unicode: é ü 漢字 🎓",
    "xsd:string",
    "_:b0",
    "schema:name",
    "https://not.an.id/in/a/literal",
    "zzsceauph0q",
    "urn:sceau:ph:1",
    "",
    " leading space",
    "@context",
    "1.5",
]

VARIANTS: list[tuple[str, dict[str, Any]]] = [
    ("baseline", {}),
    (
        "other-ids",
        {
            "id": "urn:uuid:0b6a3f0e-8c67-4a9f-9f1c-6f2a2f0c0c01",
            "issuer_id": "https://acme.example/issuer",
            "ach_id": "did:web:x:a",
        },
    ),
    ("mailto-image", {"image": "mailto:someone@example.com"}),
    ("compact-iri-id", {"ach_id": "xsd:string"}),
    ("blank-id", {"ach_id": "_:b0", "rd1": "_:b1", "rd2": "_:b1"}),
    (
        "dot-segments",
        {"issuer_url": "https://ex.com/a/../b/./c", "image": "https://ex.com/a/../i.png"},
    ),
    ("same-ids", {"rd1": "https://sceau.example/rd", "rd2": "https://sceau.example/rd"}),
    ("id-equals-issuer", {"ach_id": "did:web:sceau.example:issuers:acme"}),
    ("achievement-type-ext", {"achievement_type": "ext:Apprenticeship"}),
    ("achievement-type-other", {"achievement_type": "Diploma"}),
    ("achievement-type-iri", {"achievement_type": "https://example.com/types/x"}),
    ("same-text", {"name": "Same", "ach_name": "Same", "description": "Same", "narrative": "Same"}),
    ("grade-looks-like-iri", {"grade1": "urn:grade:14", "grade2": "https://x/y"}),
] + [
    (f"odd-{i}", {"name": s, "narrative": s, "grade1": s, "salt": s})
    for i, s in enumerate(ODD_STRINGS)
]


def _other_documents() -> list[tuple[str, dict[str, Any]]]:
    ob = json.loads((VECTORS / "ob-v3p0" / "linked-data-proof-vector.json").read_text())
    di_path = VECTORS / "vc-di-eddsa" / "eddsa-rdfc-2022" / "signedDataInt.json"
    di = json.loads(di_path.read_text())
    numbers = ob_credential()
    numbers["credentialSubject"]["achievement"]["resultDescription"][0].update(
        {"valueMin": "0", "valueMax": "20", "requiredValue": "12"}
    )
    numbers["credentialSubject"]["result"][0]["status"] = "Completed"
    with_evidence = ob_credential()
    with_evidence["evidence"] = [
        {
            "id": "https://ev.example/1",
            "type": ["Evidence"],
            "name": "Video",
            "narrative": "See\nvideo",
        },
        {"type": ["Evidence"], "description": "Inline"},
    ]
    with_schema = ob_credential()
    with_schema["@context"] = [V2, OB, EXT]
    with_schema["credentialSchema"] = [
        {
            "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
            "ob_v3p0_achievementcredential_schema.json",
            "type": "1EdTechJsonSchemaValidator2019",
        }
    ]
    no_status = ob_credential()
    del no_status["credentialStatus"]
    string_issuer = ob_credential()
    string_issuer["issuer"] = "did:web:sceau.example"
    return [
        ("ob-vector", {k: v for k, v in ob["signedCredential"].items() if k != "proof"}),
        ("ob-vector-with-proof", ob["signedCredential"]),
        ("di-vector", di),
        ("numbers", numbers),
        ("evidence", with_evidence),
        ("extensions", with_schema),
        ("no-status", no_status),
        ("string-issuer", string_issuer),
    ]


DOCUMENTS = [(name, ob_credential(**values)) for name, values in VARIANTS] + _other_documents()


@pytest.mark.parametrize(("name", "document"), DOCUMENTS, ids=[n for n, _ in DOCUMENTS])
def test_fast_path_equals_plain_pyld(name: str, document: dict[str, Any]) -> None:
    expected = plain(document)
    for strict in (False, True):
        for _ in range(2):  # first call builds the template, second uses it
            try:
                got = jsonld.canonical_nquads(copy.deepcopy(document), strict=strict)
            except UndefinedTermError:
                assert strict, name
                continue
            assert got == expected, (name, strict)
    assert jsonld.canonical_nquads(document, strict=False, cache=False) == expected


def test_cache_hits_with_every_variant_of_one_shape() -> None:
    """All variants share the shape of the baseline: serve them from one warm cache."""
    jsonld.clear_cache()
    jsonld.canonical_nquads(ob_credential(), strict=False)
    for name, values in VARIANTS:
        document = ob_credential(**values)
        assert jsonld.canonical_nquads(document, strict=False) == plain(document), name
        assert jsonld.canonical_nquads(document, strict=False) == plain(document), name


def test_sequence_of_random_credentials() -> None:
    import random

    rng = random.Random(7)
    pool = [s for s in ODD_STRINGS if s] + ["urn:x:1", "https://a.example/b", "did:web:z", "plain"]
    keys = [
        "id",
        "issuer_id",
        "issuer_name",
        "issuer_url",
        "name",
        "description",
        "hash",
        "salt",
        "ach_id",
        "ach_name",
        "narrative",
        "achievement_type",
        "image",
        "rd1",
        "rd2",
        "grade1",
        "grade2",
        "target_url",
        "target_name",
        "status_list",
        "status_index",
    ]
    for _ in range(60):
        values = {k: rng.choice(pool) for k in rng.sample(keys, 4)}
        document = ob_credential(**values)
        assert jsonld.canonical_nquads(document, strict=False) == plain(document), values


def test_strict_equals_plain_when_everything_is_defined() -> None:
    for document in [ob_credential(), *(d for _, d in _other_documents())]:
        strict = jsonld.to_dataset(document, strict=True, cache=False)
        lax = jsonld.to_dataset(document, strict=False, cache=False)
        assert set(strict) == set(lax)
        assert jsonld.canonical_nquads(document, strict=True, cache=False) == plain(document)


@pytest.mark.parametrize("cache", [False, True])
@pytest.mark.parametrize(
    ("mutate", "terms"),
    [
        (lambda d: d["credentialSubject"].__setitem__("fooBar", "x"), ["fooBar"]),
        (lambda d: d["type"].append("MadeUpCredential"), ["MadeUpCredential"]),
        (
            lambda d: d["credentialSubject"]["achievement"].__setitem__("id", "foo"),
            ["relative id: foo"],
        ),
        (
            lambda d: d["credentialSubject"]["achievement"].__setitem__("id", "//h.example/x"),
            ["relative id: //h.example/x"],
        ),
        (lambda d: d["issuer"].__setitem__("id", "../up"), ["relative id: //sceau.invalid/up"]),
        (lambda d: d.__setitem__("some thing", "x"), ["some thing"]),
        (lambda d: d.__setitem__("@foo", "x"), ["@foo"]),
        (lambda d: d["issuer"].__setitem__("id", "https://a b"), ["invalid id: https://a b"]),
        (lambda d: d["credentialSubject"]["result"][0].__setitem__("grade", "A"), ["grade"]),
    ],
)
def test_undefined_terms_are_rejected_with_their_names(
    mutate: Any, terms: list[str], cache: bool
) -> None:
    document = ob_credential()
    mutate(document)
    for _ in range(2):
        with pytest.raises(UndefinedTermError) as info:
            jsonld.to_dataset(document, cache=cache)
        assert info.value.terms == terms


def test_vocab_context_defines_everything() -> None:
    document = ob_credential()
    document["@context"] = [V2, "https://www.w3.org/ns/credentials/undefined-terms/v2", OB]
    document["credentialSubject"]["fooBar"] = "x"
    assert jsonld.canonical_nquads(document) == plain(document)
    assert "undefined-term#fooBar" in plain(document)


@pytest.mark.parametrize(
    "context",
    [
        [V2, "https://evil.example/ctx.json"],
        "https://www.w3.org/2018/credentials/examples/v1",
        [V2, {"@import": "https://evil.example/ctx.json"}],
    ],
)
def test_unknown_contexts_are_rejected(context: Any) -> None:
    document = ob_credential()
    document["@context"] = context
    with pytest.raises(ContextError) as info:
        jsonld.to_dataset(document)
    assert "evil.example" in info.value.message or "credentials/examples/v1" in info.value.message


def test_nested_unknown_context_is_rejected() -> None:
    document = ob_credential()
    document["credentialSubject"]["@context"] = "https://evil.example/nested.json"
    with pytest.raises(ContextError):
        jsonld.to_dataset(document)


def test_inline_context_is_processed_without_the_cache() -> None:
    document = ob_credential()
    document["@context"] = [V2, OB, {"nickname": "https://example.com/nick"}]
    document["credentialSubject"]["nickname"] = "Bob"
    assert jsonld.canonical_nquads(document) == plain(document)
    assert '<https://example.com/nick> "Bob"' in plain(document)


def test_loader_serves_every_bundled_context_and_nothing_else() -> None:
    for url in BUNDLED_CONTEXTS:
        remote = document_loader(url, {})
        assert remote["documentUrl"] == url
        assert "@context" in remote["document"]
    with pytest.raises(ContextError) as info:
        document_loader("https://example.com/x.jsonld", {})
    assert "https://example.com/x.jsonld" in info.value.message


def test_no_bundled_context_defines_an_iri_scheme_as_a_term() -> None:
    """The cache treats http(s)/urn/did/mailto strings as absolute IRIs: no context may
    define those names as terms (they would turn into compact IRIs)."""
    for url in BUNDLED_CONTEXTS:
        body = load_context(url)["@context"]
        for part in body if isinstance(body, list) else [body]:
            assert not {"http", "https", "urn", "did", "mailto"} & set(part), url


def test_warm_shape_is_served_without_pyld(monkeypatch: pytest.MonkeyPatch) -> None:
    jsonld.clear_cache()
    jsonld.canonical_nquads(ob_credential())
    expected = plain(ob_credential(name="Another name", id="urn:uuid:1234"))

    def no_pyld(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("pyld called on a warm shape")

    monkeypatch.setattr(expansion.pyld_jsonld, "to_rdf", no_pyld)
    document = ob_credential(name="Another name", id="urn:uuid:1234")
    assert jsonld.canonical_nquads(document) == expected


def test_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shapes, "MAX_SHAPES", 8)
    jsonld.clear_cache()
    for i in range(20):
        document = ob_credential()
        document["credentialSubject"]["result"] = [
            {"type": ["Result"], "value": str(n)} for n in range(i % 7 + 1)
        ]
        document["name"] = ["n"] * (i // 7 + 1)
        jsonld.to_dataset(document)
    assert len(shapes._shapes) == 8

"""The checks after the proof read the credential's JSON; the signature covers its RDF. A
credential must say in its JSON what it says in its signed data: the same RDF written another
way (a full IRI for a term, a raw keyword, an alias made by an embedded context) must fail, or
a revoked, expired or foreign-holder credential would pass with a genuine signature (found by
the red team: `credentialStatus` written as its IRI made a revoked credential "valid")."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from sceau_test_support import GOLDEN_DIR, load_golden_module

from core.clock import FixedClock
from core.credentials.jsonld import canonical_nquads
from core.credentials.report import VerificationReport
from core.credentials.verify import VerifyOptions, verify_credential
from core.keys.resolver import DidResolver

VC = "https://www.w3.org/2018/credentials#"
OB = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#"
XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"


G = load_golden_module()
CLOCK = FixedClock(G.NOW)


def golden(name: str) -> Any:
    return json.loads((GOLDEN_DIR / f"{name}.json").read_text(encoding="utf-8"))


def codes(report: VerificationReport) -> dict[str, str]:
    return {step.id: step.code for step in report.steps}


class Registry:
    """The issuers of the test instance: only the test issuer."""

    def lookup(self, issuer_id: str) -> dict[str, Any] | None:
        return {"name": "ACME Certification (test)"} if issuer_id == G.ISSUER_DID else None

    def is_known_name(self, name: str) -> bool:
        return name.casefold() == "acme certification (test)"


class StatusChecker:
    """Answers every status entry with ``revoked``."""

    def __init__(self, revoked: bool) -> None:
        self.revoked = revoked

    def is_revoked(self, entry: dict[str, Any], *, issuer_id: str) -> bool:
        return self.revoked


def _verify(document: object, *, revoked: bool = False) -> Any:
    resolver = DidResolver({G.ISSUER_DID: G.did_document()}.get, fetcher=None)
    return verify_credential(
        document,
        resolver=resolver,
        status_checker=StatusChecker(revoked),
        issuers=Registry(),
        clock=CLOCK,
        options=VerifyOptions(),
    )


def _renamed(document: dict[str, Any], key: str, iri: str, value: Any = None) -> dict[str, Any]:
    """The same credential with ``key`` written as ``iri`` (and ``value``, when given)."""
    return {
        (iri if k == key else k): (value if k == key and value is not None else v)
        for k, v in document.items()
    }


def _same_rdf(a: dict[str, Any], b: dict[str, Any]) -> bool:
    strip = lambda d: {k: v for k, v in d.items() if k != "proof"}  # noqa: E731
    return canonical_nquads(strip(a), strict=False) == canonical_nquads(strip(b), strict=False)


def test_the_disguises_are_the_same_signed_data() -> None:
    """The premise: each disguise below keeps the RDF, hence the signature, unchanged."""
    revoked = golden("revoked")
    assert _same_rdf(revoked, _renamed(revoked, "credentialStatus", VC + "credentialStatus"))
    expired = golden("expired")
    disguised = _renamed(
        expired,
        "validUntil",
        VC + "validUntil",
        {"@value": expired["validUntil"], "@type": XSD_DATETIME},
    )
    assert _same_rdf(expired, disguised)


def test_a_status_written_as_its_iri_does_not_hide_a_revocation() -> None:
    report = _verify(golden("revoked"), revoked=True)
    assert codes(report)["status"] == "revoked"  # as written by the issuer
    disguised = _renamed(golden("revoked"), "credentialStatus", VC + "credentialStatus")
    report = _verify(disguised, revoked=True)
    assert report.verified is False
    assert codes(report)["context"] == "not_compact"
    assert codes(report)["status"] in ("revoked", "skipped")


def test_dates_written_as_iris_or_value_objects_do_not_hide_an_expiry() -> None:
    expired = golden("expired")
    value = {"@value": expired["validUntil"], "@type": XSD_DATETIME}
    for disguised in (
        _renamed(expired, "validUntil", VC + "validUntil", value),
        _renamed(expired, "validUntil", "cred:validUntil", value),
    ):
        report = _verify(disguised)
        assert report.verified is False and codes(report)["dates"] != "valid", codes(report)
    # The term with a value object: the dates step fails closed, never "valid".
    report = _verify({**expired, "validUntil": value})
    assert report.verified is False and codes(report)["dates"] != "valid"


def test_a_type_written_as_its_iri_does_not_escape_the_schema() -> None:
    valid = golden("valid")
    types = [OB + "OpenBadgeCredential" if t == "OpenBadgeCredential" else t for t in valid["type"]]
    report = _verify({**valid, "type": types})
    assert report.verified is False and codes(report)["context"] == "not_compact"


@pytest.mark.parametrize("keyword", ["@type", "@id"])
def test_raw_keywords_are_refused_where_the_contexts_alias_them(keyword: str) -> None:
    valid = golden("valid")
    disguised = copy.deepcopy(valid)
    node = disguised["credentialSubject"]["achievement"]
    node[keyword] = node.pop(keyword.lstrip("@"))
    report = _verify(disguised)
    assert report.verified is False and codes(report)["context"] == "not_compact"


def test_recipient_identifiers_written_as_iris_are_refused() -> None:
    valid = copy.deepcopy(golden("valid"))
    subject = valid["credentialSubject"]
    subject[OB + "identifier"] = subject.pop("identifier")
    report = _verify(valid)
    assert report.verified is False and codes(report)["context"] == "not_compact"


@pytest.mark.parametrize("where", ["top", "subject"])
def test_an_embedded_context_may_not_rename_what_the_checks_read(where: str) -> None:
    """An embedded context may give a standard property or type a new name: the JSON then
    hides from the checks what the RDF says. Such names are refused; other terms are not."""
    revoked = copy.deepcopy(golden("revoked"))
    alias = {"revocation": {"@id": VC + "credentialStatus", "@type": "@id"}}
    revoked["@context"] = [*revoked["@context"], alias]
    revoked["revocation"] = revoked.pop("credentialStatus")
    assert _same_rdf(revoked, golden("revoked"))
    report = _verify(revoked, revoked=True)
    assert report.verified is False and codes(report)["context"] == "not_compact"

    valid = copy.deepcopy(golden("valid"))
    renamed = {"Badge": OB + "OpenBadgeCredential", "kind": "@type"}
    if where == "top":
        valid["@context"] = [*valid["@context"], renamed]
        valid["type"] = ["VerifiableCredential", "Badge"]
    else:
        valid["credentialSubject"]["@context"] = renamed
        valid["credentialSubject"]["kind"] = valid["credentialSubject"].pop("type")
    report = _verify(valid)
    assert report.verified is False and codes(report)["context"] == "not_compact"


def test_the_genuine_credentials_still_verify() -> None:
    """Value objects with a language (OB's multilingual names) and the golden credentials as
    issued stay valid: the rule refuses disguises, not JSON-LD."""
    report = _verify(golden("valid"))
    assert report.verified is True, codes(report)


def _term_definitions(context: Any, found: list[tuple[str, str]]) -> None:
    """(term, IRI) of every term a bundled context defines, scoped contexts included."""
    for entry in context if isinstance(context, list) else [context]:
        if not isinstance(entry, dict):
            continue
        prefixes = {k: v for k, v in entry.items() if isinstance(v, str) and v.endswith(("#", "/"))}
        for term, definition in entry.items():
            if term.startswith("@"):
                continue
            iri = definition if isinstance(definition, str) else None
            if isinstance(definition, dict):
                iri = definition.get("@id") if isinstance(definition.get("@id"), str) else None
                _term_definitions(definition.get("@context"), found)
            if iri and ":" in iri and not iri.startswith("http"):
                prefix, _, rest = iri.partition(":")
                iri = prefixes.get(prefix, prefix + ":") + rest
            if iri:
                found.append((term, iri))


def test_every_name_the_bundled_contexts_give_a_checked_term_is_accepted() -> None:
    """Found by the red team: OB defines AchievementCredential as OpenBadgeCredential; a genuine
    AchievementCredential (the OB spec's own example type) was refused as not_compact."""
    from core.credentials.loader import BUNDLED_CONTEXTS, load_context
    from core.credentials.safe_mode import CHECKED_TERMS

    found: list[tuple[str, str]] = []
    for url in BUNDLED_CONTEXTS:
        _term_definitions(load_context(url).get("@context"), found)
    vocab = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#"
    resolved = [(t, vocab + i if i == "OpenBadgeCredential" else i) for t, i in found]
    refused = [(t, i) for t, i in resolved if i in CHECKED_TERMS and t not in CHECKED_TERMS[i]]
    assert refused == []
    assert "AchievementCredential" in CHECKED_TERMS[vocab + "OpenBadgeCredential"]


def test_an_achievement_credential_is_compact() -> None:
    valid = golden("valid")
    types = ["AchievementCredential" if t == "OpenBadgeCredential" else t for t in valid["type"]]
    document = {k: v for k, v in {**valid, "type": types}.items() if k != "proof"}
    canonical_nquads(document)  # strict: no NotCompactError


def test_contexts_applied_thousands_of_times_are_stopped() -> None:
    """Found by the red team: a property-scoped context listing the OB context 300 times, used
    at 28 nesting levels (19 KB, ~330 values), had pyld process it 8,400 times: over 30 s of
    CPU before any signature check. A context URL there is refused (below); context processing
    is bounded as well, by the term definitions processed (60 inline contexts of 20 terms,
    applied at 28 levels)."""
    from core.credentials.jsonld import canonical_nquads
    from core.errors import CanonicalizationLimitError

    subject: dict[str, Any] = {"name": "x"}
    node = subject
    for _ in range(28):
        node["p"] = {"name": "y"}
        node = node["p"]
    document = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            {
                "p": {
                    "@id": "urn:x:p",
                    "@context": [{f"q{j}": f"urn:x:{i}:{j}" for j in range(20)} for i in range(60)],
                }
            },
        ],
        "type": ["VerifiableCredential"],
        "issuer": G.ISSUER_DID,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": subject,
    }
    with pytest.raises(CanonicalizationLimitError):
        canonical_nquads(document)
    report = _verify({**document, "proof": golden("valid")["proof"]})
    assert codes(report)["context"] == "canonicalization_limit"


@pytest.mark.parametrize("where", ["scoped", "node"])
def test_published_contexts_load_only_from_the_top_level_list(where: str) -> None:
    """What made the repetition cheap to write: a scoped context (or a node's own context)
    naming a bundled context by URL. Published contexts come from the top-level list only."""
    from core.credentials.jsonld import canonical_nquads
    from core.errors import InputError

    ob = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
    valid = {k: v for k, v in golden("valid").items() if k != "proof"}
    if where == "scoped":
        valid["@context"] = [*valid["@context"], {"p": {"@id": "urn:x:p", "@context": [ob]}}]
        valid["credentialSubject"] = {**valid["credentialSubject"], "p": {"name": "y"}}
    else:
        valid["credentialSubject"] = {**valid["credentialSubject"], "@context": ob}
    with pytest.raises(InputError) as refused:
        canonical_nquads(valid)
    assert refused.value.code == "invalid_jsonld"


def test_a_big_inline_type_scoped_context_used_by_many_nodes_is_stopped() -> None:
    """Found by the red team (round 3): an inline type-scoped context of ~975 terms used by
    ~487 nodes (28 KB, under the value cap) counted 487 entries but processed 475,000 term
    definitions: 3 s per request. The budget counts term definitions."""
    from core.credentials.jsonld import canonical_nquads
    from core.errors import CanonicalizationLimitError

    inner = {f"t{i}": f"urn:x:{i}" for i in range(975)}
    document = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            {"T": {"@id": "urn:x:T", "@context": inner}, "p": "urn:x:p"},
        ],
        "type": ["VerifiableCredential"],
        "issuer": G.ISSUER_DID,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"p": [{"type": "T"} for _ in range(487)]},
    }
    with pytest.raises(CanonicalizationLimitError):
        canonical_nquads(document)


@pytest.mark.parametrize("scoped", ["id", "base"])
def test_a_huge_string_in_an_embedded_context_is_refused(scoped: str) -> None:
    """Found by the red team (round 4): a type-scoped context of one term holding a 900 KB
    string, used by 900 nodes, had pyld serialize and match it at every use (5-10 s) while the
    term budget counted 900 definitions. Strings in embedded contexts are short."""
    from core.credentials.jsonld import canonical_nquads
    from core.errors import InputError

    big = "urn:x:" + "A" * 20_000
    inner = {"big": {"@id": big}} if scoped == "id" else {"@base": None, "big": big}
    document = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            {"T": {"@id": "urn:x:T", "@context": inner}, "p": "urn:x:p"},
        ],
        "type": ["VerifiableCredential"],
        "issuer": G.ISSUER_DID,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"p": [{"type": "T"} for _ in range(3)]},
    }
    with pytest.raises(InputError) as refused:
        canonical_nquads(document)
    assert refused.value.code == "invalid_jsonld"

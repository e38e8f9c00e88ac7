"""Tests of core.credentials.schema: OB 3.0 AchievementCredential validation, offline."""

from __future__ import annotations

import copy
import json
import socket
from pathlib import Path
from typing import Any

import pytest

from core.credentials import schema
from core.credentials.schema import MAX_PROBLEMS, schema_problems

GOLDEN = Path(__file__).resolve().parents[2] / "vectors" / "golden"
OB_VECTOR = Path(__file__).resolve().parents[2] / "vectors" / "ob-v3p0"


def golden(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    return document


def test_golden_credentials_are_valid() -> None:
    for name in ("valid", "no-proof", "revoked", "foreign-issuer"):
        assert schema_problems(golden(name)) == [], name


def test_missing_required_properties_are_named_by_path() -> None:
    document = golden("valid")
    del document["credentialSubject"]["achievement"]["name"]
    del document["validFrom"]
    assert schema_problems(document) == [
        {"path": "credentialSubject.achievement.name", "message": "is required"},
        {"path": "validFrom", "message": "is required"},
    ]


def test_types_formats_and_arrays() -> None:
    document = golden("valid")
    document["type"] = ["VerifiableCredential"]
    document["validUntil"] = "next year"
    document["credentialSubject"]["result"][0]["value"] = 14.5
    document["proof"] = document["proof"][0]
    problems = schema_problems(document)
    assert {"path": "type", "message": "does not contain a required item"} in problems
    assert {"path": "validUntil", "message": "must be a valid date-time"} in problems
    assert {
        "path": "credentialSubject.result[0].value",
        "message": "must be of type string",
    } in problems
    assert {"path": "proof", "message": "must be of type array"} in problems
    assert problems == sorted(problems, key=lambda p: (p["path"], p["message"]))


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("2025-01-15T09:00:00Z", True),
        ("2025-01-15T09:00:00.123+02:00", True),
        ("2025-01-15T09:00:00", False),  # no time zone
        ("2025-02-30T09:00:00Z", False),
        ("2025-01-15", False),
    ],
)
def test_date_time_format_is_checked(value: str, ok: bool) -> None:
    document = golden("valid")
    document["validFrom"] = value
    problems = schema_problems(document)
    assert (problems == []) is ok


def test_messages_never_echo_the_input() -> None:
    document = golden("valid")
    secret = "<script>" + "x" * 5000
    document["issuer"] = [secret]
    document["credentialSubject"]["achievement"]["name"] = {"evil": secret}
    for problem in schema_problems(document):
        assert "script" not in problem["message"] and len(problem["message"]) < 100


def test_problem_count_is_capped() -> None:
    document = golden("valid")
    document["credentialSubject"]["result"] = [{"type": 1, "value": 2}] * 200
    assert len(schema_problems(document)) == MAX_PROBLEMS


def test_the_ob_reference_example_only_differs_by_its_single_proof() -> None:
    vector = json.loads((OB_VECTOR / "linked-data-proof-vector.json").read_text(encoding="utf-8"))
    document = copy.deepcopy(vector["signedCredential"])
    assert schema_problems(document) == [{"path": "proof", "message": "must be of type array"}]
    document["proof"] = [document["proof"]]
    assert schema_problems(document) == []


def test_validation_never_touches_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access during schema validation")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    schema._validator.cache_clear()
    document = golden("valid")
    document["credentialSchema"] = [
        {"id": "https://example.invalid/schema.json", "type": "1EdTechJsonSchemaValidator2019"}
    ]
    assert schema_problems(document) == []
    assert schema_problems({"@context": "x"})  # invalid, still offline


def _mutations() -> list[dict[str, Any]]:
    """Valid and invalid variants of the golden credential, for the two validators to judge."""
    base = golden("valid")
    variants: list[dict[str, Any]] = [base, golden("no-proof"), golden("foreign-issuer")]
    edits: list[tuple[str, Any]] = [
        ("validFrom", "2025-01-15T09:00:00"),
        ("validFrom", "2025-02-30T09:00:00Z"),
        ("validUntil", "2030-01-01T00:00:00+02:00"),
        ("type", ["VerifiableCredential"]),
        ("type", "OpenBadgeCredential"),
        ("issuer", "did:web:example.test:issuers:acme"),
        ("issuer", 42),
        ("@context", ["https://www.w3.org/ns/credentials/v2"]),
        ("credentialSubject", {}),
        ("proof", {}),
        ("awardedDate", "yesterday"),
        ("name", ""),
    ]
    for key, value in edits:
        variant = copy.deepcopy(base)
        variant[key] = value
        variants.append(variant)
    achievement_edits: list[tuple[str, Any]] = [
        ("achievementType", "Certification"),
        ("achievementType", "NotAType"),
        ("achievementType", "ext:CustomType"),
        ("criteria", "a string"),
        ("alignment", [{"type": ["Alignment"], "targetName": "x"}]),
        (
            "alignment",
            [{"type": ["Alignment"], "targetName": "x", "targetUrl": "https://x.example"}],
        ),
    ]
    for key, value in achievement_edits:
        variant = copy.deepcopy(base)
        variant["credentialSubject"]["achievement"][key] = value
        variants.append(variant)
    return variants


def test_compiled_and_python_validators_agree() -> None:
    for variant in _mutations():
        fast_says_valid = schema_problems(variant) == []
        python_says_valid = schema.explain_problems(variant) == []
        assert fast_says_valid is python_says_valid, json.dumps(variant)[:300]
    # Both kinds of verdicts are exercised.
    verdicts = {schema.explain_problems(v) == [] for v in _mutations()}
    assert verdicts == {True, False}

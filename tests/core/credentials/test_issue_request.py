"""IssueRequest and parse_issue_request: every error keeps the code and paths the API gave."""

from __future__ import annotations

import copy
import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from core.credentials.issue_request import (
    Evidence,
    InlineAchievement,
    IssueRequest,
    ProgramCode,
    Recipient,
    Result,
    parse_issue_request,
)
from core.errors import InputError

INLINE = {"name": "Welding", "description": "Arc welding.", "criteria": "Pass."}
ADA = {"email": "ada@example.org", "name": "Ada"}


def _request(**fields: Any) -> dict[str, Any]:
    return {"recipient": dict(ADA), "achievement": {"code": "WLD-1"}, **fields}


# (payload, code, problem paths), as the issuing service answered before requests were typed
# (captured from it); the messages of our own checks are asserted too.
ERRORS: dict[str, tuple[Any, str, list[str]]] = {
    "not_an_object": ([], "invalid_request", ["(body)"]),
    "a_string": ("x", "invalid_request", ["(body)"]),
    "null": (None, "invalid_request", ["(body)"]),
    "no_recipient": ({"achievement": {"code": "WLD-1"}}, "invalid_request", ["(body)"]),
    "no_achievement": ({"recipient": ADA}, "invalid_request", ["(body)"]),
    "bad_email": (
        _request(recipient={"email": "not-an-email"}),
        "invalid_request",
        ["recipient.email"],
    ),
    "empty_email": (_request(recipient={"email": ""}), "invalid_request", ["recipient.email"]),
    "unknown_top_level": (_request(extra=1), "invalid_request", ["(body)"]),
    "unknown_recipient_field": (
        _request(recipient={**ADA, "phone": "1"}),
        "invalid_request",
        ["recipient"],
    ),
    "show_name_not_bool": (
        _request(recipient={**ADA, "showName": "no"}),
        "invalid_request",
        ["recipient.showName"],
    ),
    "empty_name": (_request(recipient={**ADA, "name": ""}), "invalid_request", ["recipient.name"]),
    "empty_code": (_request(achievement={"code": ""}), "invalid_request", ["achievement.code"]),
    "code_and_more": (
        _request(achievement={"code": "X", "name": "n"}),
        "invalid_request",
        ["achievement"],
    ),
    "inline_without_criteria": (
        _request(achievement={"name": "n", "description": "d"}),
        "invalid_request",
        ["achievement"],
    ),
    "result_without_value": (
        _request(results=[{"name": "Exam"}]),
        "invalid_request",
        ["results.0"],
    ),
    "result_value_bool": (
        _request(results=[{"name": "Exam", "value": True}]),
        "invalid_request",
        ["results.0.value"],
    ),
    "result_bad_type": (
        _request(results=[{"name": "Exam", "value": "1", "resultType": "Score"}]),
        "invalid_request",
        ["results.0.resultType"],
    ),
    "result_extra": (
        _request(results=[{"name": "Exam", "value": "1", "weight": 2}]),
        "invalid_request",
        ["results.0"],
    ),
    "evidence_empty": (_request(evidence=[{}]), "invalid_request", ["evidence.0"]),
    "evidence_bad_id": (
        _request(evidence=[{"id": "ftp://x"}]),
        "invalid_request",
        ["evidence.0.id"],
    ),
    "valid_from_number": (_request(validFrom=12), "invalid_request", ["validFrom"]),
    "nested_context": (
        _request(achievement={**INLINE, "related": [{"@context": {"x": None}}]}),
        "jsonld_keyword",
        ["achievement.related[0].@context"],
    ),
    "keyword_in_inline": (
        _request(achievement={**INLINE, "@id": "urn:x"}),
        "jsonld_keyword",
        ["achievement.@id"],
    ),
    "control_in_name": (
        _request(recipient={**ADA, "name": "Ada\x07Lovelace"}),
        "control_characters",
        ["recipient.name"],
    ),
    "control_in_result": (
        _request(results=[{"name": "Ex\x01am", "value": "1"}]),
        "control_characters",
        ["results[0].name"],
    ),
    "control_in_evidence": (
        _request(evidence=[{"narrative": "a\x1bb"}]),
        "control_characters",
        ["evidence[0].narrative"],
    ),
    "control_in_inline": (
        _request(achievement={**INLINE, "description": "d\x00"}),
        "control_characters",
        ["achievement.description"],
    ),
    "many_problems": (
        {"recipient": {"email": "bad"}, "achievement": {"name": "x"}, "results": [{"value": "1"}]},
        "invalid_request",
        ["achievement", "recipient.email", "results.0"],
    ),
}

NOT_A_DATE = "expected an RFC 3339 date-time"
DATE_ERRORS = {
    "valid_from_not_a_date": ("validFrom", "yesterday", NOT_A_DATE),
    "valid_from_without_zone": ("validFrom", "2025-01-01T00:00:00", "add Z or an offset"),
    "valid_until_not_a_date": ("validUntil", "2025-13-01T00:00:00Z", NOT_A_DATE),
    "valid_until_without_zone": ("validUntil", "2030-01-01T10:00", "add Z or an offset"),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_each_error_keeps_its_code_and_paths(name: str) -> None:
    payload, code, paths = ERRORS[name]
    with pytest.raises(InputError) as caught:
        parse_issue_request(payload)
    assert caught.value.code == code
    assert [p["path"] for p in caught.value.problems] == paths
    assert all(p["message"] for p in caught.value.problems)
    if code == "control_characters":
        assert caught.value.message == "text fields may not contain control characters"
        assert {p["message"] for p in caught.value.problems} == {"control character"}
    if code == "jsonld_keyword":
        assert {p["message"] for p in caught.value.problems} == {"JSON-LD keyword"}


@pytest.mark.parametrize("name", sorted(DATE_ERRORS))
def test_each_date_error_keeps_its_code_path_and_message(name: str) -> None:
    key, value, message = DATE_ERRORS[name]
    with pytest.raises(InputError) as caught:
        parse_issue_request(_request(**{key: value}))
    assert caught.value.code == "invalid_request"
    assert caught.value.problems == [{"path": key, "message": message}]


def test_a_payload_parses_into_typed_fields() -> None:
    request = parse_issue_request(
        {
            "recipient": {"email": "ada@example.org", "name": "Ada", "showName": False},
            "achievement": INLINE,
            "validFrom": "2025-01-01T01:00:00.250+01:00",
            "validUntil": "2030-01-01T00:00:00Z",
            "results": [
                {"name": "Exam", "value": 15, "valueMax": 20, "resultType": "RawScore"},
                {"name": "Grade", "value": "B"},
            ],
            "evidence": [{"id": "https://example.org/e/1", "narrative": "Observed."}],
        }
    )
    assert request.recipient == Recipient("ada@example.org", "Ada", show_name=False)
    assert request.achievement == InlineAchievement(INLINE)
    assert request.valid_from == datetime(2025, 1, 1, tzinfo=UTC)
    assert request.valid_until == datetime(2030, 1, 1, tzinfo=UTC)
    assert request.results == (
        Result("Exam", "15", value_max="20", result_type="RawScore"),
        Result("Grade", "B"),
    )
    assert request.evidence == (Evidence(id="https://example.org/e/1", narrative="Observed."),)


def test_unset_fields_stay_unset() -> None:
    request = parse_issue_request(_request())
    assert request.achievement == ProgramCode("WLD-1")
    assert (request.valid_from, request.valid_until) == (None, None)
    assert (request.results, request.evidence) == ((), ())
    assert request.recipient.show_name


def test_a_request_built_in_code() -> None:
    """What the workflow's sign-off does: a program, results with exact scores, an end date."""
    until = datetime(2030, 6, 30, 12, 0, 0, 999, tzinfo=timezone(timedelta(hours=2)))
    request = IssueRequest.for_program(
        "SOUD-1",
        "ada@example.org",
        "Ada Lovelace",
        results=[Result("Épreuve pratique", Decimal("15.50"), value_max=20, required_value="12")],
        valid_until=until,
    )
    assert request.achievement == ProgramCode("SOUD-1")
    assert request.results[0].value == "15.50" and request.results[0].value_max == "20"
    assert request.valid_until == datetime(2030, 6, 30, 10, 0, 0, tzinfo=UTC)
    assert request.to_json() == {
        "recipient": {"email": "ada@example.org", "name": "Ada Lovelace"},
        "achievement": {"code": "SOUD-1"},
        "validUntil": "2030-06-30T10:00:00Z",
        "results": [
            {"name": "Épreuve pratique", "value": "15.50", "valueMax": "20", "requiredValue": "12"}
        ],
    }
    with pytest.raises(dataclasses.FrozenInstanceError):
        request.recipient = Recipient("bob@example.org")  # type: ignore[misc]


def test_a_request_built_in_code_is_checked_like_a_payload() -> None:
    with pytest.raises(InputError) as caught:
        IssueRequest.for_program("SOUD-1", "not-an-email")
    assert (caught.value.code, caught.value.problems[0]["path"]) == (
        "invalid_request",
        "recipient.email",
    )
    with pytest.raises(InputError) as caught:
        IssueRequest.for_program("SOUD-1", "ada@example.org", valid_from=datetime(2025, 1, 1))
    assert caught.value.problems == [{"path": "validFrom", "message": "add Z or an offset"}]
    with pytest.raises(InputError) as caught:
        IssueRequest.for_program("SOUD-1", "ada@example.org", "Ada\x07")
    assert caught.value.code == "control_characters"
    with pytest.raises(InputError) as caught:
        IssueRequest(Recipient("ada@example.org"), InlineAchievement({**INLINE, "@vocab": "x"}))
    assert caught.value.code == "jsonld_keyword"


def test_an_inline_definition_is_copied() -> None:
    definition = copy.deepcopy(INLINE)
    request = IssueRequest(Recipient("ada@example.org"), InlineAchievement(definition))
    definition["name"] = "Changed"
    assert request.to_json()["achievement"]["name"] == "Welding"


def test_the_json_form_parses_back_to_the_same_request() -> None:
    payload = _request(
        validFrom="2025-01-01T00:00:00Z",
        results=[{"name": "Exam", "value": "15", "requiredValue": "12"}],
        evidence=[{"name": "Report"}],
    )
    request = parse_issue_request(payload)
    assert request.to_json() == payload
    assert parse_issue_request(request.to_json()) == request


def test_equal_requests_have_one_fingerprint() -> None:
    first = parse_issue_request(_request(results=[{"name": "Exam", "value": "15"}]))
    again = parse_issue_request(_request(results=[{"name": "Exam", "value": "15"}]))
    as_number = parse_issue_request(_request(results=[{"name": "Exam", "value": 15}]))
    other = parse_issue_request(_request(results=[{"name": "Exam", "value": "16"}]))
    in_code = IssueRequest.for_program(
        "WLD-1", "ada@example.org", "Ada", results=[Result("Exam", 15)]
    )
    assert first.fingerprint() == again.fingerprint() == as_number.fingerprint()
    assert first.fingerprint() == in_code.fingerprint()
    assert first.fingerprint() != other.fingerprint()

"""Evaluation schemes and eligibility rules: from a request, to and from their stored form."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.errors import InputError
from core.workflow.grading import Assessment, Block, Scheme
from core.workflow.schemes import (
    Eligibility,
    eligibility_from_json,
    eligibility_to_json,
    scheme_from_json,
    scheme_from_request,
    scheme_to_json,
)

REQUEST = {
    "assessments": [
        {"code": "A", "name": "a", "coefficient": 0.1, "maxScore": "20"},
        {"code": "B", "name": "b", "coefficient": 2, "maxScore": 100, "eliminatoryBelow": 40},
    ],
    "passMark": "12.5",
    "blocks": [{"code": "X", "name": "x", "assessments": ["B"]}],
    "eligibility": {"prerequisites": ["p"], "minAttendancePercent": 75.5},
}


def test_a_request_becomes_an_exact_scheme() -> None:
    scheme, eligibility = scheme_from_request(REQUEST)
    assert scheme == Scheme(
        (
            Assessment("A", "a", Decimal("0.1"), Decimal(20)),
            Assessment("B", "b", Decimal(2), Decimal(100), Decimal(40)),
        ),
        pass_mark=Decimal("12.5"),
        blocks=(Block("X", "x", ("B",)),),
    )
    assert eligibility == Eligibility(("p",), Decimal("75.5"), ())


def test_the_stored_forms_read_back_the_same() -> None:
    scheme, eligibility = scheme_from_request(REQUEST)
    assert scheme is not None and eligibility is not None
    assert scheme_from_json(scheme_to_json(scheme)) == scheme
    assert eligibility_from_json(eligibility_to_json(eligibility)) == eligibility


def test_no_scheme_and_no_eligibility() -> None:
    assert scheme_from_request({"name": "x"}) == (None, None)


@pytest.mark.parametrize("key", ["blocks", "outOf", "secondMarkingGap"])
def test_scheme_parts_without_assessments_are_refused(key: str) -> None:
    with pytest.raises(InputError) as info:
        scheme_from_request({key: [] if key == "blocks" else 3})
    assert info.value.code == "invalid_scheme"
    assert info.value.problems == [
        {"path": "assessments", "message": "required with blocks, outOf or secondMarkingGap"}
    ]


def test_a_second_marking_gap_round_trips_and_is_never_negative() -> None:
    payload = {
        "assessments": [{"code": "A", "name": "A", "coefficient": 1, "maxScore": 20}],
        "passMark": 10,
        "secondMarkingGap": "2,5",
    }
    scheme, _ = scheme_from_request(payload)
    assert scheme is not None
    assert scheme.second_marking_gap == Decimal("2.5")
    assert scheme_from_json(scheme_to_json(scheme)) == scheme
    with pytest.raises(InputError) as info:
        scheme_from_request({**payload, "secondMarkingGap": -1})
    assert info.value.problems == [{"path": "secondMarkingGap", "message": "must not be negative"}]

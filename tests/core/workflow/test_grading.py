"""The grading arithmetic of DESIGN §9: exact averages, the pass rules, their explanation."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import InputError
from core.workflow.grading import (
    ABSENT,
    Assessment,
    Block,
    Scheme,
    compute_result,
    parse_decimal,
    parse_score,
    round_half_up,
)

D = Decimal
WRITTEN = Assessment("ECR", "épreuve écrite", D(1), D(20))
ORAL = Assessment("ORA", "épreuve orale", D(2), D(20))
PRACTICAL = Assessment("PRA", "épreuve pratique", D(3), D(20), eliminatory_below=D(10))
SCHEME = Scheme((WRITTEN, ORAL, PRACTICAL), pass_mark=D(12))


def scores(written: object, oral: object, practical: object) -> dict[str, object]:
    return {"ECR": written, "ORA": oral, "PRA": practical}


def result_of(written: object, oral: object, practical: object, eligible: bool = True):
    entered = {
        code: parse_score(value, SCHEME.assessment(code))  # type: ignore[arg-type]
        for code, value in scores(written, oral, practical).items()
        if value is not None
    }
    return compute_result(SCHEME, entered, eligible=eligible)


def test_the_issue_example_in_french_and_english() -> None:
    # (18 x 1 + 17.25 x 2 + 9 x 3) / 6 = 13.25: the average passes, the eliminatory does not.
    result = result_of(18, "17.25", 9)
    assert result.average == Fraction(53, 4) and result.average_display == "13.25"
    assert result.passed is False
    assert result.explanation("fr") == (
        "épreuve pratique 9/20 < 10 (éliminatoire) ; moyenne 13,25/20 ≥ 12 : ajourné"
    )
    assert result.explanation("en") == (
        "épreuve pratique 9/20 < 10 (eliminatory); average 13.25/20 ≥ 12: failed"
    )


def test_a_pass() -> None:
    result = result_of(12, 12, "12,5")
    assert (result.passed, result.average_display) == (True, "12.25")
    assert result.explanation("fr") == "moyenne 12,25/20 ≥ 12 : admis"


def test_the_average_is_exact_not_rounded_before_comparing() -> None:
    # 11.995 shows as 12.00 but is below the pass mark of 12.
    result = result_of("11.995", "11.995", "11.995")
    assert result.average_display == "12.00"
    assert result.passed is False
    assert "moyenne 12,00/20 < 12" in result.explanation("fr")


def test_rounding_is_half_up_on_the_exact_value() -> None:
    assert round_half_up(Fraction("13.125")) == D("13.13")
    assert round_half_up(Fraction("13.124999")) == D("13.12")
    assert round_half_up(Fraction(2, 3)) == D("0.67")
    assert round_half_up(Fraction(1, 8)) == D("0.13")


def test_absent_fails_and_counts_zero_in_the_average() -> None:
    result = result_of(20, 20, "absent")
    assert result.passed is False
    assert result.average == Fraction(60, 6)
    assert result.explanation("fr") == (
        "épreuve pratique : absent ; moyenne 10,00/20 < 12 : ajourné"
    )


def test_an_ineligible_candidate_is_never_passed() -> None:
    result = result_of(20, 20, 20, eligible=False)
    assert result.passed is False
    assert result.explanation("en") == "not eligible; average 20.00/20 ≥ 12: failed"
    pending = result_of(20, None, None, eligible=False)
    assert pending.passed is False


def test_a_missing_score_leaves_the_result_pending() -> None:
    result = result_of(20, None, 20)
    assert (result.passed, result.average) == (None, None)
    assert result.explanation("fr") == "épreuve orale : note non saisie : en attente"


def test_scores_of_another_maximum_count_on_the_scheme_scale() -> None:
    mcq = Assessment("QCM", "QCM", D(1), D(100))
    scheme = Scheme((WRITTEN, mcq), pass_mark=D(10))
    result = compute_result(scheme, {"ECR": D(10), "QCM": D(75)}, eligible=True)
    assert result.average == Fraction(25, 2)  # (10 + 75/100 x 20) / 2


def test_blocks_must_each_be_passed() -> None:
    scheme = Scheme(
        (WRITTEN, ORAL, PRACTICAL),
        pass_mark=D(12),
        blocks=(Block("B1", "Préparer", ("ECR", "ORA")), Block("B2", "Souder", ("PRA",))),
    )
    result = compute_result(scheme, {"ECR": D(11), "ORA": D(16), "PRA": D(14)}, eligible=True)
    assert result.blocks == {"B1": False, "B2": True}  # 11 < 12 on the written exam
    assert result.passed is False  # average 14 >= 12, but a block is not passed
    assert result.explanation("fr").endswith(
        "bloc Préparer non validé ; bloc Souder validé : ajourné"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, D(0)),
        (20, D(20)),
        ("12.5", D("12.5")),
        ("12,5", D("12.5")),
        (12.5, D("12.5")),
        (0.1, D("0.1")),
        ("absent", ABSENT),
        (" Absent ", ABSENT),
    ],
)
def test_scores_are_read_exactly(value: object, expected: object) -> None:
    assert parse_score(value, WRITTEN) == expected


@pytest.mark.parametrize("value", [-1, "20.01", 21, "NaN", "Infinity", "douze", True, None, [1]])
def test_scores_out_of_range_or_not_numbers_are_refused(value: object) -> None:
    with pytest.raises(InputError) as info:
        parse_score(value, WRITTEN, path="grades.ECR")
    assert info.value.code == "invalid_score"
    assert info.value.problems[0]["path"] == "grades.ECR"


def test_unsound_schemes_are_described() -> None:
    bad = Scheme(
        (Assessment("A", "a", D(0), D(20), D(25)), Assessment("A", "b", D(1), D(0))),
        pass_mark=D(21),
        blocks=(Block("B", "b", ("Z",)),),
    )
    assert [p["path"] for p in bad.problems()] == [
        "assessments",
        "assessments[0].coefficient",
        "assessments[0].eliminatoryBelow",
        "assessments[1].maxScore",
        "passMark",
        "blocks[0].assessments",
    ]
    assert SCHEME.problems() == []


cents = st.integers(min_value=0, max_value=2000).map(lambda n: D(n) / 100)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(cents, cents, cents, st.integers(1, 5), st.integers(1, 5), st.integers(1, 5))
def test_the_average_is_the_exact_weighted_mean(
    a: Decimal, b: Decimal, c: Decimal, wa: int, wb: int, wc: int
) -> None:
    scheme = Scheme(
        (
            Assessment("A", "a", D(wa), D(20)),
            Assessment("B", "b", D(wb), D(20)),
            Assessment("C", "c", D(wc), D(20)),
        ),
        pass_mark=D(12),
    )
    result = compute_result(scheme, {"A": a, "B": b, "C": c}, eligible=True)
    exact = (Fraction(a) * wa + Fraction(b) * wb + Fraction(c) * wc) / (wa + wb + wc)
    assert result.average == exact
    assert result.passed is (exact >= 12)
    shown = D(result.average_display or "")
    assert abs(Fraction(shown) - exact) <= Fraction(1, 200)


@pytest.mark.parametrize(
    "value",
    ["١٢", "1_000", " 12", "+12", "1E+999999999", "1e3", "9" * 5000, "0.0000001", 1e-7, 10**12],
)
def test_numbers_beyond_plain_bounded_decimals_are_refused(value: object) -> None:
    """Red team, round 2: Decimal() reads digits of every script, underscores and exponents; an
    exponent of a billion would exhaust memory once the arithmetic ran."""
    with pytest.raises(ValueError):
        parse_decimal(value)
    with pytest.raises(InputError):
        parse_score(value, Assessment("X", "x", D(1), D(10**10)))

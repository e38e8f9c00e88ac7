"""Grading arithmetic (DESIGN §9): exact weighted averages, the pass rules and their explanation.

Scores are Decimals (or ABSENT) from input to output; the average is an exact Fraction, compared
exactly with the pass mark and shown rounded half-up to two decimals (13.125 -> 13.13). Each
score counts on the scheme's scale (``out_of``, 20 by default): a score out of another maximum is
brought to that scale first, so with every maximum equal to the scale the average is exactly
sum(score x coefficient) / sum(coefficient).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from fractions import Fraction
from typing import Literal

from core.errors import InputError

ABSENT: Literal["absent"] = "absent"
Score = Decimal | Literal["absent"]
Language = Literal["fr", "en"]


@dataclass(frozen=True)
class Assessment:
    """One assessment (épreuve) of a program version's evaluation scheme."""

    code: str
    name: str
    coefficient: Decimal
    max_score: Decimal
    eliminatory_below: Decimal | None = None


@dataclass(frozen=True)
class Block:
    """A competence block (bloc de compétences): assessments that must each be passed."""

    code: str
    name: str
    assessments: tuple[str, ...]


@dataclass(frozen=True)
class Scheme:
    """How a program version turns scores into a decision."""

    assessments: tuple[Assessment, ...]
    pass_mark: Decimal
    out_of: Decimal = Decimal(20)
    blocks: tuple[Block, ...] = ()
    #: A second marking further than this from the first (same scale) is flagged for review.
    second_marking_gap: Decimal | None = None

    def problems(self) -> list[dict[str, str]]:
        """What makes the scheme unusable, as API problems (empty when it is sound)."""
        found: list[dict[str, str]] = []
        codes = [a.code for a in self.assessments]
        if not codes:
            found.append({"path": "assessments", "message": "at least one assessment"})
        if len(set(codes)) != len(codes):
            found.append({"path": "assessments", "message": "assessment codes must be unique"})
        for i, a in enumerate(self.assessments):
            where = f"assessments[{i}]"
            if a.coefficient <= 0:
                found.append({"path": f"{where}.coefficient", "message": "must be positive"})
            if a.max_score <= 0:
                found.append({"path": f"{where}.maxScore", "message": "must be positive"})
            elif a.eliminatory_below is not None and not 0 <= a.eliminatory_below <= a.max_score:
                found.append(
                    {"path": f"{where}.eliminatoryBelow", "message": "must be within 0..maxScore"}
                )
        if self.second_marking_gap is not None and self.second_marking_gap < 0:
            found.append({"path": "secondMarkingGap", "message": "must not be negative"})
        if not 0 <= self.pass_mark <= self.out_of:
            found.append({"path": "passMark", "message": f"must be within 0..{self.out_of}"})
        for i, block in enumerate(self.blocks):
            unknown = [c for c in block.assessments if c not in codes]
            if unknown or not block.assessments:
                found.append(
                    {
                        "path": f"blocks[{i}].assessments",
                        "message": "must list assessments of the program"
                        + (f" (unknown: {', '.join(unknown)})" if unknown else ""),
                    }
                )
        return found

    def assessment(self, code: str) -> Assessment | None:
        """The assessment with this code, if any."""
        return next((a for a in self.assessments if a.code == code), None)


#: A number as people write it: ASCII digits, one optional '.' or ',' and at most 6 decimals,
#: under a billion. No exponent, '+' sign, spaces or underscores (which Decimal() would take),
#: so that nothing unbounded ever reaches the arithmetic.
_DECIMAL_TEXT = re.compile(r"\A-?[0-9]{1,9}(?:[.,][0-9]{1,6})?\Z")
_LIMIT = Decimal(10**9)
_FINEST = -6


def parse_decimal(value: object) -> Decimal:
    """A bounded decimal from a JSON number or a decimal string; ValueError otherwise. Floats
    are read through their shortest text (0.1 is 0.1)."""
    if isinstance(value, str):
        if not _DECIMAL_TEXT.match(value):
            raise ValueError("not a decimal number")
        return Decimal(value.replace(",", "."))
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError("not a number")
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        raise ValueError("not a number") from None
    if not number.is_finite() or abs(number) >= _LIMIT:
        raise ValueError("out of range")
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < _FINEST:
        raise ValueError("too many decimals")
    return number


def parse_score(value: object, assessment: Assessment, path: str = "") -> Score:
    """A score as entered (number, decimal string with '.' or ',', or "absent"), checked against
    the assessment's range; InputError otherwise."""
    where = path or assessment.code
    if isinstance(value, str) and value.strip().lower() == ABSENT:
        return ABSENT
    try:
        score = parse_decimal(value)
    except ValueError:
        raise _score_error(where, 'a number or "absent"') from None
    if not 0 <= score <= assessment.max_score:
        raise _score_error(where, f"between 0 and {_plain(assessment.max_score)}")
    return score.copy_abs()  # "-0" is 0: a sign has no place in a score


def _score_error(path: str, expected: str) -> InputError:
    return InputError(
        f"a score must be {expected}",
        code="invalid_score",
        problems=[{"path": path, "message": f"must be {expected}"}],
    )


@dataclass(frozen=True)
class Rule:
    """One rule that decided, with what it compared (for the explanation)."""

    kind: Literal["ineligible", "missing", "absent", "eliminatory", "average", "block"]
    ok: bool
    subject: str = ""
    score: Decimal | None = None
    limit: Decimal | None = None
    out_of: Decimal | None = None


@dataclass(frozen=True)
class Result:
    """The outcome for one enrollment: ``passed`` is None until every score is entered."""

    average: Fraction | None
    passed: bool | None
    rules: tuple[Rule, ...]
    blocks: dict[str, bool] = field(default_factory=dict)
    out_of: Decimal = Decimal(20)

    @property
    def average_display(self) -> str | None:
        """The average rounded half-up to two decimals, as a plain decimal string ("13.25")."""
        return None if self.average is None else str(round_half_up(self.average))

    def explanation(self, language: Language = "fr") -> str:
        """The rules that decided, in words, then the verdict."""
        words = _WORDS[language]
        parts = [_describe(rule, self, language) for rule in self.rules]
        verdict = {True: words["passed"], False: words["failed"], None: words["pending"]}
        return words["join"].join(parts) + words["end"] + verdict[self.passed]


def round_half_up(value: Fraction) -> Decimal:
    """``value`` rounded half-up to two decimals (13.125 -> 13.13, exactly)."""
    with localcontext() as context:
        context.prec = 60  # a tie is exact (2/5 denominators); others cannot be ties
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        return exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _on_scale(score: Decimal, assessment: Assessment, out_of: Decimal) -> Fraction:
    if assessment.max_score == out_of:
        return Fraction(score)
    return Fraction(score) * Fraction(out_of) / Fraction(assessment.max_score)


def assessment_passed(score: Score | None, assessment: Assessment, scheme: Scheme) -> bool:
    """Passed for a block: present and at least its eliminatory minimum, or, without one, the
    pass mark brought to the assessment's scale."""
    if score is None or score == ABSENT:
        return False
    if assessment.eliminatory_below is not None:
        return score >= assessment.eliminatory_below
    return _on_scale(score, assessment, scheme.out_of) >= Fraction(scheme.pass_mark)


def compute_result(scheme: Scheme, scores: dict[str, Score], *, eligible: bool) -> Result:
    """Apply DESIGN §9: passed <=> eligible, every score entered, none absent, none below its
    eliminatory minimum, exact average >= pass mark, and every block passed (when any)."""
    rules: list[Rule] = []
    if not eligible:
        rules.append(Rule("ineligible", False))
    missing = [a for a in scheme.assessments if a.code not in scores]
    rules.extend(Rule("missing", False, a.name) for a in missing)
    total, weights = Fraction(0), Fraction(0)
    for a in scheme.assessments:
        score = scores.get(a.code)
        if score is None:
            continue
        if score == ABSENT:
            rules.append(Rule("absent", False, a.name))
            score = Decimal(0)  # counts as zero in the average shown
        elif a.eliminatory_below is not None and score < a.eliminatory_below:
            rules.append(
                Rule("eliminatory", False, a.name, score, a.eliminatory_below, a.max_score)
            )
        total += _on_scale(score, a, scheme.out_of) * Fraction(a.coefficient)
        weights += Fraction(a.coefficient)
    average = total / weights if weights and not missing else None
    if average is not None:
        rules.append(
            Rule("average", average >= Fraction(scheme.pass_mark), "", None, scheme.pass_mark)
        )
    by_code = {a.code: a for a in scheme.assessments}
    blocks = {
        b.code: all(assessment_passed(scores.get(c), by_code[c], scheme) for c in b.assessments)
        for b in scheme.blocks
    }
    rules.extend(Rule("block", ok, _block_name(scheme, code)) for code, ok in blocks.items())
    passed: bool | None = None if missing else all(rule.ok for rule in rules)
    if missing and not eligible:
        passed = False  # an ineligible candidate is never passed, whatever is still to come
    return Result(average, passed, tuple(rules), blocks, scheme.out_of)


def _block_name(scheme: Scheme, code: str) -> str:
    return next(b.name for b in scheme.blocks if b.code == code)


# ------------------------------------------------------------------ words


_WORDS: dict[str, dict[str, str]] = {
    "fr": {
        "join": " ; ",
        "end": " : ",
        "passed": "admis",
        "failed": "ajourné",
        "pending": "en attente",
        "ineligible": "non éligible",
        "missing": "{subject} : note non saisie",
        "absent": "{subject} : absent",
        "eliminatory": "{subject} {score}/{out_of} < {limit} (éliminatoire)",
        "average": "moyenne {average}/{out_of} {sign} {limit}",
        "block_ok": "bloc {subject} validé",
        "block_ko": "bloc {subject} non validé",
    },
    "en": {
        "join": "; ",
        "end": ": ",
        "passed": "passed",
        "failed": "failed",
        "pending": "pending",
        "ineligible": "not eligible",
        "missing": "{subject}: no score entered",
        "absent": "{subject}: absent",
        "eliminatory": "{subject} {score}/{out_of} < {limit} (eliminatory)",
        "average": "average {average}/{out_of} {sign} {limit}",
        "block_ok": "block {subject} passed",
        "block_ko": "block {subject} not passed",
    },
}


def _plain(value: Decimal | Fraction | None, language: Language = "en") -> str:
    """A number as people write it: no exponent, no trailing zeros, ',' in French."""
    if value is None:
        return ""
    text = format(value if isinstance(value, Decimal) else round_half_up(value), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",") if language == "fr" else text


def _two_decimals(value: Fraction | None, language: Language) -> str:
    text = str(round_half_up(value if value is not None else Fraction(0)))
    return text.replace(".", ",") if language == "fr" else text


def _describe(rule: Rule, result: Result, language: Language) -> str:
    words = _WORDS[language]
    if rule.kind == "block":
        return words["block_ok" if rule.ok else "block_ko"].format(subject=rule.subject)
    if rule.kind == "average":
        return words["average"].format(
            average=_two_decimals(result.average, language),
            out_of=_plain(result.out_of, language),
            sign="≥" if rule.ok else "<",
            limit=_plain(rule.limit, language),
        )
    return words[rule.kind].format(
        subject=rule.subject,
        score=_plain(rule.score, language),
        out_of=_plain(rule.out_of, language),
        limit=_plain(rule.limit, language),
    )


__all__ = [
    "ABSENT",
    "Assessment",
    "Block",
    "Result",
    "Rule",
    "Scheme",
    "Score",
    "compute_result",
    "parse_decimal",
    "parse_score",
    "round_half_up",
]

"""A program version's evaluation scheme and eligibility rules, to and from their stored JSON.

Numbers are kept as decimal strings in the database ("2", "12.5"): the arithmetic is exact from
the request to the result, and nothing passes through a binary float.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from core.errors import InputError
from core.workflow.grading import Assessment, Block, Scheme, parse_decimal

#: The keys of a program's request that describe how it is assessed, not what it awards.
SCHEME_KEYS = ("assessments", "passMark", "outOf", "blocks", "secondMarkingGap", "eligibility")


@dataclass(frozen=True)
class Eligibility:
    """What a candidate's file must show before a decision: checked by staff, per enrollment."""

    prerequisites: tuple[str, ...] = ()
    min_attendance_percent: Decimal | None = None
    required_documents: tuple[str, ...] = ()


def _decimal(value: Any, path: str, problems: list[dict[str, str]]) -> Decimal:
    try:
        return parse_decimal(value)
    except ValueError:
        problems.append(
            {"path": path, "message": "must be a number under a billion, 6 decimals at most"}
        )
        return Decimal(0)


def _assessment(item: dict[str, Any], path: str, problems: list[dict[str, str]]) -> Assessment:
    minimum = item.get("eliminatoryBelow")
    return Assessment(
        code=item["code"],
        name=item["name"],
        coefficient=_decimal(item["coefficient"], f"{path}.coefficient", problems),
        max_score=_decimal(item["maxScore"], f"{path}.maxScore", problems),
        eliminatory_below=(
            None if minimum is None else _decimal(minimum, f"{path}.eliminatoryBelow", problems)
        ),
    )


def scheme_from_request(payload: dict[str, Any]) -> tuple[Scheme | None, Eligibility | None]:
    """The scheme and eligibility of a program request (None when absent); InputError naming
    every problem otherwise. The request's shape is checked by its JSON Schema first."""
    problems: list[dict[str, str]] = []
    scheme = None
    if "assessments" in payload or "passMark" in payload:
        if "assessments" not in payload or "passMark" not in payload:
            missing = "passMark" if "assessments" in payload else "assessments"
            problems.append({"path": missing, "message": "required with an evaluation scheme"})
        assessments = tuple(
            _assessment(item, f"assessments[{i}]", problems)
            for i, item in enumerate(payload.get("assessments", []))
        )
        blocks = tuple(
            Block(item["code"], item["name"], tuple(item["assessments"]))
            for item in payload.get("blocks", [])
        )
        scheme = Scheme(
            assessments,
            pass_mark=_decimal(payload.get("passMark", 0), "passMark", problems),
            out_of=_decimal(payload.get("outOf", 20), "outOf", problems),
            blocks=blocks,
            second_marking_gap=(
                None
                if payload.get("secondMarkingGap") is None
                else _decimal(payload["secondMarkingGap"], "secondMarkingGap", problems)
            ),
        )
        if not problems:  # a number that did not parse would be reported twice
            problems.extend(scheme.problems())
    elif any(key in payload for key in ("blocks", "outOf", "secondMarkingGap")):
        problems.append(
            {"path": "assessments", "message": "required with blocks, outOf or secondMarkingGap"}
        )
    eligibility = None
    if "eligibility" in payload:
        rules = payload["eligibility"]
        minimum = rules.get("minAttendancePercent")
        eligibility = Eligibility(
            prerequisites=tuple(rules.get("prerequisites", [])),
            min_attendance_percent=(
                None
                if minimum is None
                else _decimal(minimum, "eligibility.minAttendancePercent", problems)
            ),
            required_documents=tuple(rules.get("requiredDocuments", [])),
        )
        if minimum is not None and not 0 <= (eligibility.min_attendance_percent or 0) <= 100:
            problems.append(
                {"path": "eligibility.minAttendancePercent", "message": "must be within 0..100"}
            )
    if problems:
        raise InputError(
            "the evaluation scheme cannot be used", code="invalid_scheme", problems=problems
        )
    return scheme, eligibility


def scheme_to_json(scheme: Scheme) -> dict[str, Any]:
    """The stored (and API) form of a scheme, decimals as strings."""
    return {
        "assessments": [
            {
                "code": a.code,
                "name": a.name,
                "coefficient": str(a.coefficient),
                "maxScore": str(a.max_score),
                **(
                    {"eliminatoryBelow": str(a.eliminatory_below)}
                    if a.eliminatory_below is not None
                    else {}
                ),
            }
            for a in scheme.assessments
        ],
        "passMark": str(scheme.pass_mark),
        "outOf": str(scheme.out_of),
        "blocks": [
            {"code": b.code, "name": b.name, "assessments": list(b.assessments)}
            for b in scheme.blocks
        ],
        **(
            {"secondMarkingGap": str(scheme.second_marking_gap)}
            if scheme.second_marking_gap is not None
            else {}
        ),
    }


def scheme_from_json(stored: dict[str, Any]) -> Scheme:
    """The scheme of a stored program version (written by scheme_to_json)."""
    return Scheme(
        tuple(
            Assessment(
                a["code"],
                a["name"],
                Decimal(a["coefficient"]),
                Decimal(a["maxScore"]),
                Decimal(a["eliminatoryBelow"]) if "eliminatoryBelow" in a else None,
            )
            for a in stored["assessments"]
        ),
        pass_mark=Decimal(stored["passMark"]),
        out_of=Decimal(stored["outOf"]),
        blocks=tuple(
            Block(b["code"], b["name"], tuple(b["assessments"])) for b in stored.get("blocks", [])
        ),
        second_marking_gap=(
            Decimal(stored["secondMarkingGap"]) if "secondMarkingGap" in stored else None
        ),
    )


def eligibility_to_json(eligibility: Eligibility) -> dict[str, Any]:
    """The stored (and API) form of eligibility rules."""
    return {
        "prerequisites": list(eligibility.prerequisites),
        "minAttendancePercent": (
            None
            if eligibility.min_attendance_percent is None
            else str(eligibility.min_attendance_percent)
        ),
        "requiredDocuments": list(eligibility.required_documents),
    }


def eligibility_from_json(stored: dict[str, Any]) -> Eligibility:
    """The eligibility rules of a stored program version."""
    minimum = stored.get("minAttendancePercent")
    return Eligibility(
        tuple(stored.get("prerequisites", [])),
        None if minimum is None else Decimal(minimum),
        tuple(stored.get("requiredDocuments", [])),
    )


__all__ = [
    "SCHEME_KEYS",
    "Eligibility",
    "eligibility_from_json",
    "eligibility_to_json",
    "scheme_from_json",
    "scheme_from_request",
    "scheme_to_json",
]

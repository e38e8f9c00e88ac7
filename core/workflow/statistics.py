"""The figures of the statistics page and the annual activity report, from decided files:
rates, the mean and distribution of averages, per-assessment pass rates, issuance delays."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from statistics import median
from typing import Any

from core.workflow.grading import (
    ABSENT,
    Scheme,
    Score,
    assessment_passed,
    compute_result,
    round_half_up,
)

#: Averages are counted in ten bins of a tenth of the scale each (the last one includes the top).
BINS = 10


@dataclass(frozen=True)
class FileRecord:
    """What the statistics read of one enrollment."""

    eligible: bool | None
    decision: dict[str, Any] | None  # stored when the session's results were proposed
    scheme: Scheme
    exam_ended: date
    issued_at: datetime | None = None
    revoked: bool = False


@dataclass
class Figures:
    """Counters for one group of files (a session, a program, a year, or everything)."""

    candidates: int = 0
    eligible: int = 0
    decided: int = 0
    passed: int = 0
    issued: int = 0
    revoked: int = 0
    averages: list[Fraction] = field(default_factory=list)  # on a scale of 20
    assessments: dict[str, list[int]] = field(default_factory=dict)  # code -> [passed, sat]
    delays: list[int] = field(default_factory=list)

    def add(self, record: FileRecord) -> None:
        self.candidates += 1
        self.eligible += record.eligible is True
        if record.issued_at is not None:
            self.issued += 1
            self.revoked += record.revoked
            self.delays.append((record.issued_at.date() - record.exam_ended).days)
        decision = record.decision
        if decision is None or decision.get("passed") is None:
            return
        self.decided += 1
        self.passed += decision["passed"] is True
        scores: dict[str, Score] = {
            code: ABSENT if raw == ABSENT else Decimal(raw)
            for code, raw in decision.get("scores", {}).items()
        }
        # The exact average again from the stored scores: a mean of rounded averages could be
        # a hundredth off.
        exact = compute_result(record.scheme, scores, eligible=True).average
        if exact is not None:
            self.averages.append(exact * Fraction(20) / Fraction(record.scheme.out_of))
        for assessment in record.scheme.assessments:
            if assessment.code not in scores:
                continue
            counts = self.assessments.setdefault(assessment.code, [0, 0])
            counts[0] += assessment_passed(scores[assessment.code], assessment, record.scheme)
            counts[1] += 1

    def to_json(self) -> dict[str, Any]:
        """The figures as the API and the pages show them (rates as decimal strings)."""
        mean = sum(self.averages, Fraction(0)) / len(self.averages) if self.averages else None
        return {
            "candidates": self.candidates,
            "eligibilityRate": _rate(self.eligible, self.candidates),
            "decided": self.decided,
            "passed": self.passed,
            "passRate": _rate(self.passed, self.decided),
            "meanAverage": None if mean is None else str(round_half_up(mean)),
            "distribution": _distribution(self.averages),
            "assessments": {
                code: {"sat": sat, "passed": ok, "passRate": _rate(ok, sat)}
                for code, (ok, sat) in sorted(self.assessments.items())
            },
            "issued": self.issued,
            "revoked": self.revoked,
            "medianDaysToIssuance": (
                None if not self.delays else _plain(Decimal(str(median(self.delays))))
            ),
        }


def _rate(part: int, whole: int) -> str | None:
    """``part / whole`` rounded half-up to four decimals, written plainly ("0.8125", "0.5")."""
    if whole == 0:
        return None
    return _plain(round_half_up(Fraction(part * 100, whole)) / 100)


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _distribution(averages: list[Fraction]) -> list[dict[str, Any]]:
    """How many averages (on 20) fall in each two-point band: [0, 2), [2, 4), ... [18, 20]."""
    width = Fraction(20, BINS)
    counts = [0] * BINS
    for value in averages:
        counts[min(int(value / width), BINS - 1)] += 1
    return [
        {"from": _plain(Decimal(i * 2)), "to": _plain(Decimal((i + 1) * 2)), "count": n}
        for i, n in enumerate(counts)
    ]

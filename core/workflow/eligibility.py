"""Whether a candidate may be certified: what staff recorded against the program version's
rules, with the reasons in words; a manager's written override decides otherwise."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from core.workflow.grading import Language
from core.workflow.schemes import Eligibility


@dataclass(frozen=True)
class EligibilityRecord:
    """What staff checked in a candidate's file."""

    identity_checked: bool
    identity_document: str | None
    prerequisites_met: tuple[bool, ...]
    attendance_percent: Decimal | None
    file_complete: bool


@dataclass(frozen=True)
class Override:
    """A manager's decision against the computed one, always with a written justification."""

    eligible: bool
    justification: str


_WORDS = {
    "fr": {
        "identity": "identité non vérifiée",
        "prerequisite": "prérequis non rempli : {}",
        "attendance": "assiduité {} % < {} %",
        "attendance_missing": "assiduité non renseignée (minimum {} %)",
        "file": "dossier incomplet",
        "override": "dérogation : {}",
    },
    "en": {
        "identity": "identity not checked",
        "prerequisite": "prerequisite not met: {}",
        "attendance": "attendance {}% < {}%",
        "attendance_missing": "attendance not recorded (minimum {}%)",
        "file": "file incomplete",
        "override": "override: {}",
    },
}


def _percent(value: Decimal, language: Language) -> str:
    text = format(value.normalize(), "f")
    return text.replace(".", ",") if language == "fr" else text


def assess_eligibility(
    rules: Eligibility,
    record: EligibilityRecord,
    override: Override | None = None,
    language: Language = "fr",
) -> tuple[bool, list[str]]:
    """``(eligible, reasons)``: the reasons are every rule the file does not meet, then the
    override's justification when there is one."""
    words = _WORDS[language]
    reasons: list[str] = []
    if not record.identity_checked:
        reasons.append(words["identity"])
    for text, met in zip(rules.prerequisites, record.prerequisites_met, strict=True):
        if not met:
            reasons.append(words["prerequisite"].format(text))
    minimum = rules.min_attendance_percent
    if minimum is not None:
        if record.attendance_percent is None:
            reasons.append(words["attendance_missing"].format(_percent(minimum, language)))
        elif record.attendance_percent < minimum:
            reasons.append(
                words["attendance"].format(
                    _percent(record.attendance_percent, language), _percent(minimum, language)
                )
            )
    if not record.file_complete:
        reasons.append(words["file"])
    eligible = not reasons
    if override is not None:
        eligible = override.eligible
        reasons.append(words["override"].format(override.justification))
    return eligible, reasons

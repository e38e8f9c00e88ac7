"""The legal mentions of a body (SIRET, NDA, signatory, ...) and the document options of a
program, as staff send them: checked, tidied, and turned into what the models store."""

from __future__ import annotations

import re
from typing import Any

from core.errors import InputError
from core.validation import validate_payload
from core.workflow.text import has_invisible, tidy

#: La Poste's establishments share one SIREN, too many for the Luhn key: their SIRET's digits
#: add up to a multiple of 5 instead (INSEE), but for its head office's, which follows Luhn.
LA_POSTE_SIREN = "356000000"
LA_POSTE_HEAD_OFFICE = "35600000000048"
#: Levels of the French national framework of qualifications (nomenclature 2019), 1 to 8.
LEVELS = tuple(str(n) for n in range(1, 9))
_NDA = re.compile(r"\A[0-9A-Za-z][0-9A-Za-z ./-]{0,31}\Z")
_CODES = {"RNCP": re.compile(r"\ARNCP\d{3,6}\Z"), "RS": re.compile(r"\ARS\d{3,6}\Z")}

#: JSON name -> Organization attribute of the mentions.
MENTION_FIELDS = {
    "legalName": "legal_name",
    "siret": "siret",
    "nda": "nda",
    "address": "address",
    "signatoryName": "signatory_name",
    "signatoryRole": "signatory_role",
}


def luhn_valid(digits: str) -> bool:
    """Whether a string of digits passes the Luhn check (SIREN, SIRET)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def siret_problem(siret: str) -> str | None:
    """Why ``siret`` (14 digits) is not a SIRET number, or None."""
    if len(siret) != 14 or not siret.isascii() or not siret.isdigit():
        return "14 digits"
    if siret.startswith(LA_POSTE_SIREN) and siret != LA_POSTE_HEAD_OFFICE:
        valid = sum(int(c) for c in siret) % 5 == 0
    else:
        valid = luhn_valid(siret[:9]) and luhn_valid(siret)
    return None if valid else "not a valid SIRET number: its check digit is wrong"


def _text(value: Any, path: str, problems: list[dict[str, str]]) -> str | None:
    if value is None:
        return None
    text = tidy(value)
    if has_invisible(text):
        problems.append({"path": path, "message": "control or invisible character"})
        return None
    return text or None


def parse_mentions(payload: Any) -> dict[str, Any]:
    """The body's mentions as Organization attributes (None clears one), from the API's JSON;
    InputError listing every problem."""
    validate_payload("legal_mentions", payload)
    problems: list[dict[str, str]] = []
    mentions: dict[str, Any] = {
        attribute: _text(payload.get(name), name, problems)
        for name, attribute in MENTION_FIELDS.items()
    }
    siret = mentions["siret"]
    if siret is not None:
        siret = mentions["siret"] = siret.replace(" ", "")
        if problem := siret_problem(siret):
            problems.append({"path": "siret", "message": problem})
    nda = mentions["nda"]
    if nda is not None and not _NDA.match(nda):
        problems.append({"path": "nda", "message": "letters, digits, spaces, . / -"})
    mentions["language"] = payload.get("language") or "fr"
    if problems:
        raise InputError(
            "some legal mentions are not valid", code="invalid_request", problems=problems
        )
    return mentions


def mentions_json(org: Any) -> dict[str, Any]:
    """The body's mentions as the API shows them."""
    return {
        **{name: getattr(org, attribute) for name, attribute in MENTION_FIELDS.items()},
        "language": org.language or "fr",
    }


def parse_document_options(payload: Any) -> dict[str, Any]:
    """A program's document options as stored (absent keys left out), from the API's JSON;
    InputError listing every problem."""
    validate_payload("document_options", payload)
    problems: list[dict[str, str]] = []
    options: dict[str, Any] = {"showResults": payload.get("showResults", True)}
    if payload.get("language"):
        options["language"] = payload["language"]
    level = _text(payload.get("level"), "level", problems)
    if level is not None:
        if level in LEVELS:
            options["level"] = level
        else:
            problems.append({"path": "level", "message": "a level of the framework, 1 to 8"})
    framework = payload.get("framework")
    code = _text(payload.get("code"), "code", problems)
    code = code.replace(" ", "").upper() if code else None
    if framework and not code:
        problems.append({"path": "code", "message": f"required with the framework {framework}"})
    elif code and not framework:
        problems.append({"path": "framework", "message": "required with a code: RNCP or RS"})
    elif framework and code:
        if _CODES[framework].match(code):
            options.update(framework=framework, code=code)
        else:
            problems.append(
                {"path": "code", "message": f"a {framework} code, e.g. {framework}34567"}
            )
    if problems:
        raise InputError(
            "some document options are not valid", code="invalid_request", problems=problems
        )
    return options


def document_options_json(options: dict[str, Any] | None) -> dict[str, Any]:
    """A program's document options as the API shows them (every key, null when unset)."""
    stored = options or {}
    return {
        "language": stored.get("language"),
        "showResults": bool(stored.get("showResults", True)),
        "level": stored.get("level"),
        "framework": stored.get("framework"),
        "code": stored.get("code"),
    }

"""Open Badges 3.0 AchievementCredential JSON Schema validation, offline, with human messages."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jsonschema_rs
from jsonschema import Draft201909Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource

SCHEMA_PATH = (
    Path(__file__).resolve().parents[2] / "schemas" / "ob_v3p0_achievementcredential_schema.json"
)
#: At most this many problems are reported (a hostile document could produce thousands).
MAX_PROBLEMS = 50

_DATE_TIME_RE = re.compile(
    r"\A\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})\Z"
)
_DATE_RE = re.compile(r"\A\d{4}-\d{2}-\d{2}\Z")


def _is_date_time(value: object) -> bool:
    """RFC 3339 date-time (a time zone is required), checked without optional libraries."""
    if not isinstance(value, str):
        return True
    if not _DATE_TIME_RE.match(value):
        return False
    try:
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE_RE.match(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _refuse_remote(uri: str) -> Resource[Any]:
    # Every $ref of the OB schema is local ("#/$defs/..."): a remote one is never fetched.
    raise NoSuchResource(ref=uri)  # type: ignore[call-arg]


@functools.cache
def _validator() -> Draft201909Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft201909Validator.check_schema(schema)
    registry: Registry[Any] = Registry(retrieve=_refuse_remote).with_resource(  # type: ignore[call-arg]
        schema["$id"], Resource.from_contents(schema)
    )
    checker = FormatChecker(formats=())
    checker.checks("date-time")(_is_date_time)
    checker.checks("date")(_is_date)
    return Draft201909Validator(schema, registry=registry, format_checker=checker)


def _json_path(parts: Iterable[str | int]) -> str:
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path = f"{path}.{part}" if path else str(part)
    return path


def _message(error: ValidationError) -> str:
    """A sentence for one error, built from the keyword: never the library's text or the value."""
    keyword = error.validator
    value: Any = error.validator_value
    if keyword == "required":
        return "is required"
    if keyword == "type":
        kinds = value if isinstance(value, list) else [value]
        return "must be of type " + " or ".join(str(k) for k in kinds)
    if keyword in ("enum", "const"):
        allowed = value if isinstance(value, list) else [value]
        if len(allowed) <= 5 and all(isinstance(a, str) for a in allowed):
            return "must be one of: " + ", ".join(allowed)
        return "is not one of the allowed values"
    if keyword == "pattern":
        return "does not have the required form"
    if keyword == "format":
        return f"must be a valid {value}"
    if keyword == "minItems":
        return f"must have at least {value} item" + ("" if value == 1 else "s")
    if keyword == "contains":
        return "does not contain a required item"
    if keyword in ("additionalProperties", "unevaluatedProperties"):
        return "has properties that are not allowed"
    if keyword in ("oneOf", "anyOf"):
        return "does not match any of the allowed forms"
    return f"does not satisfy the schema rule '{keyword}'"


def _problem(error: ValidationError) -> dict[str, str]:
    return {"path": _json_path(error.absolute_path) or "$", "message": _message(error)}


@functools.cache
def _fast_validator() -> Any:
    # A compiled validator answers "valid?" in microseconds where the pure-Python one takes
    # about a millisecond; the Python one still explains the problems of an invalid document.
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema_rs.Draft201909Validator(schema, validate_formats=True)


def schema_problems(credential: dict[str, Any]) -> list[dict[str, str]]:
    """The problems of ``credential`` against the OB 3.0 AchievementCredential schema.

    Each problem is ``{"path": "credentialSubject.achievement.name", "message": "is required"}``;
    the list is sorted by path then message, without duplicates, at most MAX_PROBLEMS long.
    An empty list means the credential is valid.
    """
    if _fast_validator().is_valid(credential):
        return []
    return explain_problems(credential)


def explain_problems(credential: dict[str, Any]) -> list[dict[str, str]]:
    """The pure-Python validation behind schema_problems, which names each problem."""
    found: dict[tuple[str, str], dict[str, str]] = {}
    for error in _validator().iter_errors(credential):
        if error.validator == "required":
            instance = error.instance if isinstance(error.instance, dict) else {}
            for name in error.validator_value:
                if name not in instance:
                    path = _json_path([*error.absolute_path, name])
                    found[(path, "is required")] = {"path": path, "message": "is required"}
            continue
        problem = _problem(error)
        found[(problem["path"], problem["message"])] = problem
    return [found[key] for key in sorted(found)][:MAX_PROBLEMS]


__all__ = ["MAX_PROBLEMS", "explain_problems", "schema_problems"]

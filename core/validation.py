"""Validation of API payloads against the JSON Schemas kept in schemas/api/."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from core.errors import InputError

API_SCHEMAS = Path(__file__).resolve().parent.parent / "schemas" / "api"
_BASE = "https://sceau.invalid/schemas/api/"


@cache
def _schemas() -> dict[str, Any]:
    return {
        _BASE + path.name: json.loads(path.read_text())
        for path in sorted(API_SCHEMAS.glob("*.json"))
    }


@cache
def _registry() -> Registry:
    return Registry().with_resources(
        (uri, Resource.from_contents(contents)) for uri, contents in _schemas().items()
    )


@cache
def _fast_validator(name: str) -> Any:
    # Compiled: answers "valid?" in microseconds; the Python validator then names the problems.
    registry = jsonschema_rs.Registry(list(_schemas().items()))
    return jsonschema_rs.Draft202012Validator(_schemas()[_BASE + f"{name}.json"], registry=registry)


@cache
def _validator(name: str) -> Draft202012Validator:
    schema = _schemas()[_BASE + f"{name}.json"]
    return Draft202012Validator(schema, registry=_registry())


def _path(error: Any) -> str:
    return ".".join(str(p) for p in error.absolute_path) or "(body)"


def validate_payload(name: str, payload: Any) -> None:
    """Raise InputError naming every problem when ``payload`` does not match schema ``name``."""
    if _fast_validator(name).is_valid(payload):
        return
    errors = sorted(
        _validator(name).iter_errors(payload), key=lambda e: list(map(str, e.absolute_path))
    )
    if not errors:
        return
    problems = []
    for error in errors:
        # For oneOf, the most useful message is the deepest one of the best-matching branch.
        leaf = (
            min(error.context, key=lambda e: len(list(e.absolute_path)) * -1)
            if error.context
            else error
        )
        problems.append({"path": _path(leaf), "message": leaf.message})
    raise InputError(
        "the request does not match the expected format", code="invalid_request", problems=problems
    )

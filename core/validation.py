"""Validation of API payloads against the JSON Schemas kept in schemas/api/."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from core.errors import InputError

API_SCHEMAS = Path(__file__).resolve().parent.parent / "schemas" / "api"
_BASE = "https://sceau.invalid/schemas/api/"


@cache
def _registry() -> Registry:
    resources = []
    for path in sorted(API_SCHEMAS.glob("*.json")):
        contents = json.loads(path.read_text())
        resources.append((_BASE + path.name, Resource.from_contents(contents)))
    return Registry().with_resources(resources)


@cache
def _validator(name: str) -> Draft202012Validator:
    schema = json.loads((API_SCHEMAS / f"{name}.json").read_text())
    return Draft202012Validator(schema, registry=_registry())


def _path(error: Any) -> str:
    return ".".join(str(p) for p in error.absolute_path) or "(body)"


def validate_payload(name: str, payload: Any) -> None:
    """Raise InputError naming every problem when ``payload`` does not match schema ``name``."""
    errors = sorted(_validator(name).iter_errors(payload), key=lambda e: list(map(str, e.absolute_path)))
    if not errors:
        return
    problems = []
    for error in errors:
        # For oneOf, the most useful message is the deepest one of the best-matching branch.
        leaf = min(error.context, key=lambda e: len(list(e.absolute_path)) * -1) if error.context else error
        problems.append({"path": _path(leaf), "message": leaf.message})
    raise InputError("the request does not match the expected format", code="invalid_request", problems=problems)

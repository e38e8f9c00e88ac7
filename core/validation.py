"""Validation of API payloads: the JSON Schemas of schemas/api/ and the checks they cannot say."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from core.credentials.untrusted import find_control_characters
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
        problems.append({"path": _path(leaf), "message": describe(leaf)})
    raise InputError(
        "the request does not match the expected format", code="invalid_request", problems=problems
    )


_TYPES = {
    "string": "text",
    "number": "a number",
    "integer": "an integer",
    "boolean": "true or false",
    "object": "an object",
    "array": "a list",
    "null": "null",
}


def describe(error: Any) -> str:
    """What a schema error means, in our words: the library's messages quote the input (its
    values, however large or hostile), and no library text reaches a client."""
    kind, value = error.validator, error.validator_value
    if kind == "type":
        names = [value] if isinstance(value, str) else list(value)
        return "must be " + " or ".join(_TYPES.get(n, n) for n in names)
    if kind == "required":
        instance = error.instance if isinstance(error.instance, dict) else {}
        missing = [name for name in value if name not in instance]
        return "required: " + ", ".join(missing)
    if kind == "additionalProperties":
        extra = sorted(k for k in error.instance if k not in error.schema.get("properties", {}))
        shown = ", ".join(repr(k[:40]) for k in extra[:5])
        return f"unknown field(s): {shown}" + (" …" if len(extra) > 5 else "")
    limits = {
        "minLength": "must be at least {} characters long",
        "maxLength": "must be at most {} characters long",
        "minimum": "must be at least {}",
        "maximum": "must be at most {}",
        "exclusiveMinimum": "must be more than {}",
        "exclusiveMaximum": "must be less than {}",
        "minItems": "must hold at least {} item(s)",
        "maxItems": "must hold at most {} item(s)",
        "minProperties": "must hold at least {} field(s)",
        "maxProperties": "must hold at most {} field(s)",
    }
    if kind in limits:
        return limits[kind].format(value)
    if kind in ("enum", "const"):
        choices = value if kind == "enum" else [value]
        return "must be one of: " + ", ".join(str(c) for c in choices)
    return {
        "pattern": "does not have the expected format",
        "format": f"must be a valid {value}",
        "uniqueItems": "must not repeat an item",
        "oneOf": "matches none of the allowed forms",
        "anyOf": "matches none of the allowed forms",
        "not": "is not allowed here",
    }.get(kind, "is not valid here")


def _keyword_paths(value: Any, path: str) -> list[str]:
    found: list[str] = []
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        where, node = stack.pop()
        if isinstance(node, dict):
            for key, child in node.items():
                child_path = f"{where}.{key}" if where else key
                if key.startswith("@"):
                    found.append(child_path)
                else:
                    stack.append((child_path, child))
        elif isinstance(node, list):
            stack.extend((f"{where}[{i}]", child) for i, child in enumerate(node))
    return sorted(found)


def refuse_jsonld_keywords(payload: Any, path: str = "") -> None:
    """Issuing requests describe credentials with the terms of the VC and OB contexts only: a
    nested @context (or any other JSON-LD keyword) would let the request define its own terms."""
    found = _keyword_paths(payload, path)
    if found:
        raise InputError(
            "JSON-LD keywords (@context, @id, ...) are not accepted in an issuing request; use "
            "the terms of the Open Badges 3.0 context",
            code="jsonld_keyword",
            problems=[{"path": p, "message": "JSON-LD keyword"} for p in found[:20]],
        )


def refuse_control_characters(payload: Any) -> None:
    """pyld's N-Quads writer does not escape control characters the RDFC-1.0 way: refuse them."""
    bad = find_control_characters(payload)
    if bad:
        raise InputError(
            "text fields may not contain control characters",
            code="control_characters",
            problems=[{"path": p, "message": "control character"} for p in bad],
        )

"""Verification endpoints: Sceau's JSON API and the W3C VC API `/credentials/verify`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from core.errors import InputError
from core.verifying import verify_untrusted
from core.web.database import deps, read_only
from core.web.limits import rate_limited
from core.web.requests import json_object

bp = Blueprint("verifier", __name__)


#: The fields of a JSON verification request and their JSON types: a field of another type is
#: refused, never silently ignored beside a valid one.
_FIELD_TYPES: dict[str, tuple[type, str]] = {
    "credential": (dict, "object"),
    "jwt": (str, "string"),
    "url": (str, "string"),
    "recipient": (dict, "object"),
}


def _unverified_input(body: dict[str, Any]) -> object:
    """The credential or JWT of a verification request; InputError when there is none."""
    problems = [
        {"path": name, "message": f"expected a {label}"}
        for name, (kind, label) in _FIELD_TYPES.items()
        if name in body and not isinstance(body[name], kind)
    ]
    if problems:
        raise InputError(
            "the request has fields of the wrong type", code="not_a_credential", problems=problems
        )
    if "credential" in body and isinstance(body["credential"], dict):
        return body["credential"]
    if "jwt" in body and isinstance(body["jwt"], str):
        return body["jwt"]
    raise InputError(
        'the body must be {"credential": {...}} or {"jwt": "..."}',
        code="not_a_credential",
        problems=[{"path": "(body)", "message": "expected a credential object or a jwt string"}],
    )


@bp.post("/api/v1/verify")
@rate_limited("verify")
@read_only
def verify() -> Response:
    unverified = _unverified_input(json_object())
    report = verify_untrusted(deps(), unverified)
    return jsonify(report.to_json())


@bp.post("/credentials/verify")
@rate_limited("verify")
@read_only
def vc_api_verify() -> Response:
    body = json_object()
    unverified = body.get("verifiableCredential")
    if not isinstance(unverified, dict):
        raise InputError(
            "verifiableCredential is required",
            code="invalid_request",
            problems=[{"path": "verifiableCredential", "message": "required object"}],
        )
    report = verify_untrusted(deps(), unverified)
    failed = [s for s in report.steps if not s.ok]
    # The VC API's shape: checks that passed, and one ProblemDetails-like object per failure
    # (with our stable step id and code beside type/title/detail).
    response = jsonify(
        {
            "verified": report.verified,
            "checks": [s.id for s in report.steps if s.ok],
            "warnings": [],
            "errors": [
                {
                    "type": f"urn:sceau:problem:{s.code}",
                    "title": s.code,
                    "detail": s.message,
                    "id": s.id,
                    "code": s.code,
                }
                for s in failed
            ],
        }
    )
    response.status_code = 200 if report.verified else 400
    return response

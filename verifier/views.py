"""Verification endpoints: Sceau's JSON API (JSON or uploaded files) and the W3C VC API
`/credentials/verify`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from core.errors import InputError
from core.intake import Submission, verify_submission
from core.verifying import verify_untrusted
from core.web.database import deps, read_only
from core.web.limits import rate_limited
from core.web.requests import json_object

bp = Blueprint("verifier", __name__)

#: Paths where a form may upload a file up to SCEAU_MAX_UPLOAD_BYTES (the API, and the
#: verification page's form); every other body keeps SCEAU_MAX_BODY_BYTES.
UPLOAD_PATHS = ("/api/v1/verify", "/verify")


_TEXT_FIELDS = ("text", "url", "recipient_email", "recipient_name")
_MAX_FIELD_CHARS = 1 << 20


def _recipient(body: dict[str, Any]) -> tuple[str | None, str | None]:
    recipient = body.get("recipient")
    if recipient is None:
        return None, None
    if not isinstance(recipient, dict) or not all(
        isinstance(recipient.get(k), str | None) for k in ("email", "name")
    ):
        raise InputError(
            'recipient must be {"email": "..."} or {"name": "..."}',
            code="invalid_request",
            problems=[{"path": "recipient", "message": "expected an object of strings"}],
        )
    return recipient.get("email"), recipient.get("name")


#: The fields of a JSON verification request and their JSON types: a field of another type is
#: refused, never silently ignored beside a valid one.
_FIELD_TYPES: dict[str, tuple[type, str]] = {
    "credential": (dict, "object"),
    "jwt": (str, "string"),
    "url": (str, "string"),
    "recipient": (dict, "object"),
}


def _json_submission(body: dict[str, Any]) -> Submission:
    problems = [
        {"path": name, "message": f"expected a {label}"}
        for name, (kind, label) in _FIELD_TYPES.items()
        if name in body and not isinstance(body[name], kind)
    ]
    if problems:
        raise InputError(
            "the request has fields of the wrong type", code="not_a_credential", problems=problems
        )
    email, name = _recipient(body)
    credential = body.get("credential")
    jwt, url = body.get("jwt"), body.get("url")
    if not (isinstance(credential, dict) or isinstance(jwt, str) or isinstance(url, str)):
        raise InputError(
            'the body must be {"credential": {...}}, {"jwt": "..."} or {"url": "..."}',
            code="not_a_credential",
            problems=[
                {"path": "(body)", "message": "expected a credential object, a jwt or a url"}
            ],
        )
    return Submission(
        credential=credential if isinstance(credential, dict) else None,
        jwt=jwt if isinstance(jwt, str) else None,
        url=url if isinstance(url, str) else None,
        recipient_email=email,
        recipient_name=name,
    )


def _form_submission() -> Submission:
    """A multipart/form-data (or urlencoded) request: ``file``, ``text``, ``url`` and the
    recipient fields."""
    upload = request.files.get("file")
    untrusted_file = None
    if upload is not None:
        try:
            untrusted_file = upload.read()
        finally:
            upload.close()  # a large upload is spooled to a temporary file
    fields = {name: request.form.get(name) for name in _TEXT_FIELDS}
    for name, value in fields.items():
        if value is not None and len(value) > _MAX_FIELD_CHARS:
            raise InputError(f"the field {name} is too long", code="payload_too_large")
    return Submission(
        file=untrusted_file or None,
        filename=upload.filename if upload is not None else None,
        text=fields["text"],
        url=fields["url"],
        recipient_email=fields["recipient_email"],
        recipient_name=fields["recipient_name"],
    )


@bp.post("/api/v1/verify")
@rate_limited("verify")
@read_only
def verify() -> Response:
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        submission = _form_submission()
    else:
        submission = _json_submission(json_object())
    return jsonify(verify_submission(deps(), submission).to_json())


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

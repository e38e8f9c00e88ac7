"""The issuer API (Bearer API key): issue, revoke, programs, and the W3C VC API issue endpoint."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from core.accounts.principal import Action
from core.credentials.issue_request import parse_issue_request
from core.errors import InputError
from core.urls import credential_url
from core.web.database import deps, read_only
from core.web.requests import bearer_token, json_body, json_object, positive_int_arg
from issuer.services.issuance import issue_credential
from issuer.services.organizations import authenticate
from issuer.services.programs import (
    create_program,
    get_program,
    program_summary,
    update_program,
)
from issuer.services.revocation import revoke_credential
from issuer.services.sessions import organization_of
from issuer.services.staff import authenticate_bearer
from issuer.services.vcapi import sign_vc_api_request

bp = Blueprint("issuer_api", __name__)


def _created(payload: dict[str, Any], status: int = 201) -> Response:
    response = jsonify(payload)
    response.status_code = status
    return response


@bp.post("/api/v1/credentials")
def issue() -> Response:
    d = deps()
    org = authenticate(d, bearer_token())
    key = request.headers.get("Idempotency-Key") or None
    issue_request = parse_issue_request(json_body())
    issued = issue_credential(d, org, issue_request, actor=f"api:{org.slug}", idempotency_key=key)
    row = issued.credential
    body = {
        "id": credential_url(d.settings.base_url, row.id),
        "credential": row.document,
        "jwt": row.jwt,
    }
    response = _created(body, 200 if issued.replayed else 201)
    if issued.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@bp.post("/api/v1/credentials/<uuid:credential_id>/revoke")
def revoke(credential_id: Any) -> Response:
    d = deps()
    org = authenticate(d, bearer_token())
    body = json_object()
    reason = body.get("reason")
    if not isinstance(reason, str):
        raise InputError(
            "a reason is required",
            code="invalid_request",
            problems=[{"path": "reason", "message": "required string"}],
        )
    row = revoke_credential(d, org, str(credential_id), reason, actor=f"api:{org.slug}")
    return jsonify(
        {
            "id": credential_url(d.settings.base_url, row.id),
            "revoked": True,
            "revokedAt": row.revoked_at.isoformat() if row.revoked_at else None,
            "reason": row.revocation_reason,
        }
    )


@bp.post("/api/v1/programs")
def new_program() -> Response:
    d = deps()
    principal = authenticate_bearer(d, bearer_token())
    principal.require(Action.MANAGE_PROGRAMS)
    org = organization_of(d, principal)
    program = create_program(d, org, json_body(), actor=principal.actor)
    return _created(program_summary(d, org, program))


@bp.put("/api/v1/programs/<code>")
def edit_program(code: str) -> Response:
    d = deps()
    principal = authenticate_bearer(d, bearer_token())
    org = organization_of(d, principal)
    get_program(d, org, code)  # another body's program is 404 before any role check
    principal.require(Action.MANAGE_PROGRAMS)
    program = update_program(d, org, code, json_body(), actor=principal.actor)
    return jsonify(program_summary(d, org, program))


@bp.get("/api/v1/programs/<code>")
@read_only
def show_program(code: str) -> Response:
    d = deps()
    principal = authenticate_bearer(d, bearer_token())
    org = organization_of(d, principal)
    program = get_program(d, org, code)  # another body's program is 404 whatever is asked
    principal.require(Action.READ)
    return jsonify(program_summary(d, org, program, positive_int_arg("version")))


@bp.post("/credentials/issue")
def vc_api_issue() -> Response:
    d = deps()
    org = authenticate(d, bearer_token())
    signed = sign_vc_api_request(d, org, json_object())
    return _created({"verifiableCredential": signed})

"""The issuer API (Bearer API key): issue, revoke, programs, and the W3C VC API issue endpoint."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from core.accounts.principal import Action
from core.credentials.issue_request import parse_issue_request
from core.documents.archive import archive_store
from core.documents.images import MEDIA_TYPES
from core.errors import InputError
from core.tasks import enqueue
from core.urls import credential_url
from core.web.database import after_commit, deps, read_only
from core.web.requests import (
    bearer_token,
    binary_body,
    json_body,
    json_object,
    positive_int_arg,
)
from issuer.services.follow_up import follow_up
from issuer.services.issuance import check_client_key, issue_credential
from issuer.services.program_images import set_program_image
from issuer.services.programs import (
    create_program,
    get_program,
    program_summary,
    update_program,
)
from issuer.services.reissue import parse_corrections, reissue_credential
from issuer.services.renewal import expiring_credentials
from issuer.services.revocation import find_credential, revoke_credential
from issuer.services.sessions import organization_of
from issuer.services.staff import authenticate_bearer
from issuer.services.vcapi import sign_vc_api_request

bp = Blueprint("issuer_api", __name__)


def _created(payload: dict[str, Any], status: int = 201) -> Response:
    response = jsonify(payload)
    response.status_code = status
    return response


def _queue(job_ids: list[str]) -> None:
    settings = deps().settings
    for job_id in job_ids:
        # The worker must find the job's rows: queued once they are committed.
        after_commit(lambda job_id=job_id: enqueue(settings, job_id))


@bp.post("/api/v1/credentials")
def issue() -> Response:
    d = deps()
    principal = authenticate_bearer(d, bearer_token())
    # Direct issuing is the engine's: the API key may, no staff role may (the workflow's
    # four eyes would be bypassed).
    principal.require(Action.ISSUE)
    org = organization_of(d, principal)
    key = request.headers.get("Idempotency-Key") or None
    if key is not None:
        check_client_key(key)
    issue_request = parse_issue_request(json_body())
    issued = issue_credential(d, org, issue_request, actor=principal.actor, idempotency_key=key)
    row = issued.credential
    if not issued.replayed:
        _queue(follow_up(d, org, [row.id], principal.actor))
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
    principal = authenticate_bearer(d, bearer_token())
    reason = _reason(json_object())
    org = organization_of(d, principal)
    find_credential(d, org, str(credential_id))  # another body's credential: 404 first
    principal.require(Action.REVOKE)
    row = revoke_credential(d, org, str(credential_id), reason, actor=principal.actor)
    return jsonify(
        {
            "id": credential_url(d.settings.base_url, row.id),
            "revoked": True,
            "revokedAt": row.revoked_at.isoformat() if row.revoked_at else None,
            "reason": row.revocation_reason,
        }
    )


@bp.post("/api/v1/credentials/<uuid:credential_id>/reissue")
def reissue(credential_id: Any) -> Response:
    d = deps()
    principal = authenticate_bearer(d, bearer_token())
    new, old = reissue_credential(
        d, principal, str(credential_id), parse_corrections(json_object())
    )
    _queue(follow_up(d, organization_of(d, principal), [new.id], principal.actor))
    base = d.settings.base_url
    return _created(
        {
            "id": credential_url(base, new.id),
            "replaces": credential_url(base, old.id),
            "credential": new.document,
            "jwt": new.jwt,
        }
    )


@bp.get("/api/v1/credentials/expiring")
@read_only
def expiring() -> Response:
    d = deps()
    principal = authenticate_bearer(d, bearer_token())
    return jsonify(expiring_credentials(d, principal, positive_int_arg("days") or 90))


def _reason(body: dict[str, Any]) -> str:
    reason = body.get("reason")
    if not isinstance(reason, str):
        raise InputError(
            "a reason is required",
            code="invalid_request",
            problems=[{"path": "reason", "message": "required string"}],
        )
    return reason


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


@bp.put("/api/v1/programs/<code>/image")
def edit_program_image(code: str) -> Response:
    d = deps()
    principal = authenticate_bearer(d, bearer_token())
    org = organization_of(d, principal)
    get_program(d, org, code)  # another body's program is 404 before any role check
    principal.require(Action.MANAGE_PROGRAMS)
    data, media_type = binary_body(MEDIA_TYPES)
    store = archive_store(d.settings)
    return jsonify(set_program_image(d, store, org, code, data, media_type, actor=principal.actor))


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
    principal = authenticate_bearer(d, bearer_token())
    principal.require(Action.ISSUE)
    signed = sign_vc_api_request(d, organization_of(d, principal), json_object())
    return _created({"verifiableCredential": signed})

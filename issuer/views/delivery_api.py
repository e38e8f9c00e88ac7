"""The delivery API (Bearer API key or staff token): a credential's mail state, and sending it
again."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from core.errors import InputError
from core.tasks import enqueue
from core.web.database import after_commit, deps, read_only
from core.web.requests import bearer_token, json_object
from issuer.services.delivery import credential_delivery, resend_delivery
from issuer.services.staff import authenticate_bearer

bp = Blueprint("issuer_delivery_api", __name__)


@bp.get("/api/v1/credentials/<uuid:credential_id>/delivery")
@read_only
def show(credential_id: Any) -> Response:
    d = deps()
    principal = authenticate_bearer(d, bearer_token())
    return jsonify(credential_delivery(d, principal, str(credential_id)))


@bp.post("/api/v1/credentials/<uuid:credential_id>/delivery")
def resend(credential_id: Any) -> Response:
    d = deps()
    principal = authenticate_bearer(d, bearer_token())
    has_body = request.content_length or request.headers.get("Transfer-Encoding")
    if has_body and json_object():  # nothing, or {}
        raise InputError("this action takes no parameters", code="invalid_request")
    summary, job_id = resend_delivery(d, principal, str(credential_id))
    settings = d.settings
    after_commit(lambda: enqueue(settings, job_id))
    response = jsonify({**summary, "job": job_id})
    response.status_code = 202
    return response

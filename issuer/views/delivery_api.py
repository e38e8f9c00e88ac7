"""The delivery API (Bearer API key or staff token): a credential's mail state, and sending it
again; and the one way views hand holders' mails to the task queue after their commit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Blueprint, Response, jsonify, request

from core.db.models import Delivery, Organization
from core.delivery.records import dispatch_deliveries
from core.deps import Deps
from core.errors import InputError
from core.tasks import enqueue
from core.web.database import after_commit, deps, read_only
from core.web.requests import bearer_token, json_object
from issuer.services.delivery import credential_delivery, resend_delivery
from issuer.services.staff import authenticate_bearer

bp = Blueprint("issuer_delivery_api", __name__)


def mail_after_commit(
    d: Deps, org: Organization, deliveries: Sequence[Delivery | None], actor: str
) -> None:
    """Record the job that sends these deliveries, and queue it once the request commits."""
    job_id = dispatch_deliveries(d, org, [x for x in deliveries if x is not None], actor)
    if job_id is not None:
        settings = d.settings
        after_commit(lambda: enqueue(settings, job_id))


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

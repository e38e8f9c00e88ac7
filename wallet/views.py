"""Public credential resources: /c/<uuid> as a page, JSON-LD or VC-JWT by content negotiation."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, abort, render_template, request

from core import urls
from core.db.models import Credential
from core.verifying import verify_stored
from core.web.database import deps, read_only
from core.web.headers import public_resource

bp = Blueprint("wallet", __name__, template_folder="templates")

CACHE_SECONDS = 60


def _credential(credential_id: str) -> Credential:
    row = deps().session.get(Credential, credential_id)
    if row is None:
        abort(404)
    return row


def _as_json(row: Credential) -> Response:
    body = json.dumps(row.document, ensure_ascii=False, indent=2)
    return public_resource(Response(body, content_type="application/vc+ld+json"), CACHE_SECONDS)


def _as_jwt(row: Credential) -> Response:
    return public_resource(
        Response(row.jwt, content_type="text/plain; charset=utf-8"), CACHE_SECONDS
    )


@bp.get(urls.CREDENTIAL_JSON_ROUTE)
@read_only
def credential_json(credential_id: Any) -> Response:
    return _as_json(_credential(str(credential_id)))


@bp.get(urls.CREDENTIAL_JWT_ROUTE)
@read_only
def credential_jwt(credential_id: Any) -> Response:
    return _as_jwt(_credential(str(credential_id)))


@bp.get(urls.CREDENTIAL_ROUTE)
@read_only
def credential(credential_id: Any) -> Response | str:
    row = _credential(str(credential_id))
    best = request.accept_mimetypes.best_match(
        [
            "text/html",
            "application/vc+ld+json",
            "application/ld+json",
            "application/json",
            "application/jwt",
            "text/plain",
        ]
    )
    if best in ("application/vc+ld+json", "application/ld+json", "application/json"):
        response = _as_json(row)
    elif best in ("application/jwt", "text/plain"):
        response = _as_jwt(row)
    else:
        report = verify_stored(deps(), row)
        response = Response(
            render_template("wallet/credential.html", row=row, document=row.document, report=report)
        )
    response.vary.add("Accept")
    return response

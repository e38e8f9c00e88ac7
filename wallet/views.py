"""Public credential resources: /c/<uuid> as a page, JSON-LD or VC-JWT by content negotiation."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, render_template, request

from core import urls
from core.credentials.serving import credential_json_text
from core.db.models import Credential
from core.documents.archive import archive_store, read_document
from core.documents.certificate import certificate_pdf
from core.verifying import verify_stored
from core.web.database import deps, read_only
from core.web.headers import public_resource

bp = Blueprint("wallet", __name__, template_folder="templates")

CACHE_SECONDS = 60
DOCUMENT_CACHE_SECONDS = 86400


def _credential(credential_id: str) -> Credential:
    row = deps().session.get(Credential, credential_id)
    if row is None:
        abort(404)
    return row


def _as_json(row: Credential) -> Response:
    body = credential_json_text(row.document)
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


@bp.get(urls.CREDENTIAL_PDF_ROUTE)
def credential_pdf(credential_id: Any) -> Response:
    """The sealed certificate, made and archived on the first request if the queue has not yet."""
    d = deps()
    row = _credential(str(credential_id))
    store = archive_store(d.settings)
    document = certificate_pdf(d, store, row)
    response = Response(read_document(store, document), content_type="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{document.filename}"'
    response.set_etag(document.sha256)
    # The archived file never changes: caches may keep it for good.
    public_resource(response, DOCUMENT_CACHE_SECONDS)
    response.headers["Cache-Control"] += ", immutable"
    return response.make_conditional(request)


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

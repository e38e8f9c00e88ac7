"""Public credential resources: /c/<uuid> as a page, JSON-LD or VC-JWT by content negotiation."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, abort, render_template, request

from core import urls
from core.credentials.serving import credential_json_text
from core.db.models import Credential
from core.db.models.document import BADGE_PNG, BADGE_SVG
from core.documents.archive import archive_store, credential_document, read_document
from core.documents.badges import badge_png, badge_svg
from core.documents.certificate import certificate_pdf
from core.documents.pdf import TemplateError
from core.verifying import verify_stored
from core.web.database import deps, read_only, writing_deps
from core.web.headers import public_image, public_resource

log = logging.getLogger(__name__)

bp = Blueprint("wallet", __name__, template_folder="templates")

CACHE_SECONDS = 60
#: Archived documents (certificate, badges) never change: caches may keep them for good.
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
    try:
        document = certificate_pdf(d, store, row)
    except TemplateError as error:
        # The body's template failed on this credential: its staff see why (the documents
        # job records it); the public is told only that the PDF is not available.
        log.warning("certificate %s: the template failed: %s", row.id, error.message)
        abort(503, description="this certificate's PDF is not available at the moment")
    response = Response(read_document(store, document), content_type="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{document.filename}"'
    response.set_etag(document.sha256)
    # The archived file never changes: caches may keep it for good.
    public_resource(response, DOCUMENT_CACHE_SECONDS)
    response.headers["Cache-Control"] += ", immutable"
    return response.make_conditional(request)


@bp.get(urls.CREDENTIAL_PNG_ROUTE)
@read_only
def credential_png(credential_id: Any) -> Response:
    return _badge(str(credential_id), "png")


@bp.get(urls.CREDENTIAL_SVG_ROUTE)
@read_only
def credential_svg(credential_id: Any) -> Response:
    return _badge(str(credential_id), "svg")


_BADGES = {"png": (BADGE_PNG, badge_png), "svg": (BADGE_SVG, badge_svg)}


def _badge(credential_id: str, extension: str) -> Response:
    """The credential's baked badge, from the archive. The first request for it makes it:
    that request leaves its read-only session for one that writes. A revoked credential's
    badge is served too (verifying the credential it carries tells the status)."""
    kind, make = _BADGES[extension]
    d = deps()
    row = _credential(credential_id)
    document = credential_document(d.session, row.id, kind)
    store = archive_store(d.settings)
    if document is None:
        d = writing_deps()
        document = make(d, store, d.session.get_one(Credential, credential_id))
    if request.if_none_match.contains(document.sha256):
        response = Response(status=304)
    else:
        response = Response(read_document(store, document), content_type=document.media_type)
        filename = f"badge-{credential_id}.{extension}"
        response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.set_etag(document.sha256)
    return public_image(response, DOCUMENT_CACHE_SECONDS, immutable=True)


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

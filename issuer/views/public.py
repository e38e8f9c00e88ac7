"""Public resources of the organizations: DID documents, profiles, achievements, status lists."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, render_template, request

from core import urls
from core.documents.archive import archive_store, read_document
from core.keys.directory import did_document, find_org, issuer_profile, org_did
from core.status.lists import find_list
from core.web.database import deps, read_only
from core.web.headers import public_image, public_resource
from core.web.requests import wants_html
from issuer.services.program_images import public_program_image
from issuer.services.programs import find_program, program_achievement

bp = Blueprint("issuer_public", __name__, template_folder="../templates")

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


def _json(document: object, content_type: str, max_age: int) -> Response:
    body = json.dumps(document, ensure_ascii=False, indent=2)
    return public_resource(Response(body, content_type=content_type), max_age)


@bp.get(urls.DID_DOCUMENT_ROUTE)
@read_only
def did_json(slug: str) -> Response:
    d = deps()
    org = find_org(d.session, slug) or abort(404)
    return _json(did_document(d.session, d.settings, org), "application/did+json", 300)


@bp.get(urls.ISSUER_PROFILE_ROUTE)
@read_only
def profile(slug: str) -> Response | str:
    d = deps()
    org = find_org(d.session, slug) or abort(404)
    document = {"@context": [VC_V2, OB_V3], **issuer_profile(d.settings, org)}
    if wants_html():
        return render_template(
            "issuer/profile.html", org=org, profile=document, did=org_did(d.settings, slug)
        )
    return _json(document, "application/ld+json", 300)


@bp.get(urls.ACHIEVEMENT_ROUTE)
@read_only
def achievement(slug: str, code: str) -> Response | str:
    d = deps()
    org = find_org(d.session, slug) or abort(404)
    program = find_program(d, org, code) or abort(404)
    document = {"@context": [VC_V2, OB_V3], **program_achievement(d, org, program)}
    if wants_html():
        return render_template("issuer/achievement.html", org=org, achievement=document)
    return _json(document, "application/ld+json", 300)


@bp.get(urls.ACHIEVEMENT_IMAGE_ROUTE)
@read_only
def achievement_image(slug: str, code: str) -> Response:
    d = deps()
    org = find_org(d.session, slug) or abort(404)
    row = public_program_image(d, org, code) or abort(404)
    if request.if_none_match.contains(row.sha256):
        response = Response(status=304)
    else:
        data = read_document(archive_store(d.settings), row)
        response = Response(data, content_type=row.media_type)
    response.set_etag(row.sha256)
    return public_image(response, 300)


@bp.get(urls.STATUS_LIST_ROUTE)
@read_only
def status_list(slug: str, number: int) -> Response:
    d = deps()
    org = find_org(d.session, slug) or abort(404)
    row = find_list(d.session, org, number)
    if row is None or row.signed_credential is None or row.etag is None:
        abort(404)
    etag = row.etag
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        response = _json(
            row.signed_credential, "application/vc+ld+json", d.settings.status_cache_seconds
        )
    response.set_etag(etag)
    return public_resource(response, d.settings.status_cache_seconds)

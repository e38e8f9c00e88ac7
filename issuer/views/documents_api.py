"""The documents API (Bearer API key or personal token): certificate templates of a program or
of the body, their preview and versions, the body's legal mentions, a program's document
options. Each route with ``<code>`` has a twin under /api/v1/organization for the body."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from core.accounts.principal import Action, Principal
from core.web.database import deps, read_only
from core.web.requests import bearer_token, json_body
from issuer.services import documents
from issuer.services.staff import authenticate_bearer

bp = Blueprint("issuer_documents_api", __name__)

_PROGRAM = "/api/v1/programs/<code>/template"
_BODY = "/api/v1/organization/template"
#: The body's own template: the same views with no program.
_NONE: dict[str, Any] = {"code": None}


def _principal() -> Principal:
    return authenticate_bearer(deps(), bearer_token())


def _body(principal: Principal, code: str | None, action: Action) -> Any:
    """The request's JSON, read once another body's program has answered 404 and a role that
    may not act 403 (the service checks both again)."""
    documents.template_scope(deps(), principal, code, action)
    return json_body()


def _summary(code: str | None) -> Response:
    return jsonify(documents.template_summary(deps(), _principal(), code))


@bp.get(_BODY, defaults=_NONE)
@bp.get(_PROGRAM)
@read_only
def show_template(code: str | None) -> Response:
    return _summary(code)


@bp.put(_BODY, defaults=_NONE)
@bp.put(_PROGRAM)
def save_template(code: str | None) -> Response:
    principal = _principal()
    documents.save(deps(), principal, code, _body(principal, code, Action.MANAGE_TEMPLATES))
    return _summary(code)


@bp.delete(_BODY, defaults=_NONE)
@bp.delete(_PROGRAM)
def default_template(code: str | None) -> Response:
    documents.use_default(deps(), _principal(), code)
    return _summary(code)


@bp.post(_BODY + "/versions/<int:version>/activate", defaults=_NONE)
@bp.post(_PROGRAM + "/versions/<int:version>/activate")
def activate_version(code: str | None, version: int) -> Response:
    documents.activate(deps(), _principal(), code, version)
    return _summary(code)


@bp.post(_BODY + "/preview", defaults=_NONE)
@bp.post(_PROGRAM + "/preview")
@read_only
def preview(code: str | None) -> Response:
    principal = _principal()
    payload = _body(principal, code, Action.MANAGE_TEMPLATES)
    found = documents.preview(deps(), principal, code, payload)
    response = Response(found.png, mimetype="image/png")
    response.headers["Sceau-Template-Pages"] = str(found.pages)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/api/v1/organization/mentions")
@read_only
def show_mentions() -> Response:
    return jsonify(documents.mentions(deps(), _principal()))


@bp.put("/api/v1/organization/mentions")
def save_mentions() -> Response:
    principal = _principal()
    payload = _body(principal, None, Action.MANAGE_ORGANIZATION)
    return jsonify(documents.update_mentions(deps(), principal, payload))


@bp.get("/api/v1/programs/<code>/document-options")
@read_only
def show_options(code: str) -> Response:
    return jsonify(documents.document_options(deps(), _principal(), code))


@bp.put("/api/v1/programs/<code>/document-options")
def save_options(code: str) -> Response:
    principal = _principal()
    payload = _body(principal, code, Action.MANAGE_PROGRAMS)
    return jsonify(documents.update_document_options(deps(), principal, code, payload))

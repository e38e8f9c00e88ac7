"""GET /api/v1/openapi.json: the OpenAPI 3.1 description of the issuer and verifier APIs."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify

from core.api_description import api_description

bp = Blueprint("api_description", __name__)


@bp.get("/api/v1/openapi.json")
def openapi() -> Response:
    settings = current_app.extensions["sceau"]["settings"]  # no database: nothing to read
    response = jsonify(api_description(settings.base_url))
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["Access-Control-Allow-Origin"] = "*"  # API consoles read it cross-origin
    return response

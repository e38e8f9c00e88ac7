"""Errors mapped to HTTP in one place, with one JSON envelope; no stack trace reaches a user."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from core.errors import RecordedRefusal, SceauError
from core.web.database import keep_on_refusal

log = logging.getLogger("sceau.web")

_HTTP_CODES = {413: "payload_too_large", 429: "rate_limited"}


def envelope(
    status: int, code: str, message: str, problems: list[dict[str, Any]] | None = None
) -> Response:
    """The error body of every API: {"error": {"code", "message", "problems"}}."""
    response = jsonify({"error": {"code": code, "message": message, "problems": problems or []}})
    response.status_code = status
    return response


def register_error_handlers(app: Flask) -> None:
    """Install the handlers: domain errors, HTTP errors, and everything else as a bare 500."""

    @app.errorhandler(SceauError)
    def domain_error(error: SceauError) -> Response:
        if isinstance(error, RecordedRefusal):
            keep_on_refusal()
        if error.http_status >= 500:
            log.error("%s: %s", type(error).__name__, error.message)
        return envelope(error.http_status, error.code, error.message, error.problems)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        status = error.code or 500
        # 413 carries the code of PayloadTooLarge and of the body-limit middleware, whichever
        # layer refused the body.
        code = _HTTP_CODES.get(status) or (error.name or "error").lower().replace(" ", "_")
        messages = {
            404: "nothing here",
            405: "this method is not allowed here",
            413: "the request body is too large",
            # Flask-Limiter's refusal; its Retry-After header says how long to wait.
            429: "too many requests from this address; retry after the Retry-After delay",
        }
        return envelope(status, code, messages.get(status, error.name or "error"))

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        log.exception("unhandled error")
        return envelope(500, "internal_error", "an internal error occurred; it has been logged")

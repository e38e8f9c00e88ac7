"""Reading untrusted request bodies and headers within the limits of the settings."""

from __future__ import annotations

from typing import Any

from flask import request
from werkzeug.exceptions import ClientDisconnected

from core.credentials.untrusted import parse_untrusted_json
from core.errors import InputError, PayloadTooLarge
from core.web.database import settings


def _raw_body() -> bytes:
    """The whole request body within the size limit; InputError for a cut or empty body."""
    limits = settings()
    try:
        raw = request.get_data(cache=False)
    except (ClientDisconnected, OSError):
        # The body stopped before its Content-Length: the client went away, or went silent
        # for longer than BodyLimit lets a body read wait.
        raise InputError(
            "the request body ended before its declared length", code="incomplete_body"
        ) from None
    if request.content_length is not None and len(raw) < request.content_length:
        # The server hands over what arrived when the client (or BodyLimit's deadline) closed
        # the stream early: a shorter body than announced is not the body.
        raise InputError(
            "the request body ended before its declared length", code="incomplete_body"
        )
    if not raw:
        raise InputError("the request has no body", code="empty_body")
    if request.content_length is None and len(raw) >= limits.max_body_bytes and _more_input():
        raise PayloadTooLarge(f"the request body is larger than {limits.max_body_bytes} bytes")
    return raw


def is_json_request() -> bool:
    """Whether the body is declared as JSON (or declared as nothing, which JSON APIs read as
    JSON)."""
    mimetype = request.mimetype or ""
    return not mimetype or mimetype == "application/json" or mimetype.endswith("+json")


def json_body() -> Any:
    """The request's JSON body, parsed with size and depth limits; InputError otherwise."""
    limits = settings()
    if not is_json_request():
        raise InputError(
            "the body must be JSON (Content-Type: application/json)", code="unsupported_media_type"
        )
    return parse_untrusted_json(
        _raw_body(), max_bytes=limits.max_body_bytes, max_depth=limits.max_json_depth
    )


def csv_body() -> str:
    """A ``text/csv`` body as text (UTF-8, a BOM allowed); InputError otherwise."""
    if request.mimetype != "text/csv":
        raise InputError(
            "the body must be CSV (Content-Type: text/csv) or JSON", code="unsupported_media_type"
        )
    charset = (request.mimetype_params.get("charset") or "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise InputError("CSV bodies must be UTF-8", code="unsupported_media_type")
    try:
        text = _raw_body().decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("the CSV is not valid UTF-8", code="malformed_csv") from None
    if "\x00" in text:
        raise InputError("the CSV holds a NUL character", code="malformed_csv")
    return text


def binary_body(media_types: tuple[str, ...]) -> tuple[bytes, str]:
    """A raw body (an image) and its declared media type, which must be one of
    ``media_types``; InputError otherwise."""
    mimetype = request.mimetype or ""
    if mimetype not in media_types:
        raise InputError(
            f"the body must be one of {', '.join(media_types)} (Content-Type)",
            code="unsupported_media_type",
        )
    return _raw_body(), mimetype


def _more_input() -> bool:
    """Whether the body goes on past what was read.

    Without a Content-Length (chunked), Werkzeug stops reading at MAX_CONTENT_LENGTH without an
    error: the body would be silently cut to the limit, and its first part could even parse.
    One more byte from the server's own stream (which ends with the body) tells.
    """
    if not request.environ.get("wsgi.input_terminated"):
        return False  # a stream the server does not end could block: Werkzeug read none of it
    try:
        return bool(request.environ["wsgi.input"].read(1))
    except (OSError, ValueError):
        return False


def json_object() -> dict[str, Any]:
    """Like json_body, but the body must be a JSON object."""
    body = json_body()
    if not isinstance(body, dict):
        raise InputError("the body must be a JSON object", code="invalid_request")
    return body


#: Largest integer a query parameter may name (database integers).
MAX_INT_ARG = 2**31 - 1


def positive_int_arg(name: str) -> int | None:
    """The query parameter ``name`` as an integer from 1 to 2**31-1, None when absent;
    InputError for anything else (a client asking for one thing never silently gets another)."""
    raw = request.args.get(name)
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit() and 0 < int(raw) <= MAX_INT_ARG):
        raise InputError(
            f"{name} must be a positive integer",
            code="invalid_request",
            problems=[{"path": name, "message": f"an integer from 1 to {MAX_INT_ARG}"}],
        )
    return int(raw)


def bearer_token() -> str | None:
    """The token of an `Authorization: Bearer` header, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def wants_html() -> bool:
    """True when the client prefers a page to data (content negotiation of public URLs)."""
    best = request.accept_mimetypes.best_match(
        [
            "text/html",
            "application/vc+ld+json",
            "application/ld+json",
            "application/json",
            "text/plain",
            "application/jwt",
        ]
    )
    return best == "text/html"

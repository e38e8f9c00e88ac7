"""WSGI middleware: a body over its path's size limit gets a 413 that the client receives."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flask import Flask, request
from werkzeug.wsgi import get_content_length

# Why this exists: gunicorn's sync worker closes the connection after each response.  When the
# application answered without reading the whole body (Werkzeug refuses an oversized
# Content-Length before reading a byte), the kernel answers the unread bytes with a TCP reset
# and the client sees "connection reset" instead of the 413.  Reading the body, and throwing it
# away, before answering lets the 413 through.

#: Largest body (bytes) read and discarded so that the client receives its 413.  Above it the
#: 413 is sent without reading: a client that keeps sending that much is abusive and may get a
#: connection reset instead, which holds a worker for less time.  Reading is bounded by
#: gunicorn's worker timeout as well (a client trickling bytes is cut off there).
DRAIN_LIMIT = 64 * 1024 * 1024

#: Longest silence while a request body is being read (gunicorn's sync workers read from the
#: client's socket with no timeout at all: a body shorter than its Content-Length held the worker
#: until gunicorn killed it). A client that trickles bytes is still bounded only by gunicorn's
#: worker timeout: production puts a buffering reverse proxy in front (see the README).
BODY_IDLE_SECONDS = 5.0

#: Longest time a request body may take to arrive, however it trickles: the read side of the
#: client's socket is then shut, the read ends, and the request answers 400 incomplete_body
#: (a byte every few seconds kept each read under BODY_IDLE_SECONDS and held the worker until
#: gunicorn killed it). Shutting only the read side leaves the answer free to go out.
BODY_READ_SECONDS = 10.0

_READ_SIZE = 64 * 1024
_MESSAGE = "the request body is too large"

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

#: Bodies that may carry an uploaded file (the upload limit applies to them on upload paths);
#: a JSON body keeps the general limit everywhere.
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def body_limit_for(
    path: str, content_type: str | None, max_body_bytes: int, uploads: Mapping[str, int]
) -> int:
    """The largest body accepted for a request: the path's upload limit for a form posted to
    one of ``uploads``' paths, else ``max_body_bytes``."""
    mimetype = (content_type or "").split(";", 1)[0].strip().lower()
    if mimetype in FORM_TYPES and path in uploads:
        return uploads[path]
    return max_body_bytes


def discard(stream: Any, limit: int) -> None:
    """Read and drop up to ``limit`` bytes of ``stream``, stopping at its end or on an error."""
    remaining = limit
    try:
        while remaining > 0:
            data = stream.read(min(_READ_SIZE, remaining))
            if not data:
                return
            remaining -= len(data)
    except (OSError, ValueError):
        return  # the client went away: nothing left to protect


def _stop_reading(client: socket.socket) -> None:
    with contextlib.suppress(OSError):
        client.shutdown(socket.SHUT_RD)


def _with_connection_close(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    # Hop-by-hop, so gunicorn drops it and writes its own (always "close" for sync workers); it
    # matters for a server that would otherwise keep the connection for a next request.
    kept = [(name, value) for name, value in headers if name.lower() != "connection"]
    return [*kept, ("Connection", "close")]


class BodyLimit:
    """Answer 413, with the API's JSON error envelope, to a body over ``max_body_bytes`` (or
    over its path's limit in ``uploads``, for a form posted there: see ``body_limit_for``).

    * Content-Length over the limit: the body is read and discarded (up to ``drain_limit``),
      then the 413 is sent; the application is not called.
    * No Content-Length (chunked transfer encoding, ``wsgi.input_terminated`` set by the
      server): the request goes to the application, whose own limit answers 413 when the body
      is too large; the rest of the body is then discarded before that answer goes out.
    """

    def __init__(
        self,
        app: WSGIApp,
        max_body_bytes: int,
        drain_limit: int = DRAIN_LIMIT,
        uploads: Mapping[str, int] | None = None,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.drain_limit = drain_limit
        self.uploads = dict(uploads or {})

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        length = get_content_length(environ)  # None when chunked, as Flask reads it
        client = environ.get("gunicorn.socket")
        if client is None or not (length or environ.get("wsgi.input_terminated")):
            return self._limited(environ, start_response, length)
        client.settimeout(BODY_IDLE_SECONDS)
        deadline = threading.Timer(BODY_READ_SECONDS, _stop_reading, (client,))
        deadline.daemon = True
        deadline.start()
        try:
            # The body is read while the application runs; its answer is an iterable of bytes
            # that sends nothing more from the client's side.
            return self._limited(environ, start_response, length)
        finally:
            deadline.cancel()

    def _limited(
        self, environ: dict[str, Any], start_response: Callable[..., Any], length: int | None
    ) -> Iterable[bytes]:
        limit = body_limit_for(
            environ.get("PATH_INFO", ""),
            environ.get("CONTENT_TYPE"),
            self.max_body_bytes,
            self.uploads,
        )
        if length is not None and length > limit:
            if length <= self.drain_limit:
                discard(environ["wsgi.input"], length)
            return self._payload_too_large(start_response)
        if length is None and environ.get("wsgi.input_terminated"):
            return self.app(environ, self._draining_on_413(environ, start_response))
        return self.app(environ, start_response)

    def _payload_too_large(self, start_response: Callable[..., Any]) -> Iterable[bytes]:
        body = json.dumps(
            {"error": {"code": "payload_too_large", "message": _MESSAGE, "problems": []}}
        ).encode()
        headers = [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("X-Content-Type-Options", "nosniff"),
        ]
        start_response("413 Content Too Large", _with_connection_close(headers))
        return [body]

    def _draining_on_413(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Callable[..., Any]:
        def wrapped(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if status.startswith("413"):
                # The server ends the stream at the end of the chunked body, so reading it to
                # its end cannot block on a next request.
                discard(environ["wsgi.input"], self.drain_limit)
                headers = _with_connection_close(headers)
            return start_response(status, headers, exc_info)

        return wrapped


def install_upload_limits(app: Flask, max_body_bytes: int, uploads: Mapping[str, int]) -> None:
    """Give Flask the same per-path limit as BodyLimit (Werkzeug reads a form, or a chunked
    body, up to ``request.max_content_length``). Installed before CSRF's hook, which reads
    the form first."""

    @app.before_request
    def _upload_limit() -> None:
        limit = body_limit_for(request.path, request.content_type, max_body_bytes, uploads)
        if limit != max_body_bytes:
            request.max_content_length = limit
            # Text fields of the form keep the general limit (files go to the upload limit).
            request.max_form_memory_size = max_body_bytes

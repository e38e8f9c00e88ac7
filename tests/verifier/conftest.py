"""Fixtures of the verifier tests: a foreign HTTPS host serving DID documents and status lists."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sceau_test_support import self_signed_tls

import core.net.fetch as fetch_module


@pytest.fixture
def foreign_host(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, dict[str, bytes]]]:
    """An HTTPS server on localhost serving whatever the test puts in the returned dict."""
    documents: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = documents.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body or b"{}")

        def log_message(self, *_args: Any) -> None:
            pass

    cert_path, key_path = self_signed_tls(tmp_path)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    # The guarded fetch verifies TLS with the default context: make it trust this test server.
    trusting = ssl.create_default_context(cafile=str(cert_path))
    monkeypatch.setattr(fetch_module.ssl, "create_default_context", lambda: trusting)
    try:
        yield f"localhost:{server.server_address[1]}", documents
    finally:
        server.shutdown()
        server.server_close()

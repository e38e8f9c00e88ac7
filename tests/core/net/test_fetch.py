"""Tests of core.net.fetch against a local threaded HTTP(S) server, and of the SSRF guard."""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sceau_test_support import self_signed_tls

import core.net.fetch as fetch_module
from core.errors import FetchError
from core.net.fetch import FetchResult, fetch, is_public_address

RELEASE = threading.Event()  # lets the slow handlers finish once a test is done with them


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _drip(self, data: bytes) -> None:
        for byte in data:
            if RELEASE.wait(0.05):
                break
            try:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
            except OSError:
                break
        self.close_connection = True

    def do_GET(self) -> None:
        if self.path == "/ok?x=1":
            seen = {"host": self.headers["Host"], "accept": self.headers["Accept"]}
            self._send(
                200,
                json.dumps(seen).encode(),
                {"Content-Type": "Application/JSON; charset=utf-8", "X-Extra": "1"},
            )
        elif self.path == "/missing":
            self._send(404, b"not here", {"Content-Type": "text/plain"})
        elif self.path == "/big-declared":
            self._send(200, b"x" * 5000)
        elif self.path == "/big-streamed":
            # No Content-Length: the body ends when the connection closes.
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            for _ in range(50):
                self.wfile.write(b"y" * 100)
            self.close_connection = True
        elif self.path == "/slow":
            RELEASE.wait(30)
            self._send(200, b"{}")
        elif self.path == "/drip":
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            for _ in range(100000):
                if RELEASE.wait(0.02):
                    break
                try:
                    self.wfile.write(b"z")
                    self.wfile.flush()
                except OSError:
                    break
            self.close_connection = True
        elif self.path == "/drip-unsized":
            # No Content-Length, a byte every 50 ms: every single read is short.
            self.send_response(200)
            self.end_headers()
            self._drip(b"z" * 100000)
        elif self.path == "/drip-headers":
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            self._drip(b"X-Slow: " + b"h" * 100000)
        elif self.path == "/redirect":
            self._send(302, b"", {"Location": "http://169.254.169.254/latest/meta-data/"})
        else:
            self._send(500, b"unexpected path")


def _serve(server: ThreadingHTTPServer) -> Iterator[int]:
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    RELEASE.clear()
    try:
        yield server.server_address[1]
    finally:
        RELEASE.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def port() -> Iterator[int]:
    yield from _serve(ThreadingHTTPServer(("127.0.0.1", 0), Handler))


def _get(url: str, **kwargs: object) -> FetchResult:
    options: dict[str, object] = {
        "timeout": 5.0,
        "max_bytes": 1000,
        "allow_private": True,
        "allow_http": True,
    }
    options.update(kwargs)
    return fetch(url, **options)  # type: ignore[arg-type]


def _code(url: str, **kwargs: object) -> str:
    with pytest.raises(FetchError) as info:
        _get(url, **kwargs)
    return info.value.code


# --- local HTTP ------------------------------------------------------------------------------


def test_success(port: int) -> None:
    result = _get(f"http://127.0.0.1:{port}/ok?x=1#fragment", accept="application/did+json")
    assert result.status == 200 and result.ok
    assert result.url == f"http://127.0.0.1:{port}/ok?x=1#fragment"
    assert result.content_type == "application/json"
    assert result.headers["x-extra"] == "1"
    assert json.loads(result.body) == {
        "host": f"127.0.0.1:{port}",
        "accept": "application/did+json",
    }


def test_host_header_is_the_original_name(port: int) -> None:
    body = json.loads(_get(f"http://localhost:{port}/ok?x=1").body)
    assert body["host"] == f"localhost:{port}"


def test_error_statuses_are_returned(port: int) -> None:
    result = _get(f"http://127.0.0.1:{port}/missing")
    assert result.status == 404 and not result.ok and result.body == b"not here"


def test_oversize_declared(port: int) -> None:
    assert _code(f"http://127.0.0.1:{port}/big-declared") == "fetch_too_large"
    assert len(_get(f"http://127.0.0.1:{port}/big-declared", max_bytes=5000).body) == 5000


def test_oversize_streamed(port: int) -> None:
    assert _code(f"http://127.0.0.1:{port}/big-streamed") == "fetch_too_large"
    assert _get(f"http://127.0.0.1:{port}/big-streamed", max_bytes=5000).body == b"y" * 5000


def test_slow_response_times_out(port: int) -> None:
    assert _code(f"http://127.0.0.1:{port}/slow", timeout=0.3) == "fetch_timeout"


def test_dripping_body_hits_the_overall_deadline(port: int) -> None:
    url = f"http://127.0.0.1:{port}/drip"
    assert _code(url, timeout=0.5, max_bytes=1_000_000) == "fetch_timeout"


def test_redirects_are_not_followed(port: int) -> None:
    with pytest.raises(FetchError) as info:
        _get(f"http://127.0.0.1:{port}/redirect")
    assert info.value.code == "fetch_failed"
    assert "redirect" in info.value.message and "302" in info.value.message


def test_connection_refused_is_fetch_failed() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    closed_port = server.server_address[1]
    server.server_close()
    assert _code(f"http://127.0.0.1:{closed_port}/ok?x=1") == "fetch_failed"


# --- TLS -------------------------------------------------------------------------------------


@pytest.fixture
def tls(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    cert_path, key_path = self_signed_tls(tmp_path)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    for tls_port in _serve(server):
        yield tls_port, cert_path


def test_tls_untrusted_certificate_is_refused(tls: tuple[int, Path]) -> None:
    tls_port, _ = tls
    with pytest.raises(FetchError) as info:
        _get(f"https://localhost:{tls_port}/ok?x=1", allow_http=False)
    assert info.value.code == "fetch_failed" and "TLS" in info.value.message


def test_tls_verified_against_the_original_name(
    tls: tuple[int, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    tls_port, cert_path = tls
    trusting = ssl.create_default_context(cafile=str(cert_path))
    monkeypatch.setattr(fetch_module.ssl, "create_default_context", lambda: trusting)
    result = _get(f"https://localhost:{tls_port}/ok?x=1", allow_http=False)
    assert result.status == 200
    assert json.loads(result.body)["host"] == f"localhost:{tls_port}"
    # Same server and trusted certificate, but it does not name 127.0.0.1.
    with pytest.raises(FetchError) as info:
        _get(f"https://127.0.0.1:{tls_port}/ok?x=1", allow_http=False)
    assert "TLS" in info.value.message


@pytest.mark.parametrize("path", ["/drip-unsized", "/drip-headers"])
def test_a_dripping_tls_server_hits_the_overall_deadline(
    tls: tuple[int, Path], monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    """Regression: over TLS a body (or headers) sent a byte at a time held a worker until
    gunicorn killed it, whatever the timeout."""
    tls_port, cert_path = tls
    trusting = ssl.create_default_context(cafile=str(cert_path))
    monkeypatch.setattr(fetch_module.ssl, "create_default_context", lambda: trusting)
    started = time.monotonic()
    assert _code(f"https://localhost:{tls_port}{path}", allow_http=False, timeout=0.5) == (
        "fetch_timeout"
    )
    assert time.monotonic() - started < 5


# --- the guard -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "options"),
    [
        ("http://127.0.0.1/", {}),
        ("http://127.0.0.1/", {"allow_private": True}),  # http still refused
        ("http://example.org/did.json", {}),
        ("https://127.0.0.1/", {}),
        ("http://127.0.0.1:8000/", {"allow_http": True}),
        ("https://localhost/", {}),
        ("https://10.1.2.3/", {}),
        ("https://172.16.0.1/", {}),
        ("https://192.168.1.1/", {}),
        ("https://100.64.0.1/", {}),
        ("https://169.254.169.254/latest/meta-data/", {}),
        ("https://0.0.0.0/", {}),
        ("https://224.0.0.1/", {}),
        ("https://[::1]/", {}),
        ("https://[::]/", {}),
        ("https://[::ffff:127.0.0.1]/", {}),
        ("https://[::ffff:10.0.0.1]/", {}),
        ("https://[fe80::1]/", {}),
        ("https://[fd00::1]/", {}),
        ("https://[64:ff9b::a9fe:a9fe]/", {}),
        ("ftp://example.org/", {}),
        ("file:///etc/passwd", {}),
        ("https://user:secret@example.org/", {}),
        ("https:///no-host", {}),
        ("https://example.org:99999/", {}),
        ("https://exa mple.org/", {}),
        ("https://example.org/\r\nX-Injected: 1", {}),
        ("https://example.org/" + "a" * 3000, {}),
    ],
)
def test_guard_refuses(url: str, options: dict[str, bool]) -> None:
    with pytest.raises(FetchError) as info:
        fetch(url, timeout=2.0, max_bytes=1000, **options)
    assert info.value.code == "fetch_refused"


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("93.184.215.14", True),
        ("2001:4860:4860::8888", True),
        ("::ffff:8.8.8.8", True),
        ("64:ff9b::808:808", True),
        ("127.0.0.1", False),
        ("127.255.255.254", False),
        ("10.0.0.1", False),
        ("172.31.255.255", False),
        ("192.168.0.1", False),
        ("100.64.0.1", False),
        ("169.254.169.254", False),
        ("0.0.0.0", False),  # noqa: S104
        ("224.0.0.251", False),
        ("240.0.0.1", False),
        ("255.255.255.255", False),
        ("192.0.2.1", False),
        ("198.18.0.1", False),
        ("::1", False),
        ("::", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:169.254.169.254", False),
        ("64:ff9b::a00:1", False),
        ("2002:a00:1::", False),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", False),  # Teredo
        ("fe80::1", False),
        ("fd12:3456::1", False),
        ("ff02::1", False),
        ("2001:db8::1", False),
        ("not an address", False),
    ],
)
def test_is_public_address(address: str, public: bool) -> None:
    assert is_public_address(address) is public

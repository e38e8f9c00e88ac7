"""Oversized bodies through a real gunicorn and a real HTTP client: the 413 reaches the client."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.db.migrate import upgrade
from core.web.body_limit import BODY_IDLE_SECONDS, BODY_READ_SECONDS

ROOT = Path(__file__).resolve().parents[2]
MAX_BODY_BYTES = 1024 * 1024
MIB = 1024 * 1024


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_listening(port: int, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail("gunicorn exited:\n" + log.read_text(errors="replace"))
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail("gunicorn did not listen within 60 s:\n" + log.read_text(errors="replace"))


@pytest.fixture(scope="module")
def gunicorn_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """Gunicorn (one sync worker) serving wsgi:create_app() on a free loopback port.

    Always on a temporary SQLite file, even when TEST_DATABASE_URL names PostgreSQL: this test
    is about the HTTP server, and the app's own database is the session fixture's business.
    """
    folder = tmp_path_factory.mktemp("gunicorn")
    port = _free_port()
    database_url = f"sqlite:///{folder / 'sceau.db'}"
    upgrade(database_url)
    env = {
        **os.environ,
        "SCEAU_ENV": "test",
        "SCEAU_INSTANCE_DIR": str(folder),
        "DATABASE_URL": database_url,
        "SCEAU_BASE_URL": f"http://127.0.0.1:{port}",
        "SCEAU_MAX_BODY_BYTES": str(MAX_BODY_BYTES),
    }
    log = folder / "gunicorn.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                "1",
                "--bind",
                f"127.0.0.1:{port}",
                "wsgi:create_app()",
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_listening(port, server, log)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _post(
    port: int,
    path: str,
    body: Any,
    *,
    chunked: bool = False,
    content_type: str = "application/json",
) -> tuple[int, Any, str]:
    """(status, parsed JSON body, Connection header) of one POST over a fresh connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(
            "POST",
            path,
            body=body,
            headers={"Content-Type": content_type},
            encode_chunked=chunked,
        )
        response = connection.getresponse()
        return response.status, json.loads(response.read()), response.getheader("Connection", "")
    finally:
        connection.close()


def _chunks(data: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def _error_code(body: Any) -> object:
    return body["error"]["code"] if isinstance(body, dict) and "error" in body else body


CREDENTIAL_4_MIB = json.dumps({"credential": {"x": "y" * (4 * MIB)}}).encode()
JWT_3_MIB = json.dumps({"jwt": "a" * (3 * MIB)}).encode()


def test_small_verify_request_answers_200(gunicorn_port: int) -> None:
    status, body, _ = _post(gunicorn_port, "/api/v1/verify", b'{"jwt": "x.y.z"}')
    assert (status, body["verified"]) == (200, False)


def test_small_chunked_verify_request_answers_200(gunicorn_port: int) -> None:
    status, body, _ = _post(
        gunicorn_port, "/api/v1/verify", _chunks(b'{"jwt": "x.y.z"}', 4), chunked=True
    )
    assert (status, body["verified"]) == (200, False)


def test_4_mib_credential_gets_a_413_envelope(gunicorn_port: int) -> None:
    status, body, connection = _post(gunicorn_port, "/api/v1/verify", CREDENTIAL_4_MIB)
    assert (status, _error_code(body), connection.lower()) == (413, "payload_too_large", "close")


def test_3_mib_jwt_gets_a_413_envelope(gunicorn_port: int) -> None:
    status, body, _ = _post(gunicorn_port, "/api/v1/verify", JWT_3_MIB)
    assert (status, _error_code(body)) == (413, "payload_too_large")


def test_4_mib_chunked_credential_gets_a_413_envelope(gunicorn_port: int) -> None:
    status, body, _ = _post(
        gunicorn_port, "/api/v1/verify", _chunks(CREDENTIAL_4_MIB), chunked=True
    )
    assert (status, _error_code(body)) == (413, "payload_too_large")


def test_chunked_body_is_never_truncated_to_the_limit(gunicorn_port: int) -> None:
    # Valid JSON within the limit, then whitespace past it: read up to the limit only, it would
    # parse and be accepted although the body is too large.
    body = b'{"jwt": "x.y.z"}' + b" " * (2 * MAX_BODY_BYTES)
    status, answer, _ = _post(gunicorn_port, "/api/v1/verify", _chunks(body), chunked=True)
    assert (status, _error_code(answer)) == (413, "payload_too_large")


def test_declared_body_over_the_drain_limit_gets_a_413_without_being_read(
    gunicorn_port: int,
) -> None:
    # Only the headers are sent: a server that tried to read the 128 MiB would time out.
    with socket.create_connection(("127.0.0.1", gunicorn_port), timeout=30) as sock:
        sock.sendall(
            b"POST /api/v1/verify HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: "
            + str(128 * MIB).encode()
            + b"\r\n\r\n"
        )
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, payload = received.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    assert (status, _error_code(json.loads(payload))) == (413, "payload_too_large")


def test_a_body_shorter_than_its_content_length_gets_a_400(gunicorn_port: int) -> None:
    """Red team: the worker waited for the missing bytes until gunicorn killed it (500, 30 s)."""
    with socket.create_connection(("127.0.0.1", gunicorn_port), timeout=30) as sock:
        sock.sendall(
            b"POST /api/v1/verify HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
            b'{"credential": {'
        )
        started = time.monotonic()
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, payload = received.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    assert (status, _error_code(json.loads(payload))) == (400, "incomplete_body")
    assert time.monotonic() - started < BODY_IDLE_SECONDS + 10


def test_a_trickled_body_is_cut_off_at_the_read_deadline(gunicorn_port: int) -> None:
    """Red team, round 2: a byte every few seconds kept every read under the idle timeout and
    held the worker until gunicorn killed it (a 500 after 36 s)."""
    with socket.create_connection(("127.0.0.1", gunicorn_port), timeout=60) as sock:
        sock.sendall(
            b"POST /api/v1/verify HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
        )
        started = time.monotonic()
        sock.settimeout(BODY_IDLE_SECONDS / 2)
        received = b""
        while not received and time.monotonic() - started < 60:
            try:
                sock.sendall(b" ")
                received = sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                break
        sock.settimeout(10)
        while chunk := sock.recv(65536):
            received += chunk
    head, _, payload = received.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    assert (status, _error_code(json.loads(payload))) == (400, "incomplete_body")
    assert time.monotonic() - started < BODY_READ_SECONDS + 10


_BOUNDARY = "sceau-test-boundary"
_FORM = f"multipart/form-data; boundary={_BOUNDARY}"


def _form_with_file(data: bytes) -> bytes:
    """A multipart form whose ``file`` field is ``data``."""
    head = (
        f'--{_BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="c.pdf"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{_BOUNDARY}--\r\n".encode()


def test_a_12_mib_upload_to_the_verifier_gets_a_413_envelope(gunicorn_port: int) -> None:
    """Over SCEAU_MAX_UPLOAD_BYTES (10 MiB by default): the client receives the 413."""
    form = _form_with_file(b"%PDF-1.7\n" + bytes(12 * MIB))
    status, body, connection = _post(gunicorn_port, "/api/v1/verify", form, content_type=_FORM)
    assert (status, _error_code(body), connection.lower()) == (413, "payload_too_large", "close")
    status, body, _ = _post(
        gunicorn_port, "/api/v1/verify", _chunks(form), chunked=True, content_type=_FORM
    )
    assert (status, _error_code(body)) == (413, "payload_too_large")


def test_a_3_mib_upload_is_read_by_the_verifier_only(gunicorn_port: int) -> None:
    """Under the upload limit but over the body limit: the verifier reads it (and says it is
    no credential); any other path, or JSON to the verifier, keeps SCEAU_MAX_BODY_BYTES."""
    form = _form_with_file(bytes(3 * MIB))
    for chunked in (False, True):
        payload = _chunks(form) if chunked else form
        status, body, _ = _post(
            gunicorn_port, "/api/v1/verify", payload, chunked=chunked, content_type=_FORM
        )
        assert (status, _error_code(body)) == (400, "unsupported_file"), chunked
    status, body, _ = _post(gunicorn_port, "/api/v1/credentials", form, content_type=_FORM)
    assert (status, _error_code(body)) == (413, "payload_too_large")


def test_an_uploaded_photo_is_read_in_a_child_of_the_gunicorn_worker(gunicorn_port: int) -> None:
    """The capped child process starts from a gunicorn worker too (and answers each time)."""
    import io

    from PIL import Image

    picture = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 120, 150)).save(picture, format="JPEG")
    for _ in range(2):  # the second file goes to the warm child
        status, body, _ = _post(
            gunicorn_port, "/api/v1/verify", _form_with_file(picture.getvalue()), content_type=_FORM
        )
        assert (status, _error_code(body)) == (400, "no_qr_code")

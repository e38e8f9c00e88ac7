"""PAdES B-T: with SCEAU_TSA_URL, the seal carries an RFC 3161 timestamp from that service."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
)
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from documents_support import check_seal, instance_ca
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from sceau_test_support import self_signed_certificate

from core.db.models import Credential
from core.documents.seal import TimestampUnavailable, seal_pdf


def _tsa() -> tuple[DummyTimeStamper, asn1_x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # pyHanko's test TSA
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Loopback TSA")])
    certificate = self_signed_certificate(
        key, name, (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), True)
    )
    cert = asn1_x509.Certificate.load(certificate.public_bytes(Encoding.DER))
    pkcs8 = key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
    return DummyTimeStamper(cert, asn1_keys.PrivateKeyInfo.load(pkcs8)), cert


@pytest.fixture
def tsa_server() -> Iterator[tuple[str, asn1_x509.Certificate, list[int]]]:
    """An RFC 3161 service over HTTP on loopback, signing every request it receives."""
    stamper, certificate = _tsa()
    served: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            assert self.headers["Content-Type"] == "application/timestamp-query"
            request = tsp.TimeStampReq.load(body)
            response = asyncio.run(stamper.async_request_tsa_response(request)).dump()
            served.append(len(response))
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(response)))
            self.end_headers()
            self.wfile.write(response)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/tsa", certificate, served
    server.shutdown()
    server.server_close()


def _credential_pdf(runtime: Any, settings: Any, issue: Any, acme: Any, request: Any) -> Any:
    from core.documents.certificate import make_certificate_pdf

    uuid = issue(acme, request)["id"].rsplit("/", 1)[1]
    with runtime.unit() as deps:
        row = deps.session.get(Credential, uuid)
        return make_certificate_pdf(dataclasses.replace(deps, settings=settings), row)


def test_with_a_tsa_the_seal_is_pades_b_t(
    runtime, settings, issue, acme, ada_request, tsa_server
) -> None:
    url, tsa_certificate, served = tsa_server
    with_tsa = dataclasses.replace(settings, tsa_url=url)
    pdf = _credential_pdf(runtime, with_tsa, issue, acme, ada_request)
    assert served, "the time-stamping service was not asked"
    seal = check_seal(pdf, instance_ca(runtime), tsa_certificate)
    assert seal.intact and seal.valid and seal.timestamped and seal.timestamp_trusted
    assert seal.coverage == "ENTIRE_FILE"


def test_when_the_tsa_is_down_no_seal_is_made(runtime, settings, acme) -> None:
    from core.db.models import Organization
    from core.documents.pdf import render_pdf

    down = dataclasses.replace(settings, tsa_url="http://127.0.0.1:9/tsa")
    with runtime.unit() as deps:
        org = deps.session.query(Organization).filter_by(slug=acme.slug).one()
        with pytest.raises(TimestampUnavailable):
            seal_pdf(dataclasses.replace(deps, settings=down), org, render_pdf("<p>x</p>"), "t")

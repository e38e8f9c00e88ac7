"""A real SMTP server on loopback (aiosmtpd) for the delivery tests: plain or implicit TLS (with a
certificate of a test CA made here), with or without sign-in, and able to refuse on demand."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any, cast

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

USER = "sceau@mail.example"
PASSWORD = "p@ss:w/rd%secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Received:
    """One mail as the server received it."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes
    login: str | None


@dataclass
class Inbox:
    """aiosmtpd's handler: keeps what it receives; ``refuse_rcpt`` / ``refuse_data`` make it
    answer with that reply instead (e.g. ``"550 5.1.1 no such user"``)."""

    received: list[Received] = field(default_factory=list)
    refuse_rcpt: str | None = None
    refuse_data: str | None = None
    #: Replies given, in order (to count the attempts a refusing server saw).
    refusals: list[str] = field(default_factory=list)
    connections: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        with self.lock:
            self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.refuse_rcpt:
            with self.lock:
                self.refusals.append(self.refuse_rcpt)
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse_data:
            with self.lock:
                self.refusals.append(self.refuse_data)
            return self.refuse_data
        raw = bytes(envelope.original_content or envelope.content)
        message = cast(EmailMessage, BytesParser(policy=policy.default).parsebytes(raw))
        signed_in = session.authenticated and isinstance(session.auth_data, bytes)
        login = session.auth_data.decode() if signed_in else None
        with self.lock:
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), message, raw, login)
            )
        return "250 Message accepted"

    def wait(self, count: int, timeout: float = 30.0) -> list[Received]:
        """Block until ``count`` mails arrived; them."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.received)} mails received, {count} expected")
            time.sleep(0.05)
        return list(self.received)


def _authenticate(
    server: Any, session: Any, envelope: Any, mechanism: str, data: Any
) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False, auth_data=data.login if ok else None)


@dataclass(frozen=True)
class TestCA:
    """A CA, its PEM file, and a server certificate for 127.0.0.1 that it issued."""

    ca_file: Path
    server_context: ssl.SSLContext


def make_test_ca(folder: Path) -> TestCA:
    """A CA and a server certificate (127.0.0.1, localhost) signed by it; the CA's PEM file is
    what SSL_CERT_FILE names in the tests that trust it."""
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Sceau test mail CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(IPv4Address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_file = folder / "mail-ca.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    chain = folder / "mail-server.pem"
    chain.write_bytes(
        leaf.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(chain)
    return TestCA(ca_file, context)


@contextmanager
def smtp_server(
    *, tls: ssl.SSLContext | None = None, auth: bool = False
) -> Iterator[tuple[Inbox, int]]:
    """An SMTP server on a free loopback port: (its inbox, its port). ``tls``: implicit TLS
    (smtps) with this server context; ``auth``: it accepts a sign-in as USER / PASSWORD."""
    inbox = Inbox()
    port = free_port()
    options: dict[str, Any] = {}
    if auth:
        # aiosmtpd tells TLS only after STARTTLS, not on an implicit-TLS socket, so sign-in is
        # offered without it; the tests check that each mail came signed in (Received.login).
        options.update(authenticator=_authenticate, auth_require_tls=False)
    controller = Controller(inbox, hostname="127.0.0.1", port=port, ssl_context=tls, **options)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()

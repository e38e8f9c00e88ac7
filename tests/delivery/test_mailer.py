"""The mailer against a real SMTP server on loopback: plain SMTP, implicit TLS verified against a
test CA, sign-in with a percent-encoded password, refusals and an unreachable server as errors
safe to show (never the password), and the outbox folder when no server is set."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path
from urllib.parse import quote

import pytest
from mail_support import PASSWORD, USER, free_port, make_test_ca, smtp_server

from core.delivery.mailer import (
    MailError,
    SmtpMailer,
    open_mailer,
    outbox_file_name,
    read_outbox_file,
    sender,
    smtp_target,
)
from core.delivery.messages import CertificateMail, certificate_mail, new_message_id
from core.settings import Settings

NOW = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)


def _mail(
    recipient: str = "ada@example.org", name: str | None = "Ada Lovelace", language: str = "fr"
):
    return certificate_mail(
        CertificateMail(
            language=language,
            recipient=recipient,
            holder_name=name,
            organization="Acme Certification",
            certification="Soudage à l'arc, niveau 1",
            credential_id="0b7f7f0e-8b36-4c6f-9d8e-0a3e6f1c2d4b",
            valid_until=datetime(2029, 12, 4, tzinfo=UTC),
            pdf=b"%PDF-1.7 not really",
        ),
        base_url="https://certs.example.org",
        sender="Acme via Sceau <no-reply@certs.example.org>",
        message_id=new_message_id("https://certs.example.org"),
        now=NOW,
    )


def _settings(settings: Settings, url: str | None) -> Settings:
    return dataclasses.replace(settings, smtp_url=url)


def test_plain_smtp_with_a_sign_in_delivers_the_message_as_composed(settings) -> None:
    url = f"smtp://{quote(USER, safe='')}:{quote(PASSWORD, safe='')}@127.0.0.1:{{port}}"
    with smtp_server(auth=True) as (inbox, port):
        message = _mail()
        with open_mailer(_settings(settings, url.format(port=port)), lambda: NOW) as mailer:
            assert mailer.send(message, "ada@example.org") is None
        (got,) = inbox.wait(1)
    assert got.login == USER  # the percent-decoded user and password signed in
    assert got.mail_from == sender(settings) == "no-reply@127.0.0.1"  # SCEAU_MAIL_FROM's
    assert got.rcpt_tos == ["ada@example.org"]
    assert got.message["Message-ID"] == message["Message-ID"]
    assert got.message["Subject"] == "Votre certificat « Soudage à l'arc, niveau 1 » est délivré"


def test_a_wrong_password_is_reported_without_the_password(settings) -> None:
    url = f"smtp://{quote(USER, safe='')}:wrong-secret-value@127.0.0.1:{{port}}"
    with (
        smtp_server(auth=True) as (inbox, port),
        open_mailer(_settings(settings, url.format(port=port)), lambda: NOW) as mailer,
        pytest.raises(MailError) as raised,
    ):
        mailer.send(_mail(), "ada@example.org")
    assert raised.value.connection and not raised.value.permanent
    assert raised.value.message.startswith(f"SMTP server 127.0.0.1:{port} refused the sign-in: 535")
    assert "wrong-secret-value" not in raised.value.message
    assert inbox.received == []


def test_a_password_never_crosses_the_network_without_tls(settings) -> None:
    url = "smtp://user:secret-password@mail.example.org:25"
    with (
        open_mailer(_settings(settings, url), lambda: NOW) as mailer,
        pytest.raises(MailError, match="use smtps://") as raised,
    ):
        mailer.send(_mail(), "ada@example.org")
    assert "secret-password" not in raised.value.message


@pytest.fixture(scope="module")
def test_ca(tmp_path_factory: pytest.TempPathFactory):
    return make_test_ca(tmp_path_factory.mktemp("mail-ca"))


def test_smtps_verifies_the_server_certificate(settings, test_ca, monkeypatch) -> None:
    url = f"smtps://{quote(USER, safe='')}:{quote(PASSWORD, safe='')}@127.0.0.1:{{port}}"
    with smtp_server(tls=test_ca.server_context, auth=True) as (inbox, port):
        target = _settings(settings, url.format(port=port))
        # Not trusted: the system's store does not know the test CA.
        monkeypatch.setenv("SSL_CERT_FILE", str(Path(test_ca.ca_file).with_name("none.pem")))
        with open_mailer(target, lambda: NOW) as mailer, pytest.raises(MailError) as raised:
            mailer.send(_mail(), "ada@example.org")
        assert "TLS certificate is not trusted" in raised.value.message
        assert raised.value.connection
        # Trusted: SSL_CERT_FILE names the test CA, as an operator's private CA would be.
        monkeypatch.setenv("SSL_CERT_FILE", str(test_ca.ca_file))
        with open_mailer(target, lambda: NOW) as mailer:
            mailer.send(_mail(language="en"), "ada@example.org")
            mailer.send(_mail(recipient="grace@example.org"), "grace@example.org")
        received = inbox.wait(2)
    assert [r.rcpt_tos for r in received] == [["ada@example.org"], ["grace@example.org"]]
    assert all(r.login == USER for r in received)
    assert received[0].message["Subject"] == (
        "Your certificate “Soudage à l'arc, niveau 1” has been issued"
    )
    assert inbox.connections == 1  # one connection for the batch


def test_refusals_say_the_servers_code_and_whether_to_retry(settings) -> None:
    with smtp_server() as (inbox, port):
        target = _settings(settings, f"smtp://127.0.0.1:{port}")
        with open_mailer(target, lambda: NOW) as mailer:
            inbox.refuse_rcpt = "550 5.1.1 <ada@example.org>: no such user"
            with pytest.raises(MailError) as permanent:
                mailer.send(_mail(), "ada@example.org")
            inbox.refuse_rcpt = None
            inbox.refuse_data = "451 4.3.0 try again later"
            with pytest.raises(MailError) as transient:
                mailer.send(_mail(), "ada@example.org")
            inbox.refuse_data = None
            mailer.send(_mail(), "ada@example.org")  # the connection is still usable
        assert len(inbox.wait(1)) == 1
    assert permanent.value.permanent and not permanent.value.connection
    assert permanent.value.message == (
        f"SMTP server 127.0.0.1:{port} refused the recipient: "
        "550 5.1.1 <ada@example.org>: no such user"
    )
    assert not transient.value.permanent
    assert transient.value.message == (
        f"SMTP server 127.0.0.1:{port} refused the message: 451 4.3.0 try again later"
    )


def test_a_servers_reply_is_shown_on_one_line_without_the_credentials() -> None:
    mailer = SmtpMailer(smtp_target("smtps://ada:s3cret%21@mail.example.org"), "a@b.org")
    assert mailer.target.password == "s3cret!" and mailer.target.port == 465
    reply = mailer._reply(
        535, b"5.7.8 user ada password s3cret! refused\r\nX-Evil: 1\x07" + b"x" * 300
    )
    assert reply.startswith("535 5.7.8 user *** password *** refused X-Evil: 1 x")
    assert reply.endswith("…") and len(reply) < 220
    assert "s3cret" not in repr(mailer.target)


def test_a_server_that_is_down_is_a_connection_error(settings) -> None:
    port = free_port()  # nothing listens there
    target = _settings(settings, f"smtp://127.0.0.1:{port}")
    with open_mailer(target, lambda: NOW) as mailer, pytest.raises(MailError) as raised:
        mailer.send(_mail(), "ada@example.org")
    assert raised.value.connection
    assert raised.value.message == f"SMTP server 127.0.0.1:{port} unreachable: connection refused"


def test_without_smtp_the_mail_is_an_eml_file_in_the_outbox(settings, tmp_path) -> None:
    target = dataclasses.replace(settings, smtp_url=None, instance_dir=tmp_path)
    message = _mail()
    with open_mailer(target, lambda: NOW) as mailer:
        name = mailer.send(message, "ada@example.org")
    assert name == outbox_file_name(NOW, str(message["Message-ID"]))
    assert name is not None and name.startswith("20261204T093000000000Z-") and name.endswith(".eml")
    assert [p.name for p in (tmp_path / "outbox").iterdir()] == [name]  # no temporary left
    data = read_outbox_file(tmp_path / "outbox", name)
    assert data is not None
    parsed = BytesParser(policy=policy.default).parsebytes(data)
    assert parsed["Message-ID"] == message["Message-ID"]
    assert parsed["To"] == "Ada Lovelace <ada@example.org>"
    # Only names the outbox makes are read back.
    assert read_outbox_file(tmp_path / "outbox", "../outbox/" + name) is None
    assert read_outbox_file(tmp_path / "outbox", "20261204T093000000000Z-gone.eml") is None

"""The holder's mail: both parts in French or English with the links, names escaped in the HTML
part, and untrusted names unable to add a header (CR/LF) or a recipient."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from mail_support import smtp_server

from core.delivery.mailer import MailError, open_mailer
from core.delivery.messages import CertificateMail, certificate_mail, header_text
from core.settings import Settings

NOW = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)
BASE = "https://certs.example.org"
UUID = "0b7f7f0e-8b36-4c6f-9d8e-0a3e6f1c2d4b"


def _mail(**changes):
    fields = {
        "language": "fr",
        "recipient": "ada@example.org",
        "holder_name": "Ada Lovelace",
        "organization": "Acme Certification",
        "certification": "Soudage à l'arc, niveau 1",
        "credential_id": UUID,
        "valid_until": datetime(2029, 12, 4, tzinfo=UTC),
        "pdf": None,
        **changes,
    }
    return certificate_mail(
        CertificateMail(**fields),
        base_url=BASE,
        sender="Sceau <no-reply@certs.example.org>",
        message_id="<1.sceau@certs.example.org>",
        now=NOW,
    )


def _parts(message):
    return (
        message.get_body(preferencelist=("plain",)).get_content(),
        message.get_body(preferencelist=("html",)).get_content(),
    )


def test_the_french_mail_links_the_credential_its_pdf_and_its_badge() -> None:
    message = _mail()
    assert message["Subject"] == "Votre certificat « Soudage à l'arc, niveau 1 » est délivré"
    assert message["From"] == "Sceau <no-reply@certs.example.org>"
    assert message["To"] == "Ada Lovelace <ada@example.org>"
    assert message["Date"] == "Fri, 04 Dec 2026 09:30:00 +0000"
    assert message["Message-ID"] == "<1.sceau@certs.example.org>"
    assert message["Content-Language"] == "fr"
    assert message["Auto-Submitted"] == "auto-generated"
    text, html = _parts(message)
    for part in (text, html):
        assert f"{BASE}/c/{UUID}" in part
        assert f"{BASE}/c/{UUID}.pdf" in part
        assert f"{BASE}/c/{UUID}.png" in part
        assert "Acme Certification vous a délivré le certificat" in part
        assert "valable jusqu'au 4 décembre 2029" in part
        assert "QR code" in part  # how to verify it
    assert "Bonjour Ada Lovelace," in text
    assert f'<a href="{BASE}/c/{UUID}"' in html
    assert '<html lang="fr">' in html
    assert list(message.iter_attachments()) == []
    assert "joint à ce message" not in text


def test_the_english_mail_attaches_the_pdf() -> None:
    message = _mail(language="en", pdf=b"%PDF-1.7 sealed", valid_until=None, holder_name=None)
    assert message["Subject"] == "Your certificate “Soudage à l'arc, niveau 1” has been issued"
    assert message["To"] == "ada@example.org"
    text, html = _parts(message)
    assert text.startswith("Hello,\n")
    assert "has issued you the certificate" in html and "(also attached to this message)" in text
    assert "valid until" not in text
    (pdf,) = list(message.iter_attachments())
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_filename() == f"certificate-{UUID}.pdf"
    assert pdf.get_content() == b"%PDF-1.7 sealed"
    french = _mail(pdf=b"%PDF")
    assert next(french.iter_attachments()).get_filename() == f"certificat-{UUID}.pdf"


def test_names_are_escaped_in_the_html_part() -> None:
    message = _mail(
        holder_name='<img src=x onerror="alert(1)">',
        organization="Acme & <b>Co</b>",
        certification="<script>alert(1)</script>",
    )
    _, html = _parts(message)
    assert "<script>" not in html and "<img" not in html and "<b>Co" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Acme &amp; &lt;b&gt;Co&lt;/b&gt;" in html


INJECTED = "Ada\r\nBcc: eve@evil.example\r\nX-Injected: yes"


def test_a_name_with_cr_lf_never_makes_a_header(settings: Settings) -> None:
    message = _mail(holder_name=INJECTED, certification="Soudage\r\nBcc: eve@evil.example")
    raw = message.as_bytes()
    assert b"\nBcc:" not in raw and b"\nX-Injected:" not in raw
    assert message["Bcc"] is None and message["X-Injected"] is None
    assert message["Subject"] == "Votre certificat « Soudage Bcc: eve@evil.example » est délivré"
    assert len(message["To"].addresses) == 1
    assert message["To"].addresses[0].addr_spec == "ada@example.org"
    # And through a real SMTP server: one recipient, none of the injected headers.
    with smtp_server() as (inbox, port):
        target = dataclasses.replace(settings, smtp_url=f"smtp://127.0.0.1:{port}")
        with open_mailer(target, lambda: NOW) as mailer:
            mailer.send(message, "ada@example.org")
        (got,) = inbox.wait(1)
    assert got.rcpt_tos == ["ada@example.org"]
    assert got.message["Bcc"] is None and got.message["X-Injected"] is None


def test_header_text_keeps_one_line() -> None:
    assert header_text("a\r\nb\tc\u2028d\x00e\u200bf") == "a b c d e f"
    assert len(header_text("x" * 500)) == 200


@pytest.mark.parametrize(
    "address", ["ada@example.org>, eve@evil.example", "a,b@example.org", "no-at-sign", "a@b@c.org"]
)
def test_an_address_that_is_not_one_mailbox_is_refused_for_good(address: str) -> None:
    with pytest.raises(MailError, match="cannot receive mail") as raised:
        _mail(recipient=address)
    assert raised.value.permanent


def test_an_encoded_word_in_a_name_never_makes_a_header() -> None:
    """Found by the red team: an RFC 2047 encoded word carrying CR LF was decoded into the To
    header, which then ended with a Bcc of the attacker's."""
    import email
    from email import policy

    for name in (
        "=?utf-8?q?Bob=0D=0ABcc:_hidden@evil.example?=",
        "=?utf-8?b?Qm9iDQpCY2M6IGhpZGRlbkBldmlsLmV4YW1wbGU=?=",
        "x =?utf-8?q?=0D=0A=0D=0Abody?= y",
    ):
        message = _mail(holder_name=name, certification=name)
        raw = message.as_bytes()
        parsed = email.message_from_bytes(raw, policy=policy.default)
        assert parsed["Bcc"] is None, raw[:400]
        assert [a.addr_spec for a in parsed["To"].addresses] == ["ada@example.org"]
        assert b"hidden@evil.example>" not in raw and b"\r\nBcc" not in raw

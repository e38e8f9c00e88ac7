"""The holder's mail "your certificate is issued": French or English, HTML and plain text."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from urllib.parse import urlsplit

from babel.dates import format_date
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from core.delivery.mailer import MailError
from core.urls import credential_pdf_url, credential_png_url, credential_url

LANGUAGES = ("fr", "en")

SUBJECTS = {
    "fr": "Votre certificat « {certification} » est délivré",
    "en": "Your certificate “{certification}” has been issued",
}
#: The name of the attached certificate, by language.
ATTACHMENT_NAMES = {"fr": "certificat-{number}.pdf", "en": "certificate-{number}.pdf"}

# Names come from the issuer's input (untrusted): the HTML part escapes them, and the plain
# text part is text. Only .html templates are autoescaped.
_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)
#: Characters a header may not carry: controls (CR and LF above all), format characters,
#: line and paragraph separators.
_NOT_IN_HEADERS = frozenset(("Cc", "Cf", "Zl", "Zp"))
_MAX_HEADER_TEXT = 200


@dataclass(frozen=True)
class CertificateMail:
    """What the mail says, in the holder's language."""

    language: str
    recipient: str
    holder_name: str | None
    organization: str
    certification: str
    credential_id: str
    valid_until: datetime | None
    #: The sealed certificate PDF, attached when it could be made.
    pdf: bytes | None = None


def header_text(value: str) -> str:
    """``value`` as one line fit for a header: every control, format or separator character
    (CR and LF first) becomes a space, so untrusted text can never start a header of its own."""
    cleaned = "".join(" " if unicodedata.category(c) in _NOT_IN_HEADERS else c for c in value)
    cleaned = " ".join(cleaned.split())
    # "=?charset?q?...?=" would be decoded by mail software as an encoded word, CR and LF
    # included: broken apart, it stays the literal text it is.
    cleaned = cleaned.replace("=?", "= ?")
    return cleaned[:_MAX_HEADER_TEXT]


def new_message_id(base_url: str) -> str:
    """A Message-ID under the instance's host name, kept for every attempt of one delivery (a
    mail sent twice after a crash carries the same id, which mail systems merge)."""
    return make_msgid(idstring="sceau", domain=urlsplit(base_url).hostname or "localhost")


def recipient_address(name: str | None, email: str) -> Address:
    """The To address; MailError (permanent) when the e-mail cannot be addressed."""
    try:
        address = Address(display_name=header_text(name or ""), addr_spec=email.strip())
    except (ValueError, IndexError, HeaderParseError):
        address = None
    if address is None or address.addr_spec != email.strip() or "@" not in address.addr_spec:
        raise MailError("the holder's e-mail address cannot receive mail", permanent=True)
    return address


def certificate_mail(
    mail: CertificateMail, *, base_url: str, sender: str, message_id: str, now: datetime
) -> EmailMessage:
    """The mail telling a holder their certificate is issued (multipart: text, HTML and the
    PDF when there is one)."""
    language = mail.language if mail.language in LANGUAGES else "fr"
    url = credential_url(base_url, mail.credential_id)
    subject = header_text(SUBJECTS[language].format(certification=mail.certification))
    context = {
        "lang": language,
        "subject": subject,
        # Names are one line each, in the body as in the headers.
        "holder": header_text(mail.holder_name or ""),
        "organization": header_text(mail.organization),
        "certification": header_text(mail.certification),
        "credential_url": url,
        "pdf_url": credential_pdf_url(base_url, mail.credential_id),
        "badge_url": credential_png_url(base_url, mail.credential_id),
        "valid_until": (
            format_date(mail.valid_until.date(), format="long", locale=language)
            if mail.valid_until
            else None
        ),
        "attached": mail.pdf is not None,
    }
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient_address(mail.holder_name, mail.recipient)
    message["Subject"] = subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id
    # RFC 3834: vacation responders and the like do not answer an automatic mail.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(
        _TEMPLATES.get_template(f"certificate_issued.{language}.txt").render(context)
    )
    message.add_alternative(
        _TEMPLATES.get_template(f"certificate_issued.{language}.html").render(context),
        subtype="html",
    )
    if mail.pdf is not None:
        message.add_attachment(
            mail.pdf,
            maintype="application",
            subtype="pdf",
            filename=ATTACHMENT_NAMES[language].format(number=mail.credential_id),
        )
    # After the parts: making a multipart moves the Content-* headers into its first part.
    message["Content-Language"] = language
    return message

"""Sending e-mail through SCEAU_SMTP_URL (plain SMTP or implicit TLS), or into the outbox."""

from __future__ import annotations

import ipaddress
import os
import re
import smtplib
import socket
import ssl
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from core.errors import SceauError
from core.settings import Settings

#: Seconds for each network operation with the SMTP server (connect, each command, each write).
SMTP_TIMEOUT_SECONDS = 30.0
#: The longest server reply kept in an error message.
_MAX_REPLY = 200
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


class MailError(SceauError):
    """A mail could not be handed to the SMTP server (or written to the outbox).

    ``message`` is safe to show staff: the server's code and reply, or what failed on the
    network; never the SMTP credentials. ``permanent``: the server refused this mail for good
    (a 5xx reply about it), so trying again would not help. ``connection``: nothing can be sent
    through the server now, so the rest of a batch would fail the same way.
    """

    code = "mail_failed"

    def __init__(self, message: str, *, permanent: bool = False, connection: bool = False):
        super().__init__(message)
        self.permanent = permanent
        self.connection = connection


@dataclass(frozen=True)
class SmtpTarget:
    """Where SCEAU_SMTP_URL points: ``smtp://`` is plain SMTP (no STARTTLS), ``smtps://``
    implicit TLS with the certificate verified against the system's trust store (or the file
    named by SSL_CERT_FILE)."""

    tls: bool
    host: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @property
    def where(self) -> str:
        """host:port, for messages (the URL itself may hold a password)."""
        return f"{self.host}:{self.port}"


def smtp_target(url: str) -> SmtpTarget:
    """The parts of an smtp:// or smtps:// URL; user and password are percent-decoded."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise MailError("SCEAU_SMTP_URL is not an smtp:// or smtps:// URL", connection=True)
    tls = parts.scheme == "smtps"
    return SmtpTarget(
        tls=tls,
        host=parts.hostname,
        port=parts.port or (465 if tls else 25),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
    )


class Mailer(Protocol):
    """Hands mails over, one connection for many (a batch): ``send`` returns the name of the
    outbox file the mail was written to, or None when an SMTP server took it."""

    def connect(self) -> None: ...

    def send(self, message: EmailMessage, recipient: str) -> str | None: ...

    def close(self) -> None: ...


@contextmanager
def open_mailer(settings: Settings, now: Callable[[], datetime]) -> Iterator[Mailer]:
    """The mailer of these settings: SMTP when SCEAU_SMTP_URL is set, else the outbox folder.

    The SMTP connection opens at the first ``connect`` or ``send`` and closes at the end.
    """
    mailer: Mailer
    if settings.smtp_url:
        mailer = SmtpMailer(smtp_target(settings.smtp_url), sender(settings))
    else:
        mailer = OutboxMailer(settings.outbox_dir, now)
    try:
        yield mailer
    finally:
        mailer.close()


def sender(settings: Settings) -> str:
    """The envelope sender: the address of SCEAU_MAIL_FROM."""
    return parseaddr(settings.mail_from)[1]


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class SmtpMailer:
    """One SMTP connection, opened when first needed and opened again after it is lost."""

    def __init__(self, target: SmtpTarget, envelope_from: str) -> None:
        self.target = target
        self.envelope_from = envelope_from
        self._smtp: smtplib.SMTP | None = None

    def connect(self) -> None:
        if self._smtp is not None:
            return
        target = self.target
        if target.username and not target.tls and not _is_loopback(target.host):
            # A password never crosses the network in clear.
            raise MailError(
                "SCEAU_SMTP_URL has a password but no TLS: use smtps:// to sign in to "
                f"{target.where}",
                connection=True,
            )
        smtp: smtplib.SMTP | None = None
        try:
            if target.tls:
                smtp = smtplib.SMTP_SSL(
                    target.host,
                    target.port,
                    timeout=SMTP_TIMEOUT_SECONDS,
                    context=ssl.create_default_context(),
                )
            else:
                smtp = smtplib.SMTP(target.host, target.port, timeout=SMTP_TIMEOUT_SECONDS)
            smtp.ehlo_or_helo_if_needed()
            if target.username:
                smtp.login(target.username, target.password or "")
        except smtplib.SMTPNotSupportedError:
            _quit(smtp)
            raise MailError(
                f"SMTP server {target.where} does not offer a sign-in (AUTH)", connection=True
            ) from None
        except smtplib.SMTPAuthenticationError as error:
            _quit(smtp)
            reply = self._reply(error.smtp_code, error.smtp_error)
            raise MailError(
                f"SMTP server {target.where} refused the sign-in: {reply}", connection=True
            ) from None
        except smtplib.SMTPResponseException as error:
            _quit(smtp)
            reply = self._reply(error.smtp_code, error.smtp_error)
            raise MailError(
                f"SMTP server {target.where} refused the connection: {reply}", connection=True
            ) from None
        except (smtplib.SMTPException, OSError) as error:
            _quit(smtp)
            raise MailError(
                f"SMTP server {target.where} unreachable: {_network_reason(error)}",
                connection=True,
            ) from None
        self._smtp = smtp

    def send(self, message: EmailMessage, recipient: str) -> str | None:
        self.connect()
        smtp = self._smtp
        assert smtp is not None
        where = self.target.where
        try:
            smtp.send_message(message, from_addr=self.envelope_from, to_addrs=[recipient])
        except smtplib.SMTPRecipientsRefused as error:
            code, answer = next(iter(error.recipients.values()), (0, b""))
            raise MailError(
                f"SMTP server {where} refused the recipient: {self._reply(code, answer)}",
                permanent=code >= 500,
            ) from None
        except smtplib.SMTPSenderRefused as error:
            # The sender is the instance's own (SCEAU_MAIL_FROM): a setting to fix, then retry.
            reply = self._reply(error.smtp_code, error.smtp_error)
            raise MailError(f"SMTP server {where} refused the sender: {reply}") from None
        except smtplib.SMTPDataError as error:
            reply = self._reply(error.smtp_code, error.smtp_error)
            raise MailError(
                f"SMTP server {where} refused the message: {reply}",
                permanent=error.smtp_code >= 500,
            ) from None
        except smtplib.SMTPResponseException as error:
            self._drop()
            reply = self._reply(error.smtp_code, error.smtp_error)
            raise MailError(f"SMTP server {where} answered: {reply}") from None
        except (smtplib.SMTPException, OSError) as error:
            # The connection is in an unknown state: the next mail opens a new one.
            self._drop()
            raise MailError(
                f"SMTP server {where}: the connection was lost ({_network_reason(error)})"
            ) from None
        return None

    def close(self) -> None:
        _quit(self._smtp)
        self._smtp = None

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            with suppress(OSError):
                smtp.close()

    def _reply(self, code: int, reply: bytes | str) -> str:
        """The server's reply, as one safe line: no control characters, not too long, and
        without the configured user name or password should a server echo them."""
        text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
        text = " ".join(_UNSAFE.sub(" ", text).split())
        for secret in (self.target.password, self.target.username):
            if secret and len(secret) >= 3:
                text = text.replace(secret, "***")
        if len(text) > _MAX_REPLY:
            text = text[:_MAX_REPLY] + "…"
        return f"{code} {text}".strip()


def _quit(smtp: smtplib.SMTP | None) -> None:
    if smtp is None:
        return
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        with suppress(OSError):
            smtp.close()


def _network_reason(error: BaseException) -> str:
    """What failed on the network, in words that name no secret."""
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, TimeoutError | socket.timeout):
        return "no answer in time"
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"its TLS certificate is not trusted ({error.verify_message})"
    if isinstance(error, ssl.SSLError):
        return "the TLS handshake failed"
    if isinstance(error, socket.gaierror):
        return "host name not found"
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return "the server closed the connection"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror.lower()
    return type(error).__name__


#: What the outbox keeps of a Message-ID in a file name.
_FILE_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def outbox_file_name(at: datetime, message_id: str) -> str:
    """``<timestamp>-<message-id-safe>.eml``: sorted by time, unique by Message-ID."""
    safe = re.sub(r"\.{2,}", ".", _FILE_SAFE.sub("_", message_id.strip("<> "))).strip("._-")
    safe = safe[:120] or "mail"
    return f"{at:%Y%m%dT%H%M%S%fZ}-{safe}.eml"


class OutboxMailer:
    """Writes each mail as an .eml file in the outbox folder (no SMTP server is set)."""

    def __init__(self, folder: Path, now: Callable[[], datetime]) -> None:
        self.folder = folder
        self.now = now

    def connect(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)

    def send(self, message: EmailMessage, recipient: str) -> str | None:
        self.connect()
        name = outbox_file_name(self.now(), str(message.get("Message-ID", "")))
        try:
            _write_atomically(self.folder / name, message.as_bytes())
        except OSError as error:
            raise MailError(
                f"the outbox folder cannot be written: {_network_reason(error)}",
                connection=True,
            ) from None
        return name

    def close(self) -> None:
        return None


def _write_atomically(path: Path, data: bytes) -> None:
    # Written beside, flushed to disk, then renamed: a reader never sees half a mail. The file
    # is private to the instance's user (mails carry names and addresses).
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".eml")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


#: The names outbox_file_name makes, and the only ones read back.
_OUTBOX_NAME = re.compile(r"[0-9]{8}T[0-9]{12}Z-[A-Za-z0-9_][A-Za-z0-9._-]{0,119}\.eml")


def read_outbox_file(folder: Path, name: str, head: int | None = None) -> bytes | None:
    """The bytes of an outbox file named by a delivery row (its first ``head`` bytes only, for
    its headers); None when it is gone. The name comes from the database, never from a
    request, and is checked all the same."""
    if not _OUTBOX_NAME.fullmatch(name) or ".." in name:
        return None
    try:
        with (folder / name).open("rb") as file:
            return file.read() if head is None else file.read(head)
    except FileNotFoundError:
        return None

"""What staff see and do about holders' mails: a credential's delivery state, sending it again,
and the outbox (the mails written to files when no SMTP server is set), one body at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any, cast

from sqlalchemy import select

from core.accounts.principal import Action, Principal
from core.audit.log import record
from core.db.models import Credential, Delivery
from core.db.models.document import DELIVERY_QUEUED
from core.delivery.mailer import read_outbox_file
from core.delivery.records import (
    credential_deliveries,
    delivery_json,
    dispatch_deliveries,
    queue_delivery,
)
from core.deps import Deps
from core.errors import Conflict, NotFound
from core.urls import credential_url
from issuer.services.paging import Page, page_of
from issuer.services.sessions import organization_of

#: The largest text part the outbox page shows (the rest is cut, and says so).
MAX_SHOWN_TEXT = 100_000
#: What the outbox table reads of each file for its subject: the headers come first.
_HEADERS_BYTES = 16 * 1024


def _credential(
    deps: Deps, principal: Principal, credential_id: str, *, lock: bool = False
) -> Credential:
    """The caller's body's credential; NotFound for another body's, whatever the role."""
    query = select(Credential).where(
        Credential.id == credential_id, Credential.organization_id == principal.organization_id
    )
    row = deps.session.scalar(query.with_for_update() if lock else query)
    if row is None:
        raise NotFound(f"no credential {credential_id}", code="unknown_credential")
    return row


def _summary(deps: Deps, credential: Credential, rows: list[Delivery]) -> dict[str, Any]:
    return {
        "credential": credential_url(deps.settings.base_url, credential.id),
        "state": rows[0].state if rows else None,
        "deliveries": [delivery_json(r) for r in rows],
    }


def credential_delivery(deps: Deps, principal: Principal, credential_id: str) -> dict[str, Any]:
    """``{"credential", "state", "deliveries"}``: the newest delivery's state (None when the
    credential has none) and every delivery, newest first."""
    credential = _credential(deps, principal, credential_id)
    principal.require(Action.READ)
    return _summary(deps, credential, credential_deliveries(deps, credential.id))


def resend_delivery(
    deps: Deps, principal: Principal, credential_id: str
) -> tuple[dict[str, Any], str]:
    """Queue the holder's mail again (a new delivery, to the credential's address; audited);
    the summary and the job to queue after the commit. Conflict when the credential is
    revoked, or when a mail to its holder is queued already (it is retried on its own)."""
    credential = _credential(deps, principal, credential_id, lock=True)
    principal.require(Action.DELIVER)
    if credential.revoked_at is not None:
        raise Conflict(
            "the credential is revoked: its holder is not told that it is issued",
            code="credential_revoked",
        )
    rows = credential_deliveries(deps, credential.id)
    if rows and rows[0].state == DELIVERY_QUEUED:
        raise Conflict(
            "a mail to this holder is already queued: it is retried on its own",
            code="delivery_queued",
        )
    delivery = queue_delivery(deps, credential)
    org = organization_of(deps, principal)
    job_id = dispatch_deliveries(deps, org, [delivery], principal.actor)
    assert job_id is not None
    record(deps, principal, "credential.resend_mail", credential.id, {"delivery": delivery.id})
    return _summary(deps, credential, credential_deliveries(deps, credential.id)), job_id


@dataclass(frozen=True)
class OutboxLine:
    """One mail of the outbox, as its table shows it."""

    delivery_id: int
    credential_id: str
    recipient: str
    #: None when the file is gone from the folder.
    subject: str | None
    written_at: datetime | None


def _parsed(data: bytes, *, headers_only: bool = False) -> EmailMessage:
    parser = BytesParser(policy=policy.default)
    return cast(EmailMessage, parser.parsebytes(data, headersonly=headers_only))


def outbox_page(deps: Deps, principal: Principal, page: int = 1) -> Page[OutboxLine]:
    """The mails the body's deliveries wrote to the outbox, newest first. Listed from the
    body's own delivery rows, never from the folder, which every body shares."""
    principal.require(Action.DELIVER)
    query = (
        select(Delivery)
        .where(
            Delivery.organization_id == principal.organization_id,
            Delivery.outbox_file.is_not(None),
        )
        .order_by(Delivery.sent_at.desc(), Delivery.id.desc())
    )
    found = page_of(deps, query, page)
    folder = deps.settings.outbox_dir
    lines = []
    for (row,) in found.items:
        data = read_outbox_file(folder, row.outbox_file or "", head=_HEADERS_BYTES)
        subject = None if data is None else str(_parsed(data, headers_only=True)["Subject"] or "")
        lines.append(OutboxLine(row.id, row.credential_id, row.recipient, subject, row.sent_at))
    return Page(lines, found.number, found.size, found.total)


@dataclass(frozen=True)
class OutboxMail:
    """One mail of the outbox: its headers, its text part and its attachments' names."""

    delivery_id: int
    credential_id: str
    headers: list[tuple[str, str]]
    text: str
    attachments: list[tuple[str, int]]
    raw: bytes


def outbox_mail(deps: Deps, principal: Principal, delivery_id: int) -> OutboxMail:
    """One of the body's outbox mails; NotFound for another body's, or a file gone."""
    principal.require(Action.DELIVER)
    row = deps.session.scalar(
        select(Delivery).where(
            Delivery.id == delivery_id,
            Delivery.organization_id == principal.organization_id,
            Delivery.outbox_file.is_not(None),
        )
    )
    folder = deps.settings.outbox_dir
    data = None if row is None else read_outbox_file(folder, row.outbox_file or "")
    if row is None or data is None:
        raise NotFound("no such mail in the outbox", code="unknown_mail")
    message = _parsed(data)
    body = message.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    if len(text) > MAX_SHOWN_TEXT:
        text = text[:MAX_SHOWN_TEXT] + "\n[…]"
    return OutboxMail(
        delivery_id=row.id,
        credential_id=row.credential_id,
        headers=[
            (name, str(message[name]))
            for name in ("From", "To", "Subject", "Date", "Message-ID")
            if message[name] is not None
        ],
        text=text,
        attachments=[
            (part.get_filename() or "", len(part.get_content()))
            for part in message.iter_attachments()
        ],
        raw=data,
    )

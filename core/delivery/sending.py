"""The delivery job: a batch of mails over one SMTP connection, each delivery's state recorded
as it goes, failures retried with backoff, and never a mail sent twice once recorded as sent.

Why each delivery has transactions of its own instead of the chunk's one transaction: a mail
that has left cannot be rolled back. Were the states written in the chunk's transaction, a
crash after the tenth mail would undo the record of nine mails that are gone, and the retried
chunk would send them again. So the handler runs outside the chunk's transaction
(``register_handler(..., outside_transaction=True)``), and for each delivery:

1. *claim* (one short transaction): count the attempt and keep the Message-ID, and compose
   the mail, only if the delivery is still queued and due (a claimed delivery is not due
   again before RETRY_DELAYS[attempts - 1], longer than one mail's exchange can last, so a
   delivery being sent by another worker is left alone);
2. send, outside any transaction (SMTP may take seconds; SQLite has one writer);
3. *record* (one short transaction): ``sent`` with ``sent_at``, or the failure.

A crash between 2 and 3 is the one case where a mail may go twice (at-least-once rather than
a holder never told): the delivery is still queued, and is attempted again once due, with the
same Message-ID, which mail systems use to merge duplicates. A delivery recorded as sent is
never attempted again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from sqlalchemy import select

from core.db.models import Credential, Delivery, Organization, Program
from core.db.models.document import CERTIFICATE_PDF, DELIVERY_FAILED, DELIVERY_QUEUED, DELIVERY_SENT
from core.delivery.mailer import Mailer, MailError, open_mailer
from core.delivery.messages import CertificateMail, certificate_mail, new_message_id
from core.delivery.records import MAX_ATTEMPTS, due_at, is_due
from core.deps import Deps
from core.documents.archive import archive_store, credential_document, read_document
from core.documents.certificate import certificate_pdf, make_certificate_pdf
from core.documents.certificate_data import document_language
from core.documents.seal import existing_seal
from core.tasks import OutsideContext
from core.unit_of_work import Runtime

log = logging.getLogger(__name__)

#: What staff read when a mail could not be composed (the details are logged).
COMPOSE_FAILED = "the mail could not be composed (internal error)"
REVOKED = "the credential was revoked before its mail was sent"
INTERRUPTED = "the last attempt was interrupted"


@dataclass
class _Step:
    """Where one delivery stands after a transaction."""

    #: "sent", "failed", "later", "send" (claimed: send it now) or "missing".
    state: str
    credential_id: str | None = None
    reason: str | None = None
    due: datetime | None = None
    message: EmailMessage | None = None
    recipient: str | None = None


def send_deliveries(ctx: OutsideContext, payload: dict[str, Any]) -> None:
    """Send the deliveries of one chunk of a delivery job (a job handler)."""
    runtime = ctx.runtime
    ids = [int(i) for i in payload.get("deliveries", [])]
    later: list[tuple[int, datetime]] = []
    with open_mailer(runtime.settings, runtime.clock.now) as mailer:
        down: MailError | None = None
        for delivery_id in ids:
            pdf = None
            if down is None and _is_due(runtime, ctx.organization_id, delivery_id):
                try:
                    mailer.connect()  # first: no PDF is made for a mail that cannot leave
                    pdf = _render(runtime, ctx.organization_id, delivery_id)
                except MailError as error:
                    down = error
            step = _claim(runtime, ctx.organization_id, delivery_id, down, pdf)
            if step.state == "send":
                step, down = _send(runtime, mailer, delivery_id, step, down)
            if step.state == "sent":
                ctx.count()
            elif step.state == "failed":
                ctx.fail_item(step.credential_id, step.reason or INTERRUPTED)
            elif step.state == "missing":
                ctx.fail_item(delivery_id, "no such delivery")
            else:
                assert step.due is not None
                later.append((delivery_id, step.due))
    if later:
        first = min(due for _, due in later)
        ctx.add_chunk_later(
            {"deliveries": [i for i, _ in later]},
            (first - runtime.clock.now()).total_seconds(),
        )


def _mine(deps: Deps, organization_id: int, delivery_id: int, *, lock: bool) -> Delivery | None:
    query = select(Delivery).where(
        Delivery.id == delivery_id, Delivery.organization_id == organization_id
    )
    return deps.session.scalar(query.with_for_update() if lock else query)


def _is_due(runtime: Runtime, organization_id: int, delivery_id: int) -> bool:
    with runtime.reading() as deps:
        row = _mine(deps, organization_id, delivery_id, lock=False)
        return row is not None and row.state == DELIVERY_QUEUED and is_due(row, deps.clock.now())


def _render(runtime: Runtime, organization_id: int, delivery_id: int) -> bytes | None:
    """The delivery's certificate PDF, rendered and sealed now, outside any transaction, when
    its credential has none archived yet (the documents job usually made it already): that
    takes tens of milliseconds, which must not hold the database's write lock (SQLite has
    one). None when there is nothing to make here; the claim archives what this made."""
    with runtime.reading() as deps:
        row = _mine(deps, organization_id, delivery_id, lock=False)
        credential = deps.session.get(Credential, row.credential_id) if row else None
        if (
            credential is None
            or credential.revoked_at is not None
            or credential_document(deps.session, credential.id, CERTIFICATE_PDF) is not None
        ):
            return None
        seal = existing_seal(deps, deps.session.get_one(Organization, organization_id))
        if seal is None:
            return None  # made in the claim, which may write the body's seal
        try:
            return make_certificate_pdf(deps, credential, seal=seal)
        except Exception:
            log.warning("credential %s: its PDF is left to the claim", credential.id, exc_info=True)
            return None


def _claim(
    runtime: Runtime,
    organization_id: int,
    delivery_id: int,
    down: MailError | None,
    pdf: bytes | None,
) -> _Step:
    """Step 1: count the attempt and compose the mail, if the delivery is queued and due."""
    with runtime.unit() as deps:
        row = _mine(deps, organization_id, delivery_id, lock=True)
        if row is None:
            return _Step("missing")
        if row.state != DELIVERY_QUEUED:
            return _Step(row.state, row.credential_id, row.last_error)
        now = deps.clock.now()
        if not is_due(row, now):
            return _Step("later", row.credential_id, due=due_at(row))
        if row.attempts >= MAX_ATTEMPTS:
            # Its last attempt was claimed and never recorded (a crash): it ends here.
            return _failed(row, MailError(row.last_error or INTERRUPTED, permanent=True), now)
        row.attempts += 1
        row.updated_at = now
        row.message_id = row.message_id or new_message_id(deps.settings.base_url)
        if down is not None:
            # The server cannot be reached for this batch: this attempt fails as the one
            # before it did, without a connection of its own.
            return _failed(row, down, now)
        credential = deps.session.get(Credential, row.credential_id)
        if credential is None or credential.revoked_at is not None:
            return _failed(row, MailError(REVOKED, permanent=True), now)
        try:
            message = _compose(deps, row, credential, now, pdf)
        except MailError as error:
            return _failed(row, error, now)
        except Exception:
            log.exception("delivery %s: the mail could not be composed", row.id)
            return _failed(row, MailError(COMPOSE_FAILED), now)
        return _Step("send", row.credential_id, message=message, recipient=row.recipient)


def _send(
    runtime: Runtime, mailer: Mailer, delivery_id: int, step: _Step, down: MailError | None
) -> tuple[_Step, MailError | None]:
    """Steps 2 and 3: hand the mail over, then record what happened."""
    assert step.message is not None and step.recipient is not None
    try:
        outbox_file = mailer.send(step.message, step.recipient)
    except MailError as error:
        with runtime.unit() as deps:
            row = deps.session.get_one(Delivery, delivery_id, with_for_update=True)
            return _failed(row, error, deps.clock.now()), error if error.connection else down
    with runtime.unit() as deps:
        row = deps.session.get_one(Delivery, delivery_id, with_for_update=True)
        now = deps.clock.now()
        row.state, row.sent_at, row.updated_at = DELIVERY_SENT, now, now
        row.last_error, row.outbox_file = None, outbox_file
    return _Step("sent", step.credential_id), down


def _failed(row: Delivery, error: MailError, now: datetime) -> _Step:
    """Record a failed attempt: the delivery fails for good when the refusal is permanent or
    its attempts are spent, and is otherwise due again after its backoff."""
    row.last_error = error.message[:1000]
    row.updated_at = now
    if error.permanent or row.attempts >= MAX_ATTEMPTS:
        row.state = DELIVERY_FAILED
        return _Step("failed", row.credential_id, row.last_error)
    return _Step("later", row.credential_id, row.last_error, due=due_at(row))


def _compose(
    deps: Deps, row: Delivery, credential: Credential, now: datetime, made: bytes | None
) -> EmailMessage:
    org = deps.session.get_one(Organization, credential.organization_id)
    program = deps.session.get(Program, credential.program_id) if credential.program_id else None
    language = document_language(org, program)
    return certificate_mail(
        CertificateMail(
            language=language,
            recipient=row.recipient,
            holder_name=credential.recipient_name,
            organization=org.name,
            certification=credential.achievement_name,
            credential_id=credential.id,
            valid_until=credential.valid_until,
            pdf=_certificate(deps, credential, made),
        ),
        base_url=deps.settings.base_url,
        sender=deps.settings.mail_from,
        message_id=row.message_id or new_message_id(deps.settings.base_url),
        now=now,
    )


def _certificate(deps: Deps, credential: Credential, made: bytes | None) -> bytes | None:
    """The sealed certificate PDF to attach: the archived one, else ``made`` (or one made now)
    archived; None when it cannot be made, and the mail links to it instead (``/c/<uuid>.pdf``
    makes it on the first request): a holder is told of their certificate even while, say,
    the time-stamping service is down."""
    store = archive_store(deps.settings)
    try:
        with deps.session.begin_nested():
            return read_document(store, certificate_pdf(deps, store, credential, made=made))
    except Exception:
        log.warning("credential %s: no PDF attached to its mail", credential.id, exc_info=True)
        return None

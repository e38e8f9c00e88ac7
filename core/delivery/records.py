"""A credential's deliveries: queued on issuance, handed to the task queue in batches, shown."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, insert, select

from core.clock import isoformat_z
from core.db.models import Credential, Delivery, Organization
from core.db.models.document import DELIVERY_QUEUED
from core.deps import Deps
from core.tasks import create_job

#: The kind of the task queue's jobs that send deliveries (core.delivery.sending).
DELIVERY_JOB = "deliver_mail"
#: Deliveries per chunk of a delivery job: one SMTP connection carries a chunk's mails.
BATCH_SIZE = 50
#: Attempts of one delivery before it is marked failed.
MAX_ATTEMPTS = 5
#: Seconds from attempt n (1, 2, ...) to the next one: about 2 h 40 in all. The first is longer
#: than one mail's SMTP exchange can last, so that an attempt still running is never taken for
#: one that died (core.delivery.sending).
RETRY_DELAYS: tuple[float, ...] = (120.0, 600.0, 1800.0, 7200.0)


def queue_delivery(deps: Deps, credential: Credential) -> Delivery:
    """Record the mail that tells ``credential``'s holder it is issued, as queued (flush
    only); ``dispatch_deliveries`` hands it to the task queue. Returns a detached copy of the
    row (inserted with one Core statement: bulk issuing does this for every credential)."""
    now = deps.clock.now()
    row = Delivery(
        organization_id=credential.organization_id,
        credential_id=credential.id,
        channel="email",
        recipient=credential.recipient_email,
        state=DELIVERY_QUEUED,
        attempts=0,
        created_at=now,
        updated_at=now,
    )
    table = cast(Table, Delivery.__table__)
    values = {c.key: getattr(row, c.key) for c in table.columns if c.key != "id"}
    inserted = deps.session.connection().execute(insert(table).returning(table.c.id), values)
    row.id = inserted.scalar_one()
    return row


def dispatch_deliveries(
    deps: Deps, org: Organization, deliveries: Sequence[Delivery], created_by: str
) -> str | None:
    """Record a job sending ``deliveries`` in batches (flush only); its id, to queue with
    ``core.tasks.enqueue`` once the unit of work has committed (None: nothing to send)."""
    ids = [d.id for d in deliveries]
    if not ids:
        return None
    chunks = [{"deliveries": ids[i : i + BATCH_SIZE]} for i in range(0, len(ids), BATCH_SIZE)]
    return create_job(deps, org, DELIVERY_JOB, len(ids), created_by, chunks).id


def queued_deliveries(deps: Deps, credential_ids: Sequence[str]) -> list[Delivery]:
    """The deliveries of these credentials not attempted yet (those their issuing queued)."""
    return list(
        deps.session.scalars(
            select(Delivery)
            .where(
                Delivery.credential_id.in_(list(credential_ids)),
                Delivery.state == DELIVERY_QUEUED,
                Delivery.attempts == 0,
            )
            .order_by(Delivery.id)
        )
    )


def due_at(row: Delivery) -> datetime | None:
    """When a queued delivery may be attempted again: RETRY_DELAYS after its last attempt (or
    failure); None before its first attempt (at once)."""
    if row.attempts <= 0:
        return None
    delay = RETRY_DELAYS[min(row.attempts, len(RETRY_DELAYS)) - 1]
    return row.updated_at + timedelta(seconds=delay)


def is_due(row: Delivery, now: datetime) -> bool:
    """Whether a delivery may be attempted now (it must also still be queued)."""
    due = due_at(row)
    return due is None or due <= now


def credential_deliveries(deps: Deps, credential_id: str) -> list[Delivery]:
    """Every delivery of a credential, newest first."""
    return list(
        deps.session.scalars(
            select(Delivery)
            .where(Delivery.credential_id == credential_id)
            .order_by(Delivery.created_at.desc(), Delivery.id.desc())
        )
    )


def latest_deliveries(deps: Deps, credential_ids: Sequence[str]) -> dict[str, Delivery]:
    """The newest delivery of each of these credentials (those that have one)."""
    latest: dict[str, Delivery] = {}
    if not credential_ids:
        return latest
    rows = deps.session.scalars(
        select(Delivery)
        .where(Delivery.credential_id.in_(list(credential_ids)))
        .order_by(Delivery.created_at, Delivery.id)
    )
    for row in rows:
        latest[row.credential_id] = row
    return latest


def delivery_json(row: Delivery) -> dict[str, Any]:
    """A delivery as the API shows it."""
    return {
        "id": row.id,
        "channel": row.channel,
        "recipient": row.recipient,
        "state": row.state,
        "attempts": row.attempts,
        "lastError": row.last_error,
        "messageId": row.message_id,
        "createdAt": isoformat_z(row.created_at),
        "updatedAt": isoformat_z(row.updated_at),
        "sentAt": isoformat_z(row.sent_at) if row.sent_at else None,
    }

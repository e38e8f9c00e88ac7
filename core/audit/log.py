"""Appending to and checking the hash-chained audit log."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from core.accounts.principal import Principal
from core.clock import isoformat_z
from core.db.models import AuditEvent, AuditHead
from core.deps import Deps

GENESIS = "0" * 64


_heads = cast(Table, AuditHead.__table__)
_events = cast(Table, AuditEvent.__table__)
_READ_HEAD = select(_heads.c.seq, _heads.c.hash).where(_heads.c.id == 1).with_for_update()
_INSERT_EVENT = insert(_events)
_MOVE_HEAD = (
    update(_heads)
    .where(_heads.c.id == 1)
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)


def _event_hash(prev_hash: str, seq: int, fields: dict[str, Any]) -> str:
    body = json.dumps({"prev": prev_hash, "seq": seq, **fields}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()


def _fields(event: AuditEvent) -> dict[str, Any]:
    return {
        "actor": event.actor,
        "action": event.action,
        "subject": event.subject,
        "organization": event.organization_slug,
        "data": event.data,
        "at": isoformat_z(event.created_at),
    }


def append(
    session: Session,
    *,
    actor: str,
    action: str,
    subject: str,
    organization: str | None,
    now: datetime,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an event; the head row is locked so that concurrent writers never fork the chain."""
    event = {"actor": actor, "action": action, "subject": subject}
    return append_many(
        session, [{**event, "organization": organization, "now": now, "data": data}]
    )[0]


def append_many(session: Session, events: Sequence[dict[str, Any]]) -> list[AuditEvent]:
    """Add several events (each with the keyword arguments of ``append``) under one lock of
    the head. A bulk job's chunk appends its events at its end with this: the head's row lock
    is then held for the chunk's last milliseconds instead of its whole run, so chunks that
    run in parallel (PostgreSQL) no longer wait for each other's commits."""
    if not events:
        return []
    # Core statements on the connection rather than the ORM: this runs for every credential
    # of a bulk issue, and the ORM's per-statement overhead would double its cost.
    conn = session.connection()
    head = conn.execute(_READ_HEAD).first()
    if head is None:
        conn.execute(insert(_heads).values(id=1, seq=0, hash=GENESIS))
        seq, prev_hash = 0, GENESIS
    else:
        seq, prev_hash = head.seq, head.hash
    written = []
    for item in events:
        seq += 1
        event = AuditEvent(
            seq=seq,
            actor=item["actor"],
            action=item["action"],
            subject=item["subject"],
            organization_slug=item["organization"],
            data=item.get("data") or {},
            created_at=item["now"],
            prev_hash=prev_hash,
        )
        event.hash = prev_hash = _event_hash(prev_hash, seq, _fields(event))
        written.append(event)
    conn.execute(
        _INSERT_EVENT,
        [
            {
                "seq": e.seq,
                "actor": e.actor,
                "action": e.action,
                "subject": e.subject,
                "organization_slug": e.organization_slug,
                "data": e.data,
                "created_at": e.created_at,
                "prev_hash": e.prev_hash,
                "hash": e.hash,
            }
            for e in written
        ],
    )
    conn.execute(_MOVE_HEAD, {"new_seq": seq, "new_hash": prev_hash})
    return written


def verify_chain(session: Session, anchors: dict[int, str] | None = None) -> tuple[bool, int, str]:
    """Walk the whole chain: (intact, events checked, message naming the first broken event).

    Detects edited events (hash), deleted or reordered ones (sequence and links) and deleted
    newest events: the head row, moved by every append, must name the last event. ``anchors``
    (seq -> hash, recorded outside the database, e.g. from an earlier run's output) also
    catch a rewrite of the head row itself.
    """
    previous, count = GENESIS, 0
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).yield_per(1000):
        count += 1
        if event.seq != count or event.prev_hash != previous:
            return False, count, f"event {event.seq}: the chain is broken before it"
        if _event_hash(previous, event.seq, _fields(event)) != event.hash:
            return False, count, f"event {event.seq}: its content was altered"
        if anchors and anchors.get(event.seq, event.hash) != event.hash:
            return False, count, f"event {event.seq}: it differs from the recorded anchor"
        previous = event.hash
    head_seq, head_hash = head(session)
    if (head_seq, head_hash) != (count, previous):
        return (
            False,
            count,
            f"the log ends at event {count} but its head names event {head_seq}: "
            "the newest events were deleted",
        )
    missing = sorted(seq for seq in (anchors or {}) if seq > count)
    if missing:
        return False, count, f"event {missing[0]} of the recorded anchors is missing"
    return True, count, f"{count} events, chain intact, head {previous}"


def head(session: Session) -> tuple[int, str]:
    """(seq, hash) of the newest event: an anchor to keep outside the database."""
    row = session.execute(select(_heads.c.seq, _heads.c.hash).where(_heads.c.id == 1)).first()
    return (row.seq, row.hash) if row is not None else (0, GENESIS)


def record(
    deps: Deps,
    principal: Principal,
    action: str,
    subject: str,
    data: dict[str, Any] | None = None,
    *,
    now: datetime | None = None,
) -> AuditEvent:
    """Append what ``principal`` did (now, or at ``now`` when the use case stamps its rows with
    that instant), in their organization: the use cases' shorthand."""
    return append(
        deps.session,
        actor=principal.actor,
        action=action,
        subject=subject,
        organization=principal.organization_slug,
        now=now or deps.clock.now(),
        data=data,
    )


#: The fields of an event as archives carry it (``exported_event``), chain fields included.
EXPORTED_FIELDS = (
    "seq",
    "at",
    "actor",
    "action",
    "subject",
    "organization",
    "data",
    "prevHash",
    "hash",
)


def exported_event(event: AuditEvent) -> dict[str, Any]:
    """An event with what it takes to check its hash away from the database (an archive)."""
    return {"seq": event.seq, **_fields(event), "prevHash": event.prev_hash, "hash": event.hash}


def exported_event_intact(event: dict[str, Any]) -> bool:
    """Whether an exported event (already checked to have the EXPORTED_FIELDS, with their
    types) still has the hash its content and its link to the previous event give."""
    fields = {k: event[k] for k in ("actor", "action", "subject", "organization", "data", "at")}
    recorded: str = event["hash"]
    return _event_hash(event["prevHash"], event["seq"], fields) == recorded

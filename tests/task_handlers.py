"""Job handlers of the task queue's tests, registered at import (as a blueprint's jobs module)."""

from __future__ import annotations

import os
import threading
import time
from typing import Any

from sqlalchemy import select

from core.audit.log import append as audit
from core.db.models import AuditEvent
from core.errors import InputError
from core.tasks import ChunkContext, OutsideContext, register_handler

ITEMS = "test.items"

#: Set by a test to make the first chunks of a job meet before doing any work.
BARRIER: threading.Barrier | None = None


def do_items(ctx: ChunkContext, payload: dict[str, Any]) -> None:
    """Each item writes one audit event (the job's visible work), in its own savepoint.

    Payload: items; sleep (seconds per chunk); crash_after (items done before a simulated crash
    on the first attempt); always_crash; split (payloads of further chunks); meet (wait at
    BARRIER first).
    """
    if payload.get("meet") and BARRIER is not None:
        BARRIER.wait()
    if payload.get("always_crash"):
        raise RuntimeError("simulated crash, secret-token-0000")
    if payload.get("split"):
        ctx.add_to_total(sum(len(p["items"]) for p in payload["split"]))
        ctx.add_chunks(payload["split"])
    time.sleep(payload.get("sleep", 0))
    for i, item in enumerate(payload.get("items", [])):
        if payload.get("crash_after") == i and ctx.attempt == 1:
            raise ConnectionError("simulated crash in the middle of a chunk")
        with ctx.item(item):
            audit(
                ctx.deps.session,
                actor="test",
                action=ITEMS,
                subject=f"{ctx.job_id}:{item}",
                organization=None,
                now=ctx.deps.clock.now(),
                data={
                    "chunk": ctx.chunk,
                    "pid": os.getpid(),
                    "thread": threading.current_thread().name,
                },
            )
            if str(item).startswith("bad"):
                raise InputError(f"item {item} is refused")
            if str(item).startswith("boom"):
                raise KeyError("secret-token-1234")


register_handler(ITEMS, do_items)


OUTSIDE = "test.outside"


def outside_items(ctx: OutsideContext, payload: dict[str, Any]) -> None:
    """Each item writes its audit event in a unit of its own, once (a retry finds it written).

    Payload: items; crash_after (items done before a simulated crash on the first attempt);
    later (items left to a chunk run ``delay`` seconds later).
    """
    for i, item in enumerate(payload.get("items", [])):
        if payload.get("crash_after") == i and ctx.attempt == 1:
            raise ConnectionError("simulated crash in the middle of a chunk")
        subject = f"{ctx.job_id}:{item}"
        with ctx.runtime.unit() as deps:
            written = deps.session.scalar(
                select(AuditEvent.seq).where(
                    AuditEvent.action == OUTSIDE, AuditEvent.subject == subject
                )
            )
            if written is None:
                audit(
                    deps.session,
                    actor="test",
                    action=OUTSIDE,
                    subject=subject,
                    organization=None,
                    now=deps.clock.now(),
                    data={"chunk": ctx.chunk, "at": time.time()},
                )
        ctx.count()
    if payload.get("later"):
        ctx.add_chunk_later({"items": payload["later"]}, payload.get("delay", 0))


register_handler(OUTSIDE, outside_items, outside_transaction=True)

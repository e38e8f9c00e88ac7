"""Helpers of the delivery tests: a worker sending through a given SMTP URL (or the outbox), and
waiting for a credential's mail to reach a state."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select
from task_support import JobWorker, running_worker

from core.db.models import Delivery, Job
from core.delivery.records import DELIVERY_JOB
from core.settings import Settings
from core.unit_of_work import Runtime
from wsgi import load_job_handlers


@contextmanager
def mail_worker(settings: Settings, smtp_url: str | None = None) -> Iterator[JobWorker]:
    """A Huey consumer (thread workers) whose jobs send through ``smtp_url`` (None: the
    outbox), on the queue the app's requests enqueue to. Jobs recorded before it starts are
    queued again, as `sceau worker` does when it starts."""
    load_job_handlers()
    with running_worker(dataclasses.replace(settings, smtp_url=smtp_url)) as worker:
        worker.queue.requeue_unfinished()
        yield worker


def deliveries(runtime: Runtime, credential_id: str | None = None) -> list[Delivery]:
    """The deliveries (of one credential), oldest first, as the database has them now."""
    with runtime.read_sessions() as session:
        query = select(Delivery).order_by(Delivery.id)
        if credential_id is not None:
            query = query.where(Delivery.credential_id == credential_id)
        rows = list(session.scalars(query))
        session.expunge_all()
        return rows


def wait_for(
    runtime: Runtime, credential_id: str, state: str, count: int = 1, timeout: float = 60.0
) -> list[Delivery]:
    """Block until ``count`` deliveries of the credential are in ``state``; them all."""
    deadline = time.monotonic() + timeout
    while True:
        rows = deliveries(runtime, credential_id)
        if sum(1 for r in rows if r.state == state) >= count:
            return rows
        if time.monotonic() > deadline:
            found = [(r.state, r.attempts, r.last_error) for r in rows]
            raise AssertionError(f"deliveries of {credential_id}: {found}, not {count} {state}")
        time.sleep(0.05)


def mail_jobs(runtime: Runtime) -> list[Any]:
    """The delivery jobs, oldest first."""
    with runtime.read_sessions() as session:
        rows = list(
            session.scalars(select(Job).where(Job.kind == DELIVERY_JOB).order_by(Job.created_at))
        )
        session.expunge_all()
        return rows


def uuid_of(url: str) -> str:
    return url.rsplit("/", 1)[1]

"""Handlers registered with ``outside_transaction`` (work that cannot be rolled back, like mail):
no unit of work is open while they run, what they record survives a crash of the chunk, and the
chunks they leave for later run after their delay."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import select
from task_handlers import OUTSIDE
from task_support import running_worker

from core.db.models import AuditEvent, JobChunk
from core.keys.directory import find_org
from core.tasks import create_job, enqueue
from core.unit_of_work import Runtime


@pytest.fixture
def worker(settings: Any, runtime: Runtime) -> Any:
    with running_worker(settings) as running:
        yield running


def _start(runtime: Runtime, worker: Any, slug: str, chunks: list[Any], total: int) -> str:
    with runtime.unit() as deps:
        job = create_job(deps, find_org(deps.session, slug), OUTSIDE, total, "test", chunks)
    enqueue(worker.settings, job.id)
    return job.id


def _events(runtime: Runtime, job_id: str) -> list[AuditEvent]:
    with runtime.read_sessions() as session:
        return list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == OUTSIDE, AuditEvent.subject.startswith(f"{job_id}:"))
                .order_by(AuditEvent.seq)
            )
        )


def test_what_the_handler_recorded_survives_a_crash_of_its_chunk(runtime, worker, acme) -> None:
    # Each item commits on its own while the handler runs: on SQLite, whose one write lock an
    # open chunk transaction would hold, this would wait out the busy timeout and fail.
    job_id = _start(runtime, worker, acme.slug, [{"items": ["a", "b", "c"], "crash_after": 2}], 3)
    progress = worker.wait(job_id)
    assert (progress["state"], progress["done"], progress["errors"]) == ("done", 3, [])
    events = _events(runtime, job_id)
    assert [e.subject.split(":")[1] for e in events] == ["a", "b", "c"]
    # a and b were recorded by the first attempt, which then crashed; c by the retry.
    assert [e.data["chunk"] for e in events] == [0, 0, 0]
    with runtime.read_sessions() as session:
        assert session.get_one(JobChunk, (job_id, 0)).attempts == 2


def test_a_chunk_left_for_later_runs_after_its_delay(runtime, worker, acme) -> None:
    started = time.time()
    job_id = _start(runtime, worker, acme.slug, [{"items": ["a"], "later": ["b"], "delay": 1.5}], 2)
    time.sleep(0.8)
    assert worker.progress(job_id)["state"] == "running"  # b waits for its turn
    progress = worker.wait(job_id)
    assert (progress["state"], progress["done"], progress["total"]) == ("done", 2, 2)
    a, b = _events(runtime, job_id)
    assert b.data["chunk"] == 1 and b.data["at"] - started >= 1.5
    assert a.data["at"] - started < 1.5

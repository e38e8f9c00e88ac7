"""The task queue with a real consumer, on SQLite storage and on Redis: counting, chunks in
parallel, failed items, retries that never count twice, and progress per organization."""

from __future__ import annotations

import dataclasses
import json
import os
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import redis
import task_handlers
from huey import RedisHuey, SqliteHuey
from sqlalchemy import func, select
from task_handlers import ITEMS
from task_support import JobWorker, running_worker

from core.db.models import AuditEvent, JobChunk
from core.errors import NotFound
from core.keys.directory import find_org
from core.settings import Settings
from core.tasks import INTERNAL_ERROR, create_job, enqueue, job_progress, make_huey
from core.tasks.runner import run_chunk
from core.unit_of_work import Runtime

#: A database number of its own, emptied before and after each Redis test.
REDIS_URL = os.environ.get("SCEAU_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


@pytest.fixture
def redis_settings(settings: Settings) -> Iterator[Settings]:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError as error:
        if os.environ.get("CI"):
            pytest.fail(f"Redis at {REDIS_URL} is unreachable under CI: {error}")
        pytest.skip(f"Redis at {REDIS_URL} is unreachable: the Redis queue tests did not run")
    # A queue of this test process's own: two suites running at once (or a developer's
    # instance on the same Redis) never take each other's tasks. running_worker empties it.
    yield dataclasses.replace(settings, redis_url=REDIS_URL, queue_name=f"sceau-test-{os.getpid()}")
    client.close()


@pytest.fixture(params=["sqlite", "redis"])
def worker(request: pytest.FixtureRequest, settings: Settings, runtime: Runtime) -> Any:
    chosen = settings if request.param == "sqlite" else request.getfixturevalue("redis_settings")
    with running_worker(chosen) as running:
        yield running


def _start(runtime: Runtime, worker: JobWorker, slug: str, chunks: list[Any]) -> str:
    """Create a job of test.items with these chunks, commit, then queue it."""
    total = sum(len(c.get("items", [])) for c in chunks)
    with runtime.unit() as deps:
        job = create_job(deps, find_org(deps.session, slug), ITEMS, total, "test", chunks)
    enqueue(worker.settings, job.id)
    return job.id


def _events(runtime: Runtime, job_id: str) -> list[AuditEvent]:
    with runtime.read_sessions() as session:
        return list(
            session.scalars(
                select(AuditEvent).where(
                    AuditEvent.action == ITEMS, AuditEvent.subject.startswith(f"{job_id}:")
                )
            )
        )


def test_a_job_runs_its_chunks_and_counts_every_item(runtime, worker, acme) -> None:
    chunks = [{"items": [f"{c}-{i}" for i in range(5)]} for c in range(3)]
    job_id = _start(runtime, worker, acme.slug, chunks)
    progress = worker.wait(job_id)
    assert progress == {
        "id": job_id,
        "kind": ITEMS,
        "state": "done",
        "done": 15,
        "total": 15,
        "errors": [],
    }
    assert len(_events(runtime, job_id)) == 15
    with runtime.read_sessions() as session:
        states = session.scalars(select(JobChunk.state).where(JobChunk.job_id == job_id)).all()
    assert states == ["done"] * 3


def test_failed_items_are_listed_without_their_details(runtime, worker, acme) -> None:
    chunks = [{"items": ["a", "bad-1", "b"]}, {"items": ["boom-2", "c"]}]
    job_id = _start(runtime, worker, acme.slug, chunks)
    progress = worker.wait(job_id)
    assert progress["state"] == "failed"
    assert progress["done"] == 3 and progress["total"] == 5
    assert sorted(progress["errors"], key=lambda e: e["item"]) == [
        {"item": "bad-1", "message": "item bad-1 is refused"},
        {"item": "boom-2", "message": INTERNAL_ERROR},
    ]
    assert "secret" not in json.dumps(progress)
    # A failed item's writes are undone with it; the other items' stay.
    assert sorted(e.subject.split(":")[1] for e in _events(runtime, job_id)) == ["a", "b", "c"]


def test_a_chunk_that_crashes_midway_is_retried_without_counting_twice(
    runtime, worker, acme
) -> None:
    chunks = [{"items": ["a", "b", "c", "d"], "crash_after": 2}, {"items": ["e"]}]
    job_id = _start(runtime, worker, acme.slug, chunks)
    progress = worker.wait(job_id)
    assert progress["state"] == "done" and progress["done"] == 5 and progress["errors"] == []
    subjects = sorted(e.subject.split(":")[1] for e in _events(runtime, job_id))
    assert subjects == ["a", "b", "c", "d", "e"]
    with runtime.read_sessions() as session:
        attempts = session.scalars(
            select(JobChunk.attempts).where(JobChunk.job_id == job_id).order_by(JobChunk.number)
        ).all()
    assert attempts == [2, 1]


def test_a_chunk_delivered_again_after_it_finished_does_nothing(runtime, worker, acme) -> None:
    job_id = _start(runtime, worker, acme.slug, [{"items": ["a", "b"]}])
    assert worker.wait(job_id)["done"] == 2
    queued: list[tuple[str, int]] = []
    run_chunk(runtime, job_id, 0, final_attempt=True, enqueue_chunk=lambda *a: queued.append(a))
    assert worker.progress(job_id)["done"] == 2
    assert len(_events(runtime, job_id)) == 2 and queued == []


def test_a_chunk_that_keeps_crashing_fails_the_job_after_its_retries(runtime, worker, acme) -> None:
    job_id = _start(runtime, worker, acme.slug, [{"always_crash": True}, {"items": ["a"]}])
    progress = worker.wait(job_id, timeout=60)
    assert progress["state"] == "failed" and progress["done"] == 1
    assert progress["errors"] == [{"item": None, "message": INTERNAL_ERROR}]
    with runtime.read_sessions() as session:
        chunk = session.get(JobChunk, (job_id, 0))
        assert chunk is not None and chunk.state == "failed" and chunk.attempts == 4


def test_chunks_run_in_parallel_on_several_workers(runtime, worker, acme) -> None:
    # On PostgreSQL the first two chunks meet inside their transactions: both are open at once.
    # SQLite has one writer: its chunks queue for the write lock, so they only share the work.
    meet = runtime.engine.dialect.name == "postgresql"
    task_handlers.BARRIER = threading.Barrier(2, timeout=20) if meet else None
    try:
        chunks = [
            {"items": [f"{c}-{i}" for i in range(3)], "sleep": 0.2, "meet": c < 2} for c in range(4)
        ]
        job_id = _start(runtime, worker, acme.slug, chunks)
        progress = worker.wait(job_id)
    finally:
        task_handlers.BARRIER = None
    assert progress["state"] == "done" and progress["done"] == 12
    threads = {e.data["thread"] for e in _events(runtime, job_id)}
    assert len(threads) == 2


def test_a_handler_can_split_its_work_into_more_chunks(runtime, worker, acme) -> None:
    split = [{"items": ["x1", "x2"]}, {"items": ["y1"]}, {"items": ["z1", "z2"]}]
    job_id = _start(runtime, worker, acme.slug, [{"items": ["a"], "split": split}])
    progress = worker.wait(job_id)
    assert progress["state"] == "done"
    assert progress["done"] == progress["total"] == 6
    with runtime.read_sessions() as session:
        count = session.scalar(select(func.count()).where(JobChunk.job_id == job_id))
    assert count == 4


def test_progress_is_only_shown_to_the_jobs_organization(runtime, create_org) -> None:
    acme, other = create_org("acme"), create_org("other", "Other Body")
    with runtime.unit() as deps:
        job = create_job(deps, find_org(deps.session, acme.slug), ITEMS, 3, "api:acme")
    with runtime.unit() as deps:
        mine = job_progress(deps, find_org(deps.session, "acme"), job.id)
        assert mine == {
            "id": job.id,
            "kind": ITEMS,
            "state": "queued",
            "done": 0,
            "total": 3,
            "errors": [],
        }
        for job_id in (job.id, "00000000-0000-4000-8000-000000000000", "not a uuid"):
            with pytest.raises(NotFound) as caught:
                job_progress(deps, find_org(deps.session, other.slug), job_id)
            assert caught.value.message == "no such job"


def test_a_job_with_no_chunks_is_done_at_once_and_kinds_must_have_handlers(runtime, acme) -> None:
    with runtime.unit() as deps:
        org = find_org(deps.session, acme.slug)
        job = create_job(deps, org, ITEMS, 0, "test", chunks=[])
        assert job_progress(deps, org, job.id)["state"] == "done"
        with pytest.raises(ValueError, match="no handler"):
            create_job(deps, org, "test.nobody", 1, "test")


def test_the_queue_is_sqlite_in_the_instance_folder_unless_redis_url_is_set(
    settings: Settings, tmp_path
) -> None:
    local = dataclasses.replace(settings, instance_dir=tmp_path / "instance", redis_url=None)
    huey = make_huey(local)
    assert isinstance(huey, SqliteHuey)
    assert huey.storage.filename == str(tmp_path / "instance" / "tasks.db")
    shared = dataclasses.replace(settings, redis_url=REDIS_URL)
    assert isinstance(make_huey(shared), RedisHuey)


def test_a_job_whose_queue_is_unreachable_is_recorded_and_reported(
    settings: Settings, runtime, acme
) -> None:
    unreachable = dataclasses.replace(settings, redis_url="redis://127.0.0.1:1/0")
    with runtime.unit() as deps:
        job = create_job(deps, find_org(deps.session, acme.slug), ITEMS, 0, "test")
    assert enqueue(unreachable, job.id) is False
    with runtime.unit() as deps:
        assert job_progress(deps, find_org(deps.session, acme.slug), job.id)["state"] == "queued"


def test_the_job_worker_fixture_runs_what_production_code_queues(
    settings: Settings, runtime, acme, job_worker
) -> None:
    with runtime.unit() as deps:
        job = create_job(
            deps, find_org(deps.session, acme.slug), ITEMS, 1, "test", [{"items": [1]}]
        )
    assert enqueue(settings, job.id) is True
    assert job_worker.wait(job.id)["state"] == "done"

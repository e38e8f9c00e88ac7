"""A real Huey consumer against the test database, for tests of jobs (the `job_worker` fixture)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select

from core.db.models import Job
from core.settings import Settings
from core.tasks import task_queue
from core.tasks.queue import TaskQueue

FINISHED = ("done", "failed")


class JobWorker:
    """A consumer with thread workers, running in the test process.

    Code under test queues jobs as in production (``core.tasks.enqueue(settings, job_id)`` after
    its commit); ``wait(job_id)`` then blocks until the job is done or failed and returns its
    progress record.
    """

    def __init__(self, queue: TaskQueue) -> None:
        self.queue = queue
        self.settings = queue.settings

    def enqueue(self, job_id: str) -> None:
        self.queue.enqueue(job_id)

    def progress(self, job_id: str) -> dict[str, Any]:
        """The job's record as job_progress returns it (without the organization check)."""
        with self.queue.runtime().read_sessions() as session:
            job = session.execute(select(Job).where(Job.id == job_id)).scalar_one()
            return {
                "id": job.id,
                "kind": job.kind,
                "state": job.state,
                "done": job.done,
                "total": job.total,
                "errors": job.errors,
            }

    def wait(self, job_id: str, timeout: float = 30.0) -> dict[str, Any]:
        """Block until the job is done or failed; its progress. Fails the test on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            progress = self.progress(job_id)
            if progress["state"] in FINISHED:
                return progress
            if time.monotonic() > deadline:
                raise AssertionError(f"job {job_id} did not finish in {timeout} s: {progress}")
            time.sleep(0.05)


@contextmanager
def running_worker(settings: Settings, workers: int = 2) -> Iterator[JobWorker]:
    """Run the queue of ``settings`` (SQLite in its instance folder, or its REDIS_URL) with
    ``workers`` threads; stop them and empty the queue afterwards."""
    queue = task_queue(settings)
    queue.huey.flush()
    consumer = queue.consumer(workers=workers, worker_type="thread", max_delay=0.2)
    # Started by hand rather than with consumer.start(), which would take over the test
    # process's SIGINT and SIGTERM handlers.
    consumer.scheduler.start()
    for _, thread in consumer.worker_threads:
        thread.start()
    try:
        yield JobWorker(queue)
    finally:
        consumer.stop(graceful=True)
        queue.huey.flush()
        queue.close()

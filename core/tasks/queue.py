"""The Huey queue built from Settings (SQLite in the instance folder, or Redis) and its tasks."""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey
from huey.consumer import Consumer

from core.settings import Settings
from core.tasks import jobs
from core.tasks.runner import run_chunk
from core.unit_of_work import Runtime

log = logging.getLogger(__name__)

#: Attempts of a chunk after the first; a crash (lost connection, killed query) is retried.
CHUNK_RETRIES = 3
CHUNK_RETRY_DELAY_SECONDS = 1


def make_huey(settings: Settings, name: str | None = None) -> Huey:
    """RedisHuey when REDIS_URL is set, else SqliteHuey in ``<instance>/tasks.db``.

    Results are not stored: a job's outcome is its row in the database, read by job_progress.
    """
    if settings.redis_url:
        return RedisHuey(name or settings.queue_name, url=settings.redis_url, results=False)
    settings.instance_dir.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(
        name or settings.queue_name,
        filename=str(settings.instance_dir / "tasks.db"),
        results=False,
    )


class TaskQueue:
    """One Huey instance with Sceau's two tasks, and the Runtime its tasks run with.

    ``start_job(job_id)`` queues one task per pending chunk of the job, ``run_chunk(job_id,
    number)`` runs one chunk through its kind's handler. Both are registered on this instance,
    so the web process (which enqueues) and the worker (which consumes) build the same queue
    from the same settings.
    """

    def __init__(
        self, settings: Settings, *, name: str | None = None, runtime: Runtime | None = None
    ) -> None:
        self.settings = settings
        self.huey = make_huey(settings, name)
        self._runtime = runtime
        self._owns_runtime = runtime is None
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._start_job = self.huey.task(name="sceau.start_job")(self._dispatch)
        self._run_chunk = self.huey.task(
            name="sceau.run_chunk",
            retries=CHUNK_RETRIES,
            retry_delay=CHUNK_RETRY_DELAY_SECONDS,
            context=True,
        )(self._execute)

    def runtime(self) -> Runtime:
        """The Runtime of this process, built on first use (a forked worker builds its own:
        database connections must not cross a fork)."""
        with self._lock:
            if self._runtime is None or (self._owns_runtime and self._pid != os.getpid()):
                self._runtime = Runtime(self.settings)
                self._owns_runtime = True
                self._pid = os.getpid()
            return self._runtime

    def close(self) -> None:
        """Close this process's database connections (before forking workers, at the end)."""
        with self._lock:
            if self._runtime is not None and self._owns_runtime:
                self._runtime.close()
                self._runtime = None

    def enqueue(self, job_id: str) -> None:
        """Queue a job whose creation is committed; returns at once (never waits for workers)."""
        self._start_job(job_id)

    def enqueue_chunk(self, job_id: str, number: int, delay: float | None = None) -> None:
        """Queue one chunk's task, to run now or ``delay`` seconds from now (Huey's schedule,
        which the consumer's scheduler moves to the queue when due); already-finished chunks
        are skipped when it runs."""
        if delay:
            self._run_chunk.schedule((job_id, number), delay=delay)
        else:
            self._run_chunk(job_id, number)

    def requeue_unfinished(self) -> int:
        """Queue every pending chunk of unfinished jobs again; how many.

        Tasks can be lost (a worker killed mid-chunk, a queue unreachable right after a commit);
        the database still says what is left to do. A chunk queued twice runs once: the second
        task waits on the chunk's lock and then finds it finished.
        """
        with self.runtime().unit() as deps:
            pending = jobs.pending_chunks(deps.session)
        for job_id, number in pending:
            self.enqueue_chunk(job_id, number)
        return len(pending)

    def consumer(self, workers: int = 2, worker_type: str = "process", **options: Any) -> Consumer:
        """A Huey consumer for this queue.

        SIGTERM (what service managers send) stops it gracefully: running chunks finish, up to
        a timeout. SIGINT stops it now: running chunks are rolled back and stay pending.
        """
        options.setdefault("graceful_signal", "TERM")
        options.setdefault("shutdown_timeout", 30)
        options.setdefault("periodic", False)
        # An idle worker polls SQLite at most a second apart (Huey's default backs off to 10 s,
        # which a person watching a progress bar would notice). Redis blocks instead of polling.
        options.setdefault("max_delay", 1.0)
        return _SupervisedConsumer(self.huey, workers=workers, worker_type=worker_type, **options)

    def _dispatch(self, job_id: str) -> None:
        with self.runtime().unit() as deps:
            pending = jobs.pending_chunks(deps.session, job_id)
        for _, number in pending:
            self.enqueue_chunk(job_id, number)

    def _execute(self, job_id: str, number: int, task: Any = None) -> None:
        run_chunk(
            self.runtime(),
            job_id,
            number,
            final_attempt=task is None or not task.retries,
            enqueue_chunk=self.enqueue_chunk,
        )


_QUEUES: dict[tuple[Settings, str], TaskQueue] = {}
_QUEUES_LOCK = threading.Lock()


def task_queue(settings: Settings, name: str | None = None) -> TaskQueue:
    """The process's TaskQueue for these settings (built once)."""
    chosen = name or settings.queue_name
    with _QUEUES_LOCK:
        queue = _QUEUES.get((settings, chosen))
        if queue is None:
            queue = _QUEUES[(settings, chosen)] = TaskQueue(settings, name=chosen)
        return queue


def enqueue(settings: Settings, job_id: str) -> bool:
    """Queue a job created by create_job, AFTER the unit of work that created it committed.

    False (and logged) when the queue cannot be reached: the job is recorded, and answering
    with an error would make the client create it again; it stays queued, and the next
    `sceau worker` to start queues it again.
    """
    try:
        task_queue(settings).enqueue(job_id)
    except Exception:
        log.exception("could not queue job %s; it runs when a worker next starts", job_id)
        return False
    return True


def run_worker(settings: Settings, workers: int = 2) -> None:
    """Run the consumer with ``workers`` processes until SIGTERM or SIGINT (`sceau worker`)."""
    queue = task_queue(settings)
    requeued = queue.requeue_unfinished()
    if requeued:
        log.info("queued %d unfinished chunks again", requeued)
    # The workers are forked: none of them may inherit this process's connections.
    queue.close()
    queue.consumer(workers=workers).run()


class _SupervisedConsumer(Consumer):  # type: ignore[misc]
    """Huey's consumer, whose forked processes exit when it is gone.

    A consumer killed outright (SIGKILL, the OOM killer) cannot stop its worker and scheduler
    processes, which would run on unsupervised, old code and all. A chunk cut short this way
    is rolled back by the database and queued again by the next `sceau worker`. (Huey names
    these two methods as its points of extension.)
    """

    def _create_worker(self) -> Any:
        return _watched(super()._create_worker())

    def _create_scheduler(self) -> Any:
        return _watched(super()._create_scheduler())


def _watched(runnable: Any) -> Any:
    consumer_pid = os.getpid()
    initialize = runnable.initialize

    def initialize_and_watch() -> None:
        if os.getpid() != consumer_pid:  # a forked process, not a thread of the consumer's
            _exit_with_consumer(consumer_pid)
        initialize()

    runnable.initialize = initialize_and_watch
    return runnable


def _exit_with_consumer(consumer_pid: int) -> None:
    def watch() -> None:
        while os.getppid() == consumer_pid:
            time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-consumer", daemon=True).start()

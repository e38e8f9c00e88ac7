"""`sceau worker` as a process: worker processes, lost tasks picked up, SIGTERM and SIGINT."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from task_handlers import ITEMS
from task_support import JobWorker

from core.db.models import AuditEvent, JobChunk
from core.keys.directory import find_org
from core.settings import Settings
from core.tasks import create_job, enqueue, task_queue
from core.unit_of_work import Runtime

ROOT = Path(__file__).resolve().parents[3]
# The command itself, after importing the tests' handlers as a blueprint's jobs module would be.
WORKER = "import task_handlers, wsgi; wsgi.cli(['worker', '--workers', '2'])"


class WorkerProcess:
    def __init__(self, settings: Settings, log: Path) -> None:
        env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
        env.update(
            SCEAU_ENV="test",
            SCEAU_INSTANCE_DIR=str(settings.instance_dir),
            DATABASE_URL=settings.database_url,
            SCEAU_BASE_URL=settings.base_url,
            PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "tests")]),
        )
        self.log = log
        with log.open("w") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-c", WORKER], cwd=ROOT, env=env, stdout=out, stderr=out
            )
        self._wait_for("Huey consumer started")
        # Its two worker processes and the scheduler's, forked just after that line.
        deadline = time.monotonic() + 10
        while len(_children(self.process.pid)) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        self.children = _children(self.process.pid)

    def output(self) -> str:
        return self.log.read_text()

    def _wait_for(self, text: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output():
            assert self.process.poll() is None, self.output()
            assert time.monotonic() < deadline, self.output()
            time.sleep(0.05)

    def stop(self, signum: int, timeout: float = 20) -> int:
        self.process.send_signal(signum)
        code = self.process.wait(timeout)
        for pid in self.children:
            assert not Path(f"/proc/{pid}").exists() or _zombie(pid), self.output()
        return code

    def kill(self) -> None:
        """Stop it however it is (teardown): SIGTERM, then SIGKILL for it and its workers."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for pid in self.children:
            if Path(f"/proc/{pid}").exists() and not _zombie(pid):
                os.kill(pid, signal.SIGKILL)


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


@pytest.fixture
def start_worker(settings: Settings, tmp_path: Path) -> Iterator[Any]:
    queue = task_queue(settings)
    queue.huey.flush()
    started: list[WorkerProcess] = []

    def start() -> WorkerProcess:
        worker = WorkerProcess(settings, tmp_path / f"worker-{len(started)}.log")
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.kill()
    queue.huey.flush()
    queue.close()


def _job(runtime: Runtime, slug: str, chunks: list[dict[str, Any]]) -> str:
    total = sum(len(c.get("items", [])) for c in chunks)
    with runtime.unit() as deps:
        return create_job(deps, find_org(deps.session, slug), ITEMS, total, "test", chunks).id


def test_sceau_worker_runs_chunks_in_worker_processes_and_stops_on_sigterm(
    settings, runtime, acme, start_worker
) -> None:
    parallel = _job(runtime, acme.slug, [{"items": [f"{c}"], "sleep": 0.5} for c in range(4)])
    enqueue(settings, parallel)
    # Queued while no worker ran and then lost (the queue was emptied): the database still
    # says what is left, and the worker queues it again when it starts.
    lost = _job(runtime, acme.slug, [{"items": ["x", "y"]}])
    enqueue(settings, lost)
    task_queue(settings).huey.flush()

    worker = start_worker()
    watcher = JobWorker(task_queue(settings))
    assert watcher.wait(parallel)["done"] == 4
    assert watcher.wait(lost)["done"] == 2
    with runtime.read_sessions() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == ITEMS)).all()
    pids = {e.subject.split(":")[0]: set() for e in events}
    for e in events:
        pids[e.subject.split(":")[0]].add(e.data["pid"])
    # Both worker processes ran chunks. On PostgreSQL the four chunks of one job share them;
    # SQLite has one writer, and the process holding the lock tends to keep it.
    assert len(pids[parallel] | pids[lost]) == 2
    assert not {os.getpid(), worker.process.pid} & (pids[parallel] | pids[lost])
    if runtime.engine.dialect.name == "postgresql":
        assert len(pids[parallel]) == 2

    assert worker.stop(signal.SIGTERM) == 0
    assert "Shutting down gracefully" in worker.output()


def test_sigterm_lets_a_running_chunk_finish(settings, runtime, acme, start_worker) -> None:
    worker = start_worker()
    job_id = _job(runtime, acme.slug, [{"items": ["slow"], "sleep": 2}])
    enqueue(settings, job_id)
    watcher = JobWorker(task_queue(settings))
    while watcher.progress(job_id)["state"] != "running":
        time.sleep(0.05)
    assert worker.stop(signal.SIGTERM) == 0
    assert watcher.progress(job_id)["state"] == "done"


def test_sigint_stops_at_once_and_the_next_worker_resumes(
    settings, runtime, acme, start_worker
) -> None:
    worker = start_worker()
    job_id = _job(runtime, acme.slug, [{"items": ["slow"], "sleep": 30}])
    enqueue(settings, job_id)
    watcher = JobWorker(task_queue(settings))
    while watcher.progress(job_id)["state"] != "running":
        time.sleep(0.05)
    started = time.monotonic()
    assert worker.stop(signal.SIGINT) == 0
    assert time.monotonic() - started < 10
    with runtime.read_sessions() as session:
        chunk = session.get(JobChunk, (job_id, 0))
        assert chunk is not None and chunk.state == "pending"

    with runtime.unit() as deps:
        # The interrupted chunk now has nothing left to wait for.
        chunk = deps.session.get(JobChunk, (job_id, 0))
        assert chunk is not None
        chunk.payload = {"items": ["slow"]}
    start_worker()
    assert watcher.wait(job_id)["state"] == "done"


def test_workers_exit_when_their_consumer_is_killed(settings, start_worker) -> None:
    worker = start_worker()
    assert len(worker.children) == 3
    worker.process.kill()
    worker.process.wait(10)
    deadline = time.monotonic() + 10
    # The worker processes and the scheduler's watch their parent and exit without it.
    while any(Path(f"/proc/{p}").exists() and not _zombie(p) for p in worker.children):
        assert time.monotonic() < deadline, "worker processes outlived their consumer"
        time.sleep(0.1)

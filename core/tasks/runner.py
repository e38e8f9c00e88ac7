"""Running one chunk of a job: its unit of work, per-item savepoints, errors safe to show."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from core.deps import Deps
from core.errors import SceauError
from core.tasks import jobs
from core.tasks.registry import handler_for, preparer_for
from core.unit_of_work import Runtime

log = logging.getLogger(__name__)

#: What a user reads for a failure whose details are not theirs to see (they are logged).
INTERNAL_ERROR = "internal error"


class ChunkContext:
    """What a handler gets besides its payload: the open unit of work and ways to report.

    Everything the handler writes through ``deps.session`` commits together with the chunk's
    progress, or not at all: a chunk that crashes is rolled back whole and retried.
    """

    def __init__(
        self, runtime: Runtime, deps: Deps, job_id: str, number: int, start: jobs.ChunkStart
    ) -> None:
        self.runtime = runtime
        self.deps = deps
        self.job_id = job_id
        self.chunk = number
        self.kind = start.kind
        self.organization_id = start.organization_id
        self.attempt = start.attempt
        self.done = 0
        self.errors: list[dict[str, Any]] = []
        self.new_chunks: list[int] = []
        self._after_commit: list[Callable[[], None]] = []
        #: What the kind's preparer made before this unit of work opened (None without one).
        self.prepared: Any = None

    @contextmanager
    def item(self, key: Any) -> Iterator[None]:
        """Do one item in a savepoint: count it if the block succeeds; otherwise undo its
        writes, record ``{"item": key, "message": ...}`` and go on with the next item."""
        savepoint = self.deps.session.begin_nested()
        try:
            yield
        except Exception as error:
            savepoint.rollback()
            self.fail_item(key, error)
        else:
            savepoint.commit()
            self.done += 1

    def count(self, n: int = 1) -> None:
        """Count ``n`` items done (for handlers that do not use ``item``)."""
        self.done += n

    def fail_item(self, key: Any, error: BaseException | str) -> None:
        """Record a failed item. Only SceauError messages (and plain strings) reach the user;
        anything else is logged and shown as "internal error"."""
        if isinstance(error, SceauError):
            message = error.message
        elif isinstance(error, str):
            message = error
        else:
            log.error(
                "job %s (%s), chunk %s: item %r failed",
                self.job_id,
                self.kind,
                self.chunk,
                key,
                exc_info=error,
            )
            message = INTERNAL_ERROR
        self.errors.append({"item": _json_key(key), "message": message})

    def add_chunks(self, payloads: Sequence[Any]) -> list[int]:
        """Split the rest of the work: new chunks of this job, queued once this one commits.

        It locks the job's row until the commit: call it before taking other locks (writing
        credentials, the audit log), so that chunks always lock in the same order.
        """
        jobs.lock_job(self.deps.session, self.job_id)
        numbers = jobs.add_chunks(self.deps.session, self.job_id, payloads)
        self.new_chunks.extend(numbers)
        return numbers

    def add_to_total(self, count: int) -> None:
        """Grow the job's total when the handler learns how much there is to do."""
        jobs.add_to_total(self.deps.session, self.job_id, count)

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once this chunk's work is committed (mail, other side effects).

        It runs at most once: a failure is logged and not retried, since the work is done.
        """
        self._after_commit.append(callback)

    def run_after_commit(self) -> None:
        for callback in self._after_commit:
            try:
                callback()
            except Exception:
                log.exception(
                    "job %s (%s), chunk %s: after-commit action failed",
                    self.job_id,
                    self.kind,
                    self.chunk,
                )


def _json_key(key: Any) -> Any:
    if key is None or isinstance(key, str | int | float | bool):
        return key
    return str(key)


def run_chunk(
    runtime: Runtime,
    job_id: str,
    number: int,
    *,
    final_attempt: bool,
    enqueue_chunk: Callable[[str, int], None],
) -> None:
    """Run chunk ``number`` of a job once; raise to have the queue retry it.

    A SceauError from the handler fails the chunk at once (trying again would not change it);
    any other exception is retried until ``final_attempt``, then fails the chunk as "internal
    error". Retrying is safe: nothing of a failed attempt was committed.
    """
    try:
        with runtime.unit() as deps:
            start = jobs.start_chunk(deps.session, job_id, number, deps.clock.now())
        if start is None:
            log.info("job %s, chunk %s: already finished, skipped", job_id, number)
            return
        handler = handler_for(start.kind)
        if handler is None:
            log.error("job %s: no handler for kind %r in this worker", job_id, start.kind)
            _fail_chunk(runtime, job_id, number, "this kind of job cannot be run")
            return
        preparer = preparer_for(start.kind)
        # Outside any transaction: a slow preparation holds no lock (see register_preparer).
        prepared = preparer(runtime, start.organization_id, start.payload) if preparer else None
        with runtime.unit() as deps:
            payload = jobs.lock_pending_chunk(deps.session, job_id, number)
            if not jobs.is_pending(payload):
                return
            ctx = ChunkContext(runtime, deps, job_id, number, start)
            ctx.prepared = prepared
            handler(ctx, payload)
            jobs.finish_chunk(
                deps.session,
                job_id,
                number,
                state="done",
                done=ctx.done,
                errors=ctx.errors,
                now=deps.clock.now(),
            )
    except SceauError as error:
        log.warning("job %s, chunk %s failed: %s", job_id, number, error.code)
        _fail_chunk(runtime, job_id, number, error.message)
        return
    except Exception:
        if not final_attempt:
            log.warning(
                "job %s, chunk %s: attempt failed, will retry", job_id, number, exc_info=True
            )
            raise
        log.exception("job %s, chunk %s failed on its last attempt", job_id, number)
        _fail_chunk(runtime, job_id, number, INTERNAL_ERROR)
        return
    # Side effects only now that the work is committed (DESIGN §1).
    for new in ctx.new_chunks:
        try:
            enqueue_chunk(job_id, new)
        except Exception:
            # The chunk is pending in the database: `sceau worker` queues it again at start.
            log.exception("job %s: could not queue chunk %s", job_id, new)
    ctx.run_after_commit()


def _fail_chunk(runtime: Runtime, job_id: str, number: int, message: str) -> None:
    """Finish a chunk as failed, in a unit of its own (the chunk's own was rolled back)."""
    with runtime.unit() as deps:
        if not jobs.is_pending(jobs.lock_pending_chunk(deps.session, job_id, number)):
            return
        jobs.finish_chunk(
            deps.session,
            job_id,
            number,
            state="failed",
            done=0,
            errors=[{"item": None, "message": message}],
            now=deps.clock.now(),
        )

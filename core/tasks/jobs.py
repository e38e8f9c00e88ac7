"""Job records: create a job and its chunks, read its progress, and the state changes of chunks."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.db.models import Job, JobChunk, Organization
from core.deps import Deps
from core.errors import NotFound
from core.tasks.registry import handler_for

#: Errors kept on one job; past it, one last entry says how many more there were.
MAX_ERRORS = 1000


def create_job(
    deps: Deps,
    org: Organization,
    kind: str,
    total: int,
    created_by: str,
    chunks: Sequence[Any] | None = None,
) -> Job:
    """Record a queued job of ``kind`` for ``org`` with its chunks' payloads (flush only).

    ``chunks`` are JSON values, one per task that may run in parallel; None means one chunk with
    the payload None. Call ``enqueue(settings, job.id)`` after the unit of work commits.
    """
    if handler_for(kind) is None:
        raise ValueError(f"no handler is registered for job kind {kind!r}")
    if total < 0:
        raise ValueError("a job's total cannot be negative")
    payloads = [None] if chunks is None else list(chunks)
    now = deps.clock.now()
    job = Job(
        id=str(uuid.uuid4()),
        organization_id=org.id,
        kind=kind,
        # A job with nothing to do is over as soon as it exists.
        state="queued" if payloads else "done",
        done=0,
        total=total,
        errors=[],
        created_by=created_by,
        created_at=now,
        finished_at=None if payloads else now,
    )
    deps.session.add(job)
    # The job's row first: the chunks' foreign key needs it on PostgreSQL.
    deps.session.flush()
    deps.session.add_all(
        JobChunk(job_id=job.id, number=i, state="pending", payload=p, attempts=0, done=0)
        for i, p in enumerate(payloads)
    )
    deps.session.flush()
    return job


def job_progress(deps: Deps, org: Organization, job_id: str) -> dict[str, Any]:
    """{"id", "kind", "state", "done", "total", "errors"} of one of ``org``'s jobs.

    Raises NotFound for an unknown id and for another organization's job alike, so that the
    answer never tells whether a job exists.
    """
    row = deps.session.execute(
        select(Job.id, Job.kind, Job.state, Job.done, Job.total, Job.errors).where(
            Job.id == job_id, Job.organization_id == org.id
        )
    ).one_or_none()
    if row is None:
        raise NotFound("no such job")
    return {
        "id": row.id,
        "kind": row.kind,
        "state": row.state,
        "done": row.done,
        "total": row.total,
        "errors": list(row.errors or []),
    }


# --- state changes made by the worker (core.tasks.runner) ----------------------------------


@dataclass(frozen=True)
class ChunkStart:
    """What a worker needs to know about the job of a chunk it may run."""

    kind: str
    organization_id: int
    #: 1 for the first try of the chunk, 2 for its first retry, ...
    attempt: int
    #: The chunk's payload as read at its start (for a preparer: see core.tasks.registry).
    payload: Any = None


def start_chunk(session: Session, job_id: str, number: int, now: datetime) -> ChunkStart | None:
    """Mark the job running and count an attempt; None when the chunk is no longer pending.

    Committed on its own before the work, so that progress shows "running" at once and the
    attempts survive a crash.
    """
    attempted = session.execute(
        update(JobChunk)
        .where(JobChunk.job_id == job_id, JobChunk.number == number, JobChunk.state == "pending")
        .values(attempts=JobChunk.attempts + 1)
    )
    if attempted.rowcount == 0:  # type: ignore[attr-defined]
        return None
    session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state == "queued")
        .values(state="running", started_at=now)
    )
    row = session.execute(
        select(Job.kind, Job.organization_id, JobChunk.attempts, JobChunk.payload)
        .join(JobChunk, JobChunk.job_id == Job.id)
        .where(Job.id == job_id, JobChunk.number == number)
    ).one()
    return ChunkStart(
        kind=row.kind,
        organization_id=row.organization_id,
        attempt=row.attempts,
        payload=row.payload,
    )


_NOT_PENDING = object()


def lock_pending_chunk(session: Session, job_id: str, number: int) -> Any:
    """The chunk's payload, its row locked for this transaction; _NOT_PENDING if it is finished.

    The lock makes a second delivery of the same task wait for the first one's commit and then
    find the chunk finished, so the work is never done twice at once (SQLite's write lock,
    taken at BEGIN, does the same there).
    """
    row = session.execute(
        select(JobChunk.state, JobChunk.payload)
        .where(JobChunk.job_id == job_id, JobChunk.number == number)
        .with_for_update()
    ).one_or_none()
    if row is None or row.state != "pending":
        return _NOT_PENDING
    return row.payload


def is_pending(payload: Any) -> bool:
    """False for the marker lock_pending_chunk returns for a finished (or unknown) chunk."""
    return payload is not _NOT_PENDING


def lock_job(session: Session, job_id: str) -> None:
    """Lock the job's row until the commit (serializes chunk numbering and the final count)."""
    session.execute(select(Job.id).where(Job.id == job_id).with_for_update())


def add_chunks(session: Session, job_id: str, payloads: Sequence[Any]) -> list[int]:
    """Append pending chunks to a job (its row must be locked); their numbers."""
    last = session.execute(
        select(func.max(JobChunk.number)).where(JobChunk.job_id == job_id)
    ).scalar_one()
    first = -1 if last is None else last
    numbers = [first + 1 + i for i in range(len(payloads))]
    session.add_all(
        JobChunk(job_id=job_id, number=n, state="pending", payload=p, attempts=0, done=0)
        for n, p in zip(numbers, payloads, strict=True)
    )
    session.flush()
    return numbers


def add_to_total(session: Session, job_id: str, count: int) -> None:
    """Grow the job's total (a handler that learns how much there is to do)."""
    session.execute(update(Job).where(Job.id == job_id).values(total=Job.total + count))


def finish_chunk(
    session: Session,
    job_id: str,
    number: int,
    *,
    state: str,
    done: int,
    errors: Sequence[dict[str, Any]],
    now: datetime,
) -> None:
    """Record a chunk as finished, add its items to the job, and close the job after its last chunk.

    Runs in the chunk's own transaction. Adding to ``done`` locks the job's row first: a chunk
    finishing beside this one waits for our commit and then sees our chunk finished, so exactly
    one of them sees no pending chunk left and closes the job.
    """
    session.execute(
        update(JobChunk)
        .where(JobChunk.job_id == job_id, JobChunk.number == number)
        .values(state=state, done=done, finished_at=now)
    )
    session.execute(update(Job).where(Job.id == job_id).values(done=Job.done + done))
    current = session.execute(select(Job.errors).where(Job.id == job_id)).scalar_one() or []
    if errors:
        current = _append_errors(current, errors)
        session.execute(update(Job).where(Job.id == job_id).values(errors=current))
    pending = session.execute(
        select(func.count())
        .select_from(JobChunk)
        .where(JobChunk.job_id == job_id, JobChunk.state == "pending")
    ).scalar_one()
    if pending == 0:
        session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(state="failed" if current else "done", finished_at=now)
        )


def _append_errors(
    current: list[dict[str, Any]], new: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    merged = list(current)
    if merged and merged[-1].get("item") is None and merged[-1].get("more"):
        overflow = merged.pop()
        more = int(overflow["more"])
    else:
        more = 0
    for error in new:
        if len(merged) < MAX_ERRORS:
            merged.append(dict(error))
        else:
            more += 1
    if more:
        merged.append({"item": None, "message": f"{more} more errors", "more": more})
    return merged


def pending_chunks(session: Session, job_id: str | None = None) -> list[tuple[str, int]]:
    """(job id, chunk number) of the pending chunks of one job, or of every unfinished job."""
    query = (
        select(JobChunk.job_id, JobChunk.number)
        .join(Job, Job.id == JobChunk.job_id)
        .where(JobChunk.state == "pending", Job.state.in_(("queued", "running")))
        .order_by(Job.created_at, JobChunk.job_id, JobChunk.number)
    )
    if job_id is not None:
        query = query.where(JobChunk.job_id == job_id)
    return [(row.job_id, row.number) for row in session.execute(query)]

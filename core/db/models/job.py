"""Background jobs: the progress record of a job and the chunks its work is split into."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, JSONText, UTCDateTime

#: The states of a job (and the API's "state"): queued -> running -> done | failed.
JOB_STATES = ("queued", "running", "done", "failed")


class Job(Base):
    """Work done by the task queue for one organization, read back as progress by its owner."""

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    # The handler that runs it (core.tasks.register_handler).
    kind: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="queued")
    # Only ever changed by `UPDATE ... SET done = done + n` so that parallel chunks add up.
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer)
    # [{"item": ..., "message": ...}]: messages are safe to show to the job's owner.
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSONText(), default=list)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class JobChunk(Base):
    """One piece of a job, run by one task; finished in the transaction that did its work.

    A chunk's state moves from "pending" to "done" or "failed" in the same commit as the rows
    its work wrote and the job's counter: a task delivered twice, or retried after a crash,
    finds it finished (or rolled back to pending) and never counts its items twice.
    """

    __tablename__ = "job_chunks"

    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    # What the handler is given for this chunk (kept here, not in the queue's message).
    payload: Mapped[Any] = mapped_column(JSONText(), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # The items this chunk added to the job's `done`.
    done: Mapped[int] = mapped_column(Integer, default=0)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

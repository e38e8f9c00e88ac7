"""The task queue (Huey) and its jobs: records, handlers by kind, chunks run in parallel."""

from core.tasks.jobs import create_job, job_progress
from core.tasks.queue import TaskQueue, enqueue, make_huey, run_worker, task_queue
from core.tasks.registry import (
    Handler,
    Preparer,
    handler_for,
    register_handler,
    register_preparer,
    unregister_handler,
)
from core.tasks.runner import INTERNAL_ERROR, ChunkContext

__all__ = [
    "INTERNAL_ERROR",
    "ChunkContext",
    "Handler",
    "Preparer",
    "TaskQueue",
    "create_job",
    "enqueue",
    "handler_for",
    "job_progress",
    "make_huey",
    "register_handler",
    "register_preparer",
    "run_worker",
    "task_queue",
    "unregister_handler",
]

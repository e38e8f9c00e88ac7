"""Reading many certificate PDFs in worker processes, each capped in memory and time: a hostile
PDF (a bomb inside its object streams, input that keeps the parser busy) costs a worker, which
is killed and replaced, never the process that checks an archive. The workers share the work.

Each worker is a process of its own with its own pipe (not a multiprocessing.Pool, whose
shared queue deadlocks when a worker dies while reading from it).
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from core.documents.pdf_reading import PdfFacts, PdfUnreadable, read_pdf

K = TypeVar("K")

#: Address space of one worker: the interpreter, pyHanko, and one PDF being read.
MEMORY_BYTES = 2 << 30
#: Longest one PDF may take to read.
TIMEOUT_SECONDS = 60.0
_FAILED = "the PDF could not be read: its reader ran out of memory or stopped"


def _serve(
    conn: Connection, memory: int, trust_roots: tuple[bytes, ...], max_attachment_bytes: int
) -> None:
    """A worker: read each PDF sent, answer its facts or why it cannot be read."""
    import resource

    # What the worker allocates past ``memory`` fails with MemoryError.
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    while True:
        try:
            pdf = conn.recv_bytes()
        except (EOFError, OSError, MemoryError):
            return  # the checker is gone, or the pipe is no longer in step: stop
        try:
            outcome: Any = read_pdf(
                pdf, trust_roots=trust_roots, max_attachment_bytes=max_attachment_bytes
            )
        except PdfUnreadable as error:
            outcome = error.message
        except MemoryError:
            outcome = "the PDF needs too much memory to read"
        del pdf
        conn.send(outcome)


class _Worker:
    def __init__(self, context: Any, args: tuple[Any, ...]) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, *args), daemon=True)
        self.process.start()
        child.close()

    def kill(self) -> None:
        self.process.kill()
        self.process.join()
        self.conn.close()


class PdfPool:
    """``read(items)`` yields ``(key, PdfFacts or a message)`` in the order of ``items``, with
    one PDF in flight per worker (the archive is read as it goes)."""

    def __init__(
        self,
        trust_roots: tuple[bytes, ...],
        *,
        max_attachment_bytes: int,
        workers: int | None = None,
        timeout: float = TIMEOUT_SECONDS,
        memory: int = MEMORY_BYTES,
    ) -> None:
        self.workers = workers or min(4, os.cpu_count() or 1)
        self.timeout = timeout
        self._args = (memory, trust_roots, max_attachment_bytes)
        # spawn: a forked child would inherit the parent's threads' locks and connections.
        self._context = multiprocessing.get_context("spawn")
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()

    def close(self) -> None:
        for worker in [*self._idle, *self._busy]:
            worker.kill()
        self._idle.clear()
        self._busy.clear()

    def __enter__(self) -> PdfPool:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def read(self, items: Iterable[tuple[K, bytes]]) -> Iterator[tuple[K, PdfFacts | str]]:
        flight: deque[tuple[K, _Worker | str]] = deque()
        for key, pdf in items:
            if len(flight) >= self.workers:
                yield self._finish(flight)
            flight.append((key, self._send(pdf)))
        while flight:
            yield self._finish(flight)

    def _send(self, pdf: bytes) -> _Worker | str:
        worker = self._idle.pop() if self._idle else _Worker(self._context, self._args)
        try:
            worker.conn.send_bytes(pdf)
        except OSError:  # the worker died reading it
            worker.kill()
            return _FAILED
        self._busy.add(worker)
        return worker

    def _finish(self, flight: deque[tuple[K, _Worker | str]]) -> tuple[K, PdfFacts | str]:
        key, worker = flight.popleft()
        if isinstance(worker, str):
            return key, worker
        self._busy.discard(worker)
        try:
            if not worker.conn.poll(self.timeout):
                worker.kill()
                return key, f"the PDF took more than {self.timeout:.0f} s to read"
            outcome = worker.conn.recv()
        except (EOFError, OSError):  # the worker died (out of memory, a crash)
            worker.kill()
            return key, _FAILED
        if isinstance(outcome, PdfFacts | str):
            self._idle.append(worker)
            return key, outcome
        worker.kill()
        return key, _FAILED

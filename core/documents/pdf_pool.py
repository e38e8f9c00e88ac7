"""Reading many certificate PDFs in worker processes, each capped in memory and time: a hostile
PDF (a bomb inside its object streams, input that keeps the parser busy) costs a worker, which
is replaced, never the process that checks an archive. The workers also share the work."""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from multiprocessing.pool import AsyncResult, Pool
from typing import Any, TypeVar

from core.documents.pdf_reading import PdfFacts, PdfUnreadable, read_pdf

K = TypeVar("K")

#: Address space of one worker: the interpreter, pyHanko, and one PDF being read.
MEMORY_BYTES = 2 << 30
#: Longest one PDF may take to read.
TIMEOUT_SECONDS = 60.0


def _cap_memory(limit: int) -> None:
    """Pool initializer: what the worker allocates past ``limit`` fails with MemoryError."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _read(pdf: bytes, trust_roots: tuple[bytes, ...], max_attachment_bytes: int) -> Any:
    """Run in a worker: the PDF's facts, or why it cannot be read (a message)."""
    try:
        return read_pdf(pdf, trust_roots=trust_roots, max_attachment_bytes=max_attachment_bytes)
    except PdfUnreadable as error:
        return error.message
    except MemoryError:
        return "the PDF needs too much memory to read"


class PdfPool:
    """``read(items)`` yields ``(key, PdfFacts or a message)`` in the order of ``items``,
    with at most two PDFs per worker in flight (the archive is read as it goes)."""

    def __init__(
        self,
        trust_roots: tuple[bytes, ...],
        *,
        max_attachment_bytes: int,
        workers: int | None = None,
        timeout: float = TIMEOUT_SECONDS,
        memory: int = MEMORY_BYTES,
    ) -> None:
        self.trust_roots, self.max_attachment_bytes = trust_roots, max_attachment_bytes
        self.workers = workers or min(4, os.cpu_count() or 1)
        self.timeout, self.memory = timeout, memory
        self._pool: Pool | None = None

    def _started(self) -> Pool:
        if self._pool is None:
            # spawn: a forked child would inherit the parent's threads' locks and connections.
            context = multiprocessing.get_context("spawn")
            self._pool = context.Pool(self.workers, _cap_memory, (self.memory,))
        return self._pool

    def _submit(self, pdf: bytes) -> AsyncResult[Any]:
        args = (pdf, self.trust_roots, self.max_attachment_bytes)
        return self._started().apply_async(_read, args)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def __enter__(self) -> PdfPool:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def read(self, items: Iterable[tuple[K, bytes]]) -> Iterator[tuple[K, PdfFacts | str]]:
        flight: deque[tuple[K, bytes, AsyncResult[Any]]] = deque()
        for key, pdf in items:
            flight.append((key, pdf, self._submit(pdf)))
            if len(flight) >= 2 * self.workers:
                yield self._finish(flight)
        while flight:
            yield self._finish(flight)

    def _finish(self, flight: deque[tuple[K, bytes, AsyncResult[Any]]]) -> tuple[K, PdfFacts | str]:
        key, _pdf, pending = flight.popleft()
        try:
            outcome = pending.get(self.timeout)
        except multiprocessing.TimeoutError:
            # The worker is stuck (or died: its task never answers). Replace the workers and
            # give the others in flight to the new ones.
            self.close()
            for i, (other, pdf, _) in enumerate(list(flight)):
                flight[i] = (other, pdf, self._submit(pdf))
            return key, f"the PDF took more than {self.timeout:.0f} s to read"
        if isinstance(outcome, PdfFacts | str):
            return key, outcome
        return key, "the PDF could not be read"

"""Running the parsing of one hostile file (PDF, image) in a child process capped in memory and
time: a bomb or a parser stuck in a loop costs that child, killed and replaced, never the web
worker. One child per web process is kept warm for the next file.

The child answers JSON, never a pickle: a child taken over by its input (a memory-safety bug in
a C parser) could otherwise run code in the web worker by what it sends back.
"""

from __future__ import annotations

import json
import multiprocessing
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from core.errors import InputError

#: Address space of the child: the interpreter, its libraries, and one file being read.
MEMORY_BYTES = 1536 << 20
#: Largest answer read back from the child.
MAX_ANSWER_BYTES = 8 << 20
#: Codes a child may refuse a file with (anything else reads as unreadable_file).
_CODES = {
    "file_too_complex",
    "unreadable_file",
    "image_too_large",
    "unreadable_image",
    "pdf_too_complex",
    "pdf_unreadable",
    "unreadable_badge",
}
#: Longest one file may take to read (the time budget of a verification's parsing): a
#: certificate PDF takes some 0.15 s, a 40-megapixel photo about 1 s; what no budget above
#: foresaw holds a web worker this long at most.
TIMEOUT_SECONDS = 5.0


class FileRefused(InputError):
    """A file the child refused or could not read in its budget (message safe to show)."""

    code = "unreadable_file"


def _serve(conn: Connection, memory: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    while True:
        try:
            work, data = conn.recv()
        except (EOFError, OSError, MemoryError):
            return
        try:
            outcome: Any = ["ok", work(data)]
        except InputError as error:
            outcome = ["refused", error.code, error.message]
        except MemoryError:
            outcome = ["refused", "file_too_complex", "the file needs too much memory to read"]
        except Exception:  # any parser fault on hostile bytes: unreadable, never a crash
            outcome = ["refused", "unreadable_file", "the file could not be read"]
        del data
        try:
            conn.send_bytes(json.dumps(outcome).encode())
        except (MemoryError, TypeError, ValueError):
            return


class _Child:
    def __init__(self, memory: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, memory), daemon=True)
        self.process.start()
        child.close()

    def kill(self) -> None:
        self.process.kill()
        self.process.join()
        self.conn.close()


_idle: list[_Child] = []
_lock = threading.Lock()


def run_capped(
    work: Callable[[bytes], Any],
    data: bytes,
    *,
    timeout: float = TIMEOUT_SECONDS,
    memory: int = MEMORY_BYTES,
) -> Any:
    """``work(data)`` in a child process (``work`` a module-level function, its result made of
    JSON values); FileRefused when it raised, ran out of memory, or took over ``timeout``.
    What comes back is the child's word: the caller checks its shape."""
    with _lock:
        child = _idle.pop() if _idle else None
    if child is None or not child.process.is_alive():
        child = _Child(memory)
    try:
        child.conn.send((work, data))
        if not child.conn.poll(timeout):
            child.kill()
            raise FileRefused(
                f"the file took more than {timeout:.0f} s to read", code="file_too_complex"
            )
        outcome = json.loads(child.conn.recv_bytes(MAX_ANSWER_BYTES))
    except (EOFError, OSError, ValueError, RecursionError):
        child.kill()
        raise FileRefused(
            "the file could not be read: its reader ran out of memory or stopped",
            code="file_too_complex",
        ) from None
    with _lock:
        if len(_idle) < 2:
            _idle.append(child)
        else:
            child.kill()
    if isinstance(outcome, list) and len(outcome) == 2 and outcome[0] == "ok":
        return outcome[1]
    if isinstance(outcome, list) and len(outcome) == 3 and outcome[1] in _CODES:
        raise FileRefused(str(outcome[2])[:300], code=str(outcome[1]))
    raise FileRefused("the file could not be read", code="unreadable_file")

"""Running the parsing of one hostile file (PDF, image) in a child process capped in memory and
time: a bomb or a parser stuck in a loop costs that child, killed and replaced, never the web
worker. One child per web process is kept warm for the next file."""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from core.errors import InputError

#: Address space of the child: the interpreter, its libraries, and one file being read.
MEMORY_BYTES = 1536 << 20
#: Longest one file may take to read (the time budget of a verification's parsing).
TIMEOUT_SECONDS = 10.0


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
            outcome: Any = ("ok", work(data))
        except InputError as error:
            outcome = ("refused", error.code, error.message)
        except MemoryError:
            outcome = ("refused", "file_too_complex", "the file needs too much memory to read")
        except Exception:  # any parser fault on hostile bytes: unreadable, never a crash
            outcome = ("refused", "unreadable_file", "the file could not be read")
        del data
        try:
            conn.send(outcome)
        except MemoryError:
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
    """``work(data)`` in a child process (``work`` a module-level function, its result
    picklable); FileRefused when it raised, ran out of memory, or took over ``timeout``."""
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
        outcome = child.conn.recv()
    except (EOFError, OSError, BrokenPipeError):
        child.kill()
        raise FileRefused(
            "the file could not be read: its reader ran out of memory or stopped",
            code="file_too_complex",
        ) from None
    with _lock:
        _idle.append(child)
    if outcome[0] == "refused":
        raise FileRefused(outcome[2], code=outcome[1])
    return outcome[1]

"""Job handlers by kind: each blueprint registers its own at import; core never imports them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.tasks.runner import ChunkContext
    from core.unit_of_work import Runtime

#: A handler does one chunk of a job: handler(ctx, payload), in the unit of work ctx.deps.
Handler = Callable[["ChunkContext", Any], None]

#: A preparer does a chunk's slow work before its unit of work opens, so that it holds no
#: write lock (SQLite has one for the whole database): preparer(runtime, organization_id,
#: payload) -> what the handler then finds in ``ctx.prepared``. It must not write to the
#: database; the handler records the result.
Preparer = Callable[["Runtime", int, Any], Any]

_HANDLERS: dict[str, Handler] = {}
_PREPARERS: dict[str, Preparer] = {}


def register_handler(kind: str, handler: Handler) -> None:
    """Make ``handler`` run the chunks of jobs of ``kind`` (call it when the module is imported).

    Registering another function for a kind that has one is a programming error: two blueprints
    would be fighting over the same jobs.
    """
    current = _HANDLERS.get(kind)
    if current is not None and current is not handler:
        raise ValueError(f"job kind {kind!r} already has a handler")
    _HANDLERS[kind] = handler


def unregister_handler(kind: str) -> None:
    """Forget the handler of ``kind`` (tests that register their own)."""
    _HANDLERS.pop(kind, None)
    _PREPARERS.pop(kind, None)


def register_preparer(kind: str, preparer: Preparer) -> None:
    """Run ``preparer`` before each chunk of ``kind`` opens its unit of work (see Preparer)."""
    current = _PREPARERS.get(kind)
    if current is not None and current is not preparer:
        raise ValueError(f"job kind {kind!r} already has a preparer")
    _PREPARERS[kind] = preparer


def preparer_for(kind: str) -> Preparer | None:
    """The preparer registered for ``kind`` in this process, if any."""
    return _PREPARERS.get(kind)


def handler_for(kind: str) -> Handler | None:
    """The handler registered for ``kind`` in this process, if any."""
    return _HANDLERS.get(kind)

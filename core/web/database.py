"""One SQLAlchemy session per request, and the request's single commit: the unit of work
commits when the view's answer is a success (or a refusal it must remember), then runs the
side effects queued for after the commit."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g
from sqlalchemy.orm import Session, sessionmaker

from core.clock import SystemClock
from core.deps import Deps
from core.errors import RecordedRefusal, SceauError
from core.keys.cipher import KeyCipher
from core.settings import Settings

View = TypeVar("View", bound=Callable[..., Any])
log = logging.getLogger("sceau.web")


def read_only(view: View) -> View:
    """Mark a view that never writes: its session does not take SQLite's write lock."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        g.sceau_read_only = True
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def init_database(
    app: Flask,
    settings: Settings,
    factory: sessionmaker[Session],
    read_factory: sessionmaker[Session] | None = None,
) -> None:
    """Bind the session factories; roll back whatever a request did not commit."""
    app.extensions["sceau"] = {
        "settings": settings,
        "sessions": factory,
        "read_sessions": read_factory or factory,
        "cipher": KeyCipher(settings.master_key),
        "clock": SystemClock(),
    }

    @app.after_request
    def commit_unit_of_work(response: Response) -> Response:
        # The one commit point of a request. Error answers (domain errors mapped to 4xx, any
        # 5xx) roll back in teardown; a view answering 4xx on purpose keeps its writes only
        # with keep_on_refusal(). A failed commit raises here and becomes the 500 envelope.
        session = g.get("db_session")
        kept = response.status_code < 400 and not g.get("sceau_discard", False)
        committed = session is not None and (kept or g.get("sceau_keep_on_refusal", False))
        if committed:
            session.commit()
        for effect in g.pop("sceau_after_commit", []) if committed or session is None else []:
            try:
                effect()
            except Exception:  # the request's work is committed: report, do not undo
                log.exception("a side effect after the commit failed")
        return response

    @app.teardown_appcontext
    def close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.rollback()
            session.close()


def settings() -> Settings:
    """The application's settings."""
    value: Settings = current_app.extensions["sceau"]["settings"]
    return value


def deps() -> Deps:
    """The Deps of the current request, with its (lazily opened) session."""
    ext = current_app.extensions["sceau"]
    if "db_session" not in g:
        factory = ext["read_sessions"] if g.get("sceau_read_only") else ext["sessions"]
        g.db_session = factory()
    return Deps(
        session=g.db_session, settings=ext["settings"], clock=ext["clock"], cipher=ext["cipher"]
    )


def writing_deps() -> Deps:
    """Turn a read-only request into one that writes: a resource made the first time it is
    asked for (a baked badge). The read session ends and a session that may write (on SQLite,
    one that takes the write lock) takes its place; the request commits it as any other.
    Rows loaded through the read session are detached: load them again."""
    session = g.pop("db_session", None)
    if session is not None:
        session.rollback()
        session.close()
    g.sceau_read_only = False
    return deps()


def keep_on_refusal() -> None:
    """Commit this request's writes although it answers 4xx: a refusal that must be remembered
    (a failed sign-in counts toward the lockout, and a rollback would forget it)."""
    g.sceau_keep_on_refusal = True


def refused(error: SceauError) -> None:
    """The view answers a service's refusal itself (a page with the reason, a redirect): what
    the use case wrote before refusing is discarded, but for a RecordedRefusal's bookkeeping."""
    if isinstance(error, RecordedRefusal):
        keep_on_refusal()
    else:
        g.sceau_discard = True


def after_commit(effect: Callable[[], object]) -> None:
    """Run ``effect`` once the request's unit of work has committed (queue a job, send a
    mail): never before, so a worker never looks for rows that are not there yet, and never
    when the request fails."""
    g.setdefault("sceau_after_commit", []).append(effect)

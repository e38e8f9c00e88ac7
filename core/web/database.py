"""One SQLAlchemy session per request, and the request's single commit."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, g
from sqlalchemy.orm import Session, sessionmaker

from core.clock import SystemClock
from core.deps import Deps
from core.keys.cipher import KeyCipher
from core.settings import Settings

View = TypeVar("View", bound=Callable[..., Any])


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


def commit() -> None:
    """The one commit of a request, called by the view after its service returns."""
    if "db_session" in g:
        g.db_session.commit()

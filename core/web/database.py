"""One SQLAlchemy session per request, and the request's single commit."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session, sessionmaker

from core.clock import SystemClock
from core.deps import Deps
from core.keys.cipher import KeyCipher
from core.settings import Settings


def init_database(app: Flask, settings: Settings, factory: sessionmaker[Session]) -> None:
    """Bind the session factory; roll back whatever a request did not commit."""
    app.extensions["sceau"] = {
        "settings": settings,
        "sessions": factory,
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
        g.db_session = ext["sessions"]()
    return Deps(
        session=g.db_session, settings=ext["settings"], clock=ext["clock"], cipher=ext["cipher"]
    )


def commit() -> None:
    """The one commit of a request, called by the view after its service returns."""
    if "db_session" in g:
        g.db_session.commit()

"""A unit of work outside a request (CLI commands, jobs, benchmarks): one session, one commit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.clock import Clock, SystemClock
from core.db.engine import make_engine, make_session_factory
from core.deps import Deps
from core.keys.cipher import KeyCipher
from core.settings import Settings


class Runtime:
    """Engine and session factory for one process, built once from the settings."""

    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.engine: Engine = make_engine(settings.database_url)
        self.sessions: sessionmaker[Session] = make_session_factory(self.engine)
        self.read_sessions: sessionmaker[Session] = make_session_factory(
            self.engine, read_only=True
        )
        self.cipher = KeyCipher(settings.master_key)

    def close(self) -> None:
        """Close the pooled connections (a CLI command ends, a test finishes)."""
        self.engine.dispose()

    def __enter__(self) -> Runtime:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @contextmanager
    def reading(self) -> Iterator[Deps]:
        """Yield Deps on a read-only session that never commits (work done outside any write
        transaction, such as a job's preparer)."""
        session = self.read_sessions()
        try:
            yield Deps(
                session=session, settings=self.settings, clock=self.clock, cipher=self.cipher
            )
        finally:
            session.rollback()
            session.close()

    @contextmanager
    def unit(self) -> Iterator[Deps]:
        """Yield Deps; commit once if the block succeeds, roll back otherwise."""
        session = self.sessions()
        try:
            yield Deps(
                session=session, settings=self.settings, clock=self.clock, cipher=self.cipher
            )
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

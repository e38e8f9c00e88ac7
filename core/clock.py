"""The clock passed to services and the verifier, so that tests can fix the time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Anything that tells the current UTC time."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real clock, in UTC, to the second (credentials carry whole seconds)."""

    def now(self) -> datetime:
        return datetime.now(UTC).replace(microsecond=0)


class FixedClock:
    """A clock stopped at one instant (tests)."""

    def __init__(self, instant: datetime) -> None:
        self.instant = instant

    def now(self) -> datetime:
        return self.instant


def isoformat_z(instant: datetime) -> str:
    """Format an aware datetime as the `YYYY-MM-DDTHH:MM:SSZ` form that credentials carry."""
    return instant.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")

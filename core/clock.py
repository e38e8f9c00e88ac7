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


def parse_instant(value: object, *, naive_is_utc: bool = True) -> datetime:
    """An aware datetime from an RFC 3339 / ISO 8601 string or a POSIX timestamp.

    Raises ValueError (OverflowError or OSError for timestamps out of range) for anything else,
    and for a date-time without a time zone unless ``naive_is_utc``.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    if not isinstance(value, str) or len(value) > 64:
        raise ValueError("not a date")
    instant = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    if instant.tzinfo is not None:
        return instant
    if not naive_is_utc:
        raise ValueError("a date-time without a time zone")
    return instant.replace(tzinfo=UTC)

"""What every use case receives: the unit of work's session, the settings, the clock and keys."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from core.clock import Clock
from core.keys.cipher import KeyCipher
from core.settings import Settings


@dataclass(frozen=True)
class Deps:
    """Passed explicitly to services; they flush through ``session`` and never commit."""

    session: Session
    settings: Settings
    clock: Clock
    cipher: KeyCipher

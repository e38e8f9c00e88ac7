"""A certification program: the OB Achievement that credentials award."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, JSONText, UTCDateTime


class Program(Base):
    """An achievement definition, served at <base>/achievements/<org>/<code>."""

    __tablename__ = "programs"
    __table_args__ = (UniqueConstraint("organization_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(300))
    # The OB Achievement properties other than id/type (description, criteria, alignment, ...).
    definition: Mapped[dict[str, Any]] = mapped_column(JSONText())
    validity_days: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

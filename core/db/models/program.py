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
    # The number of the current ProgramVersion (name, definition and validity above are its).
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    # Document options, not part of what is awarded (so no new version):
    # {"language": "fr"|"en", "showResults": bool}.
    document_options: Mapped[dict[str, Any] | None] = mapped_column(JSONText())


class ProgramVersion(Base):
    """One version of a program: what it awards, how it is assessed, who may sit it.

    Versions are never changed: an edit adds one, and results keep the version they were
    computed with.
    """

    __tablename__ = "program_versions"
    __table_args__ = (UniqueConstraint("program_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    # The OB Achievement properties, as Program.definition holds those of the current version.
    definition: Mapped[dict[str, Any]] = mapped_column(JSONText())
    # core.workflow.schemes forms; None for a program without an evaluation scheme.
    scheme: Mapped[dict[str, Any] | None] = mapped_column(JSONText())
    eligibility: Mapped[dict[str, Any] | None] = mapped_column(JSONText())
    validity_days: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(200))

"""Bitstring status lists of an organization and the indexes allocated in them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, JSONText, UTCDateTime


class StatusList(Base):
    """One list, published at <base>/status/<org>/<number> as a signed credential."""

    __tablename__ = "status_lists"
    __table_args__ = (UniqueConstraint("organization_id", "purpose", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(32))
    number: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    full: Mapped[bool] = mapped_column(Boolean, default=False)
    # The signed BitstringStatusListCredential, re-signed whenever a bit changes.
    signed_credential: Mapped[dict[str, Any] | None] = mapped_column(JSONText())
    etag: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StatusEntry(Base):
    """An allocated index: the primary key makes two issuers unable to take the same one."""

    __tablename__ = "status_entries"

    status_list_id: Mapped[int] = mapped_column(ForeignKey("status_lists.id"), primary_key=True)
    status_index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    credential_id: Mapped[str] = mapped_column(String(36), unique=True)

"""Staff members of a certification body and their personal API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db.base import Base, UTCDateTime
from core.db.models.organization import Organization


class StaffMember(Base):
    """A person working for one organization, with one role (core.accounts.principal.Role)."""

    __tablename__ = "staff_members"
    __table_args__ = (UniqueConstraint("organization_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    email: Mapped[str] = mapped_column(String(320))  # stored lowercased
    name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    # argon2id; None until the member follows their one-time setup link.
    password_hash: Mapped[str | None] = mapped_column(String(200))
    # The TOTP secret encrypted under the master key, and the last time step used (a code
    # works once).
    totp_secret: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    # SHA-256 of the one-time setup token, and when it stops working.
    setup_token_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    setup_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organization: Mapped[Organization] = relationship()


class StaffToken(Base):
    """A personal API token: acts as its staff member, with their role. Stored hashed."""

    __tablename__ = "staff_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_members.id"), index=True)
    # The token's public part, to find the row without a scan.
    lookup: Mapped[str] = mapped_column(String(32), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    staff: Mapped[StaffMember] = relationship()

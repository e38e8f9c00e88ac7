"""Signing keys of an organization; private parts are encrypted with SCEAU_MASTER_KEY."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, UTCDateTime

ED25519 = "Ed25519"
P256 = "P-256"

ACTIVE = "active"
RETIRED = "retired"
COMPROMISED = "compromised"


class SigningKey(Base):
    """One key pair. Rotation retires keys but keeps them in the DID document (a retired key
    proves only what was signed before ``retired_at``); a compromised key is withdrawn."""

    __tablename__ = "signing_keys"
    __table_args__ = (UniqueConstraint("organization_id", "kid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    # The fragment of the verification method id: did#<kid>.
    kid: Mapped[str] = mapped_column(String(128))
    algorithm: Mapped[str] = mapped_column(String(16))
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    private_key_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default=ACTIVE)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    compromised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

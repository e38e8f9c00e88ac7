"""The certification body (tenant) and its API keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db.base import Base, UTCDateTime


class Organization(Base):
    """A certification body: its identity on the web is did:web:<host>:issuers:<slug>."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # A random token changed by every rotation or compromise of the keys: caches of decrypted
    # private keys are keyed by it, so no process keeps signing with a key that was replaced.
    key_version: Mapped[str] = mapped_column(String(32), default="")
    # The mentions a certificate must carry: legal identifiers and who signs for the body.
    legal_name: Mapped[str | None] = mapped_column(String(300))
    siret: Mapped[str | None] = mapped_column(String(14))
    # Numéro de déclaration d'activité (training bodies) or another registration number.
    nda: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(Text)
    signatory_name: Mapped[str | None] = mapped_column(String(200))
    signatory_role: Mapped[str | None] = mapped_column(String(200))
    # The language of certificates and mails when a program does not say ("fr" or "en").
    language: Mapped[str] = mapped_column(String(5), default="fr")

    api_keys: Mapped[list[ApiKey]] = relationship(back_populates="organization")


class ApiKey(Base):
    """A bearer key for the issuer API. Only a hash is stored; the clear key is shown once."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    # The first characters of the key, stored in clear to find the row without a scan.
    prefix: Mapped[str] = mapped_column(String(32), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(100), default="default")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organization: Mapped[Organization] = relationship(back_populates="api_keys")

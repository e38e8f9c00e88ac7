"""Documents Sceau produces (archived with their SHA-256), seal certificates and templates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, UTCDateTime

#: The kinds of archived documents.
CERTIFICATE_PDF = "certificate_pdf"
BADGE_PNG = "badge_png"
BADGE_SVG = "badge_svg"
JURY_MINUTES = "jury_minutes"
ANNUAL_REPORT = "annual_report"
PROGRAM_IMAGE = "program_image"
ORGANIZATION_IMAGE = "organization_image"


class Document(Base):
    """One file in the archive: where it is stored, and the SHA-256 it must still have.

    A credential has at most one document of each kind (the first one made is the one served
    for good); session and report documents are kept one per generation.
    """

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("credential_id", "kind"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    credential_id: Mapped[str | None] = mapped_column(String(36), index=True)
    exam_session_id: Mapped[str | None] = mapped_column(String(36), index=True)
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id"), index=True)
    media_type: Mapped[str] = mapped_column(String(100))
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    # The key under which the archive store keeps the bytes (core.documents.archive).
    storage_key: Mapped[str] = mapped_column(String(300), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Set when staff delete a document past its retention period (the row stays as a record).
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


#: Roles of seal certificates: the instance's own CA, and an organization's seal.
SEAL_CA = "ca"
SEAL = "seal"


class SealCertificate(Base):
    """An X.509 certificate and its P-256 key (encrypted with SCEAU_MASTER_KEY) for PAdES seals.

    ``organization_id`` None is the instance's own certification authority, which issues the
    non-qualified seal certificate of each body; an imported certificate from a trust service
    provider (``qualified``) replaces it as the body's active seal.
    """

    __tablename__ = "seal_certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    role: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(500))
    certificate_der: Mapped[bytes] = mapped_column(LargeBinary)
    # The issuers' certificates up to the root, concatenated PEM.
    chain_pem: Mapped[str] = mapped_column(Text, default="")
    private_key_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    qualified: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    not_after: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CertificateTemplate(Base):
    """An HTML/CSS certificate template of a program (or the body's default when program_id is
    None). Versions are kept; the active one renders new certificates."""

    __tablename__ = "certificate_templates"
    __table_args__ = (UniqueConstraint("organization_id", "program_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    html: Mapped[str] = mapped_column(Text)
    css: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(200))


#: Delivery states of a credential's e-mail.
DELIVERY_QUEUED = "queued"
DELIVERY_SENT = "sent"
DELIVERY_FAILED = "failed"


class Delivery(Base):
    """The e-mail that tells a holder their certificate is issued: its state and last error."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    credential_id: Mapped[str] = mapped_column(String(36), index=True)
    channel: Mapped[str] = mapped_column(String(16), default="email")
    recipient: Mapped[str] = mapped_column(String(320))
    state: Mapped[str] = mapped_column(String(16), default=DELIVERY_QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # The Message-ID header of the mail sent (or written to the outbox).
    message_id: Mapped[str | None] = mapped_column(String(300))
    # The file name of the mail in the outbox folder when no SMTP server is set: the back
    # office lists a body's outbox from these rows, never from the folder (migration 0007).
    outbox_file: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

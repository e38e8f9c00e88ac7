"""An issued credential: the signed JSON, its VC-JWT, status index and revocation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, JSONText, UTCDateTime


class Credential(Base):
    """The credential as issued; ``document`` is the exact signed JSON we serve."""

    __tablename__ = "credentials"
    __table_args__ = (UniqueConstraint("organization_id", "idempotency_key"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the UUID of /c/<uuid>
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id"), index=True)
    recipient_email: Mapped[str] = mapped_column(String(320))
    recipient_name: Mapped[str | None] = mapped_column(String(300))
    achievement_name: Mapped[str] = mapped_column(String(300))
    document: Mapped[dict[str, Any]] = mapped_column(JSONText())
    jwt: Mapped[str] = mapped_column(Text)
    status_list_id: Mapped[int] = mapped_column(ForeignKey("status_lists.id"), index=True)
    status_index: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    # SHA-256 of the canonical request: a reused Idempotency-Key with another body is refused.
    request_hash: Mapped[str | None] = mapped_column(String(64))
    # The key ids (DID URL fragments) of its Data Integrity proof and of its VC-JWT: what a
    # compromised key signed is listed for re-issue.
    proof_kid: Mapped[str | None] = mapped_column(String(128))
    jwt_kid: Mapped[str | None] = mapped_column(String(128))
    # Issued by a session's sign-off: the enrollment it decides and the program version its
    # results were computed with.
    # (A corrected credential keeps the enrollment of the one it replaces.)
    enrollment_id: Mapped[str | None] = mapped_column(String(36), index=True)
    program_version_id: Mapped[int | None] = mapped_column(ForeignKey("program_versions.id"))
    # A correct-and-reissue: the credential this one replaces (revoked as superseded by it).
    replaces_id: Mapped[str | None] = mapped_column(String(36))

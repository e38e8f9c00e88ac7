"""The certification workflow: exam sessions, candidates, their enrollments and grades."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db.base import Base, DecimalText, JSONText, UTCDateTime
from core.db.models.accounts import StaffMember
from core.db.models.program import Program, ProgramVersion

#: The evaluators assigned to a session; none means any evaluator of the organization.
session_evaluators = Table(
    "exam_session_evaluators",
    Base.metadata,
    Column("session_id", ForeignKey("exam_sessions.id"), primary_key=True),
    Column("staff_id", ForeignKey("staff_members.id"), primary_key=True),
)


class ExamSession(Base):
    """An exam session of one program version ("Session" already names two other things)."""

    __tablename__ = "exam_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    program_version_id: Mapped[int] = mapped_column(ForeignKey("program_versions.id"))
    name: Mapped[str] = mapped_column(String(300))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(300))
    capacity: Mapped[int | None] = mapped_column(Integer)
    # open -> proposed -> approved -> signing -> signed (core.workflow.decisions)
    state: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(200))
    proposed_by: Mapped[int | None] = mapped_column(ForeignKey("staff_members.id"))
    proposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("staff_members.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    signed_by: Mapped[int | None] = mapped_column(ForeignKey("staff_members.id"))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The issuing job started by the signature (core.tasks).
    job_id: Mapped[str | None] = mapped_column(String(36))

    program: Mapped[Program] = relationship()
    program_version: Mapped[ProgramVersion] = relationship()
    evaluators: Mapped[list[StaffMember]] = relationship(secondary=session_evaluators)


class Candidate(Base):
    """A person who sits exams of one organization, with the identity the CPF declaration
    needs."""

    __tablename__ = "candidates"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    family_name: Mapped[str] = mapped_column(String(200))  # the birth name
    usage_name: Mapped[str | None] = mapped_column(String(200))
    given_names: Mapped[str] = mapped_column(String(300))  # up to three, space separated
    birth_date: Mapped[date] = mapped_column(Date)
    email: Mapped[str] = mapped_column(String(320), index=True)  # stored lowercased
    sex: Mapped[str | None] = mapped_column(String(1))  # M or F, as the CPF records it
    birth_place_insee: Mapped[str | None] = mapped_column(String(5))  # commune, or 99xxx
    birth_postal_code: Mapped[str | None] = mapped_column(String(5))
    birth_country: Mapped[str | None] = mapped_column(String(100))
    # The postal address certificates are sent to (the address list of postal delivery).
    address_line1: Mapped[str | None] = mapped_column(String(200))
    address_line2: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str | None] = mapped_column(String(16))
    city: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    @property
    def display_name(self) -> str:
        """Given names and the name in use, as a certificate prints them."""
        return f"{self.given_names} {self.usage_name or self.family_name}"


class Enrollment(Base):
    """A candidate's file in one session: eligibility, grades, and the decision."""

    __tablename__ = "enrollments"
    __table_args__ = (UniqueConstraint("session_id", "candidate_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("exam_sessions.id"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    access_route: Mapped[str | None] = mapped_column(String(40))
    # registered -> proposed -> approved -> issued (-> revoked)
    state: Mapped[str] = mapped_column(String(20), default="registered")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Eligibility as recorded by staff, and what Sceau computed from it.
    identity_checked: Mapped[bool | None] = mapped_column(Boolean)
    identity_document: Mapped[str | None] = mapped_column(String(200))
    prerequisites_met: Mapped[list[bool] | None] = mapped_column(JSONText())
    attendance_percent: Mapped[Decimal | None] = mapped_column(DecimalText())
    file_complete: Mapped[bool | None] = mapped_column(Boolean)
    eligible: Mapped[bool | None] = mapped_column(Boolean)
    eligibility_reasons: Mapped[list[str] | None] = mapped_column(JSONText())
    eligibility_override: Mapped[str | None] = mapped_column(Text)  # the justification
    eligibility_by: Mapped[str | None] = mapped_column(String(200))
    eligibility_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The decision, stored when the session's results are proposed (with its program version).
    decision: Mapped[dict[str, Any] | None] = mapped_column(JSONText())
    credential_id: Mapped[str | None] = mapped_column(String(36))
    # A recertification names the credential it renews.
    renews_credential_id: Mapped[str | None] = mapped_column(String(36))

    candidate: Mapped[Candidate] = relationship()
    session: Mapped[ExamSession] = relationship()


class Grade(Base):
    """One score of one assessment for one enrollment: marking 1, or a second marking."""

    __tablename__ = "grades"
    __table_args__ = (UniqueConstraint("enrollment_id", "assessment_code", "marking"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[str] = mapped_column(ForeignKey("enrollments.id"), index=True)
    assessment_code: Mapped[str] = mapped_column(String(64))
    marking: Mapped[int] = mapped_column(Integer, default=1)
    score: Mapped[Decimal | None] = mapped_column(DecimalText())  # None when absent
    absent: Mapped[bool] = mapped_column(Boolean, default=False)
    entered_by: Mapped[str] = mapped_column(String(200))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # A second marking's gap is settled once marking 1 is entered again after it.
    settled: Mapped[bool] = mapped_column(Boolean, default=False)

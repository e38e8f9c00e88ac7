"""All models, imported here so that metadata and Alembic see every table."""

from core.db.models.accounts import StaffMember, StaffToken
from core.db.models.audit import AuditEvent, AuditHead
from core.db.models.credential import Credential
from core.db.models.document import (
    CertificateTemplate,
    Delivery,
    Document,
    SealCertificate,
)
from core.db.models.job import Job, JobChunk
from core.db.models.keys import SigningKey
from core.db.models.organization import ApiKey, Organization
from core.db.models.program import Program, ProgramVersion
from core.db.models.status import StatusEntry, StatusList
from core.db.models.workflow import Candidate, Enrollment, ExamSession, Grade, session_evaluators

__all__ = [
    "ApiKey",
    "AuditEvent",
    "AuditHead",
    "Candidate",
    "CertificateTemplate",
    "Credential",
    "Delivery",
    "Document",
    "Enrollment",
    "ExamSession",
    "Grade",
    "Job",
    "JobChunk",
    "Organization",
    "Program",
    "ProgramVersion",
    "SealCertificate",
    "SigningKey",
    "StaffMember",
    "StaffToken",
    "StatusEntry",
    "StatusList",
    "session_evaluators",
]

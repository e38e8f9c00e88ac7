"""All models, imported here so that metadata and Alembic see every table."""

from core.db.models.audit import AuditEvent, AuditHead
from core.db.models.credential import Credential
from core.db.models.job import Job, JobChunk
from core.db.models.keys import SigningKey
from core.db.models.organization import ApiKey, Organization
from core.db.models.program import Program, ProgramVersion
from core.db.models.status import StatusEntry, StatusList

__all__ = [
    "ApiKey",
    "AuditEvent",
    "AuditHead",
    "Credential",
    "Job",
    "JobChunk",
    "Organization",
    "Program",
    "ProgramVersion",
    "SigningKey",
    "StatusEntry",
    "StatusList",
]

"""What of the database belongs to an exam session's archive: its credentials, its audit
events, its jury minutes, its deleted documents, and the certificates still being made."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Any

from sqlalchemy import ScalarResult, Select, and_, exists, or_, select
from sqlalchemy.orm import Session

from core.db.models import (
    AuditEvent,
    Credential,
    Document,
    Enrollment,
    ExamSession,
    Job,
    JobChunk,
    Organization,
)
from core.db.models.document import CERTIFICATE_PDF, JURY_MINUTES
from core.documents.bulk import JOB_KIND as DOCUMENTS_JOB

#: Rows read from the database at a time: a session of thousands of certificates streams.
_BATCH = 200


def _closing(rows: ScalarResult[Any]) -> Iterator[Any]:
    """The rows, and their cursor closed as soon as the reader stops, finished or not (a
    server-side cursor left to the garbage collector holds its connection until then)."""
    try:
        yield from rows
    finally:
        rows.close()


def enrollment_ids(session: ExamSession) -> Select[Any]:
    """The ids of the session's files (enrollments)."""
    return select(Enrollment.id).where(Enrollment.session_id == session.id)


def credential_ids(session: ExamSession) -> Select[Any]:
    """The ids of the credentials issued for the session's files."""
    return select(Credential.id).where(Credential.enrollment_id.in_(enrollment_ids(session)))


def session_credentials(db: Session, session: ExamSession) -> Generator[Credential, None, None]:
    """Every credential issued for the session's files (revoked and replaced ones included),
    oldest first, read in batches."""
    query = (
        select(Credential)
        .where(
            Credential.organization_id == session.organization_id,
            Credential.enrollment_id.in_(enrollment_ids(session)),
        )
        .order_by(Credential.issued_at, Credential.id)
        .execution_options(yield_per=_BATCH)
    )
    yield from _closing(db.scalars(query))


def _session_event_filter(org: Organization, session: ExamSession) -> Any:
    """The session's audit events: those of its body whose subject is the session, one of its
    files (enrollments), their credentials, or the documents of either."""
    documents = select(Document.id).where(
        or_(
            Document.exam_session_id == session.id,
            Document.credential_id.in_(credential_ids(session)),
        )
    )
    return and_(
        AuditEvent.organization_slug == org.slug,
        or_(
            AuditEvent.subject == session.id,
            AuditEvent.subject.in_(enrollment_ids(session)),
            AuditEvent.subject.in_(credential_ids(session)),
            AuditEvent.subject.in_(documents),
        ),
    )


def session_events(
    db: Session, org: Organization, session: ExamSession
) -> Generator[AuditEvent, None, None]:
    """The session's audit events, oldest first."""
    query = (
        select(AuditEvent)
        .where(_session_event_filter(org, session))
        .order_by(AuditEvent.seq)
        .execution_options(yield_per=1000)
    )
    yield from _closing(db.scalars(query))


def session_event_seqs(
    db: Session, org: Organization, session: ExamSession, up_to: int
) -> Iterator[int]:
    """The sequence numbers of the session's audit events up to event ``up_to``."""
    query = (
        select(AuditEvent.seq)
        .where(_session_event_filter(org, session), AuditEvent.seq <= up_to)
        .order_by(AuditEvent.seq)
        .execution_options(yield_per=5000)
    )
    yield from _closing(db.scalars(query))


def jury_minutes(db: Session, session: ExamSession) -> list[Document]:
    """The session's jury minutes still archived, oldest first."""
    return list(
        db.scalars(
            select(Document)
            .where(
                Document.exam_session_id == session.id,
                Document.kind == JURY_MINUTES,
                Document.deleted_at.is_(None),
            )
            .order_by(Document.created_at, Document.id)
        )
    )


def deleted_documents(db: Session, session: ExamSession) -> list[Document]:
    """The documents of the session and of its credentials deleted after their retention."""
    return list(
        db.scalars(
            select(Document)
            .where(
                or_(
                    Document.exam_session_id == session.id,
                    Document.credential_id.in_(credential_ids(session)),
                ),
                Document.deleted_at.is_not(None),
            )
            .order_by(Document.created_at, Document.id)
        )
    )


def certificates_being_made(db: Session, session: ExamSession) -> list[str]:
    """The documents jobs still making a certificate PDF of the session (their ids): an
    export made meanwhile would make the same PDFs a second time, in a transaction that
    could deadlock with theirs."""
    has_pdf = exists().where(
        Document.credential_id == Credential.id, Document.kind == CERTIFICATE_PDF
    )
    missing = set(db.scalars(credential_ids(session).where(~has_pdf)))
    if not missing:
        return []
    chunks = db.execute(
        select(JobChunk.job_id, JobChunk.payload)
        .join(Job, Job.id == JobChunk.job_id)
        .where(
            Job.organization_id == session.organization_id,
            Job.kind == DOCUMENTS_JOB,
            JobChunk.state == "pending",
        )
    )
    return sorted(
        {
            job_id
            for job_id, payload in chunks
            if isinstance(payload, dict) and missing & set(payload.get("credentials") or [])
        }
    )

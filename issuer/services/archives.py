"""A session's archive for an audit (who may export it), and the documents past their
retention period: listed for an administrator to delete, never removed silently."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from sqlalchemy import Select, select

from core.accounts.principal import Action, Principal
from core.audit.log import record
from core.clock import isoformat_z
from core.db.models import Document, Organization
from core.deps import Deps
from core.documents.archive import archive_store
from core.documents.session_archive import ArchiveSummary, write_session_archive
from core.documents.session_records import certificates_being_made
from core.errors import Conflict, InputError, NotFound
from issuer.services.paging import Page, page_of
from issuer.services.sessions import organization_of, session_access

#: Most documents deleted by one request (the page's table shows fewer).
MAX_DELETE = 500


def export_session_archive(
    deps: Deps, principal: Principal, session_id: str, out: IO[bytes]
) -> ArchiveSummary:
    """Write the session's archive (a ZIP) to ``out``. Another body's session is not found;
    the archive holds the session's audit events, so only who may read the audit log (an
    administrator or an auditor) may export it. While the documents job still makes the
    session's certificates, the export waits for it (Conflict)."""
    session = session_access(deps, principal, session_id, Action.FOLLOW)
    principal.require(Action.READ_AUDIT)
    jobs = certificates_being_made(deps.session, session)
    if jobs:
        raise Conflict(
            "the session's certificates are still being made: export the archive once the "
            f"documents job is done (GET /api/v1/jobs/{jobs[0]})",
            code="documents_pending",
            problems=[{"path": "job", "message": job} for job in jobs],
        )
    return write_session_archive(deps, archive_store(deps.settings), session, out)


def retention_cutoff(deps: Deps) -> datetime:
    """Documents made before this instant are past SCEAU_ARCHIVE_RETENTION_YEARS."""
    now = deps.clock.now()
    year = now.year - deps.settings.archive_retention_years
    if year < 1:
        return datetime.min.replace(tzinfo=now.tzinfo)
    # 29 February, years later, is the 28th when that year has no 29th.
    day = min(now.day, calendar.monthrange(year, now.month)[1])
    return now.replace(year=year, day=day)


def _expired(deps: Deps, org: Organization) -> Select[Any]:
    return (
        select(Document)
        .where(
            Document.organization_id == org.id,
            Document.deleted_at.is_(None),
            Document.created_at < retention_cutoff(deps),
        )
        .order_by(Document.created_at, Document.id)
    )


def expired_documents(deps: Deps, org: Organization) -> list[Document]:
    """The body's archived documents past the retention period, oldest first: a list for
    someone to decide on (``delete_documents``); nothing is removed here."""
    return list(deps.session.scalars(_expired(deps, org)))


def document_json(row: Document) -> dict[str, Any]:
    """How the command line and the page describe an archived document."""
    return {
        "id": row.id,
        "kind": row.kind,
        "filename": row.filename,
        "mediaType": row.media_type,
        "size": row.size,
        "sha256": row.sha256,
        "credential": row.credential_id,
        "session": row.exam_session_id,
        "createdAt": isoformat_z(row.created_at),
    }


@dataclass(frozen=True)
class RetentionPage:
    """The page of documents past retention, and the rule that put them there."""

    documents: Page[Any]
    years: int
    cutoff: datetime


def retention_page(deps: Deps, principal: Principal, page: int = 1) -> RetentionPage:
    """An administrator's list of the body's documents past their retention period."""
    principal.require(Action.MANAGE_ARCHIVE)
    org = organization_of(deps, principal)
    found = page_of(deps, _expired(deps, org), page, size=100)
    return RetentionPage(found, deps.settings.archive_retention_years, retention_cutoff(deps))


def delete_documents(deps: Deps, principal: Principal, document_ids: list[str]) -> list[str]:
    """Mark the documents deleted (the rows stay, as the record of what was kept and until
    when) and audit each; return the storage keys whose bytes the caller removes once this is
    committed. All or nothing: another body's or an unknown document is not found, one still
    within its retention period is refused."""
    principal.require(Action.MANAGE_ARCHIVE)
    wanted = list(dict.fromkeys(document_ids))
    if not wanted or len(wanted) > MAX_DELETE or any(len(i) > 36 for i in wanted):
        raise InputError(f"name between 1 and {MAX_DELETE} documents", code="invalid_request")
    org = organization_of(deps, principal)
    rows = {
        row.id: row
        for row in deps.session.scalars(
            select(Document)
            .where(Document.id.in_(wanted), Document.organization_id == org.id)
            .with_for_update()
        )
    }
    missing = [i for i in wanted if i not in rows]
    if missing:
        raise NotFound(f"no such document: {missing[0]}")
    cutoff = retention_cutoff(deps)
    kept = [i for i in wanted if rows[i].created_at >= cutoff]
    if kept:
        raise Conflict(
            f"document {kept[0]} is still within its retention period",
            code="retention_not_expired",
        )
    now = deps.clock.now()
    keys = []
    for document_id in wanted:
        row = rows[document_id]
        if row.deleted_at is not None:  # a second click, or two administrators at once
            continue
        row.deleted_at = now
        keys.append(row.storage_key)
        record(deps, principal, "document.delete", row.id, document_json(row), now=now)
    deps.session.flush()
    return keys

"""The annual activity report as a sealed PDF: made from the year's figures when they changed
since the last one archived, so that each distinct report is archived once."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select

from core.accounts.principal import Principal
from core.audit.log import record
from core.db.models import Document
from core.db.models.document import ANNUAL_REPORT
from core.deps import Deps
from core.documents.annual_report import TEMPLATE, make_report_pdf, report_context
from core.documents.archive import ArchiveStore, store_document
from core.documents.certificate_data import body_mentions, document_language
from core.documents.official import template_digest
from issuer.services.reports import annual_report

PDF = "application/pdf"


def report_filename(year: int, digest: str) -> str:
    """The archived report's name: its year, and the digest of what it shows."""
    return f"annual-report-{year}-{digest}.pdf"


def annual_report_document(
    deps: Deps, principal: Principal, year: int, store: ArchiveStore
) -> Document:
    """The sealed report of ``year`` as it stands now (auditors and administrators): the
    archived one when nothing it shows has changed, else a new one, archived."""
    report = annual_report(deps, principal, year)
    org = report.organization
    language = document_language(org, None)
    shown = {
        "figures": report.figures,
        "names": report.names,
        "body": body_mentions(org),
        "language": language,
        "template": template_digest(TEMPLATE),
    }
    digest = hashlib.sha256(json.dumps(shown, sort_keys=True).encode()).hexdigest()[:16]
    filename = report_filename(year, digest)
    existing = deps.session.scalars(
        select(Document).where(
            Document.organization_id == org.id,
            Document.kind == ANNUAL_REPORT,
            Document.filename == filename,
            Document.deleted_at.is_(None),
        )
    ).first()
    if existing is not None:
        return existing
    now = deps.clock.now()
    context = report_context(org, year, report.figures, report.names, language, now)
    row = store_document(
        deps.session,
        store,
        organization_id=org.id,
        kind=ANNUAL_REPORT,
        data=make_report_pdf(deps, org, context),
        media_type=PDF,
        filename=filename,
        now=now,
    )
    record(
        deps,
        principal,
        "report.annual",
        f"{org.slug}:{year}",
        {"document": row.id, "year": year, "sha256": row.sha256},
        now=now,
    )
    return row

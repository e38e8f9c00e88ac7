"""What follows an issuance, queued in its transaction and run by the worker after the commit."""

from __future__ import annotations

from collections.abc import Sequence

from core.db.models import Organization
from core.delivery.records import dispatch_deliveries, queued_deliveries
from core.deps import Deps
from core.documents.bulk import queue_documents


def follow_up(
    deps: Deps, org: Organization, credential_ids: Sequence[str], actor: str
) -> list[str]:
    """Record the jobs that make the new credentials' documents, then the one that mails their
    holders (flush only); return their ids, to enqueue in this order once the unit of work has
    committed (the queue is first in, first out: the PDFs a mail attaches are usually ready)."""
    if not credential_ids:
        return []
    jobs = [queue_documents(deps, org, credential_ids, actor).id]
    mail = dispatch_deliveries(deps, org, queued_deliveries(deps, credential_ids), actor)
    return jobs if mail is None else [*jobs, mail]

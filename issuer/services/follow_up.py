"""What follows an issuance, queued in its transaction and run by the worker after the commit."""

from __future__ import annotations

from collections.abc import Sequence

from core.db.models import Organization
from core.deps import Deps
from core.documents.bulk import queue_documents


def follow_up(
    deps: Deps, org: Organization, credential_ids: Sequence[str], actor: str
) -> list[str]:
    """Record the jobs that make the new credentials' documents (flush only); return their ids,
    to enqueue once the unit of work has committed."""
    if not credential_ids:
        return []
    return [queue_documents(deps, org, credential_ids, actor).id]

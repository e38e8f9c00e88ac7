"""The documents job: after issuance, each credential's certificate PDF and badges are made.

The slow part (render and seal, tens of milliseconds a certificate) runs in the job's
preparer, outside any transaction, so that two workers make documents side by side even on
SQLite; the handler then archives what was prepared, in the chunk's short unit of work.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from core.db.models import Credential, Job, Organization
from core.db.models.document import CERTIFICATE_PDF
from core.deps import Deps
from core.documents.archive import archive_store, credential_document
from core.documents.badges import badge_png, badge_svg
from core.documents.certificate import certificate_pdf, make_certificate_pdf
from core.documents.seal import existing_seal
from core.documents.seal_keys import ensure_seal
from core.errors import NotFound, SceauError
from core.tasks import ChunkContext, create_job
from core.unit_of_work import Runtime

log = logging.getLogger(__name__)

JOB_KIND = "documents"
#: Credentials per chunk: small enough for two workers to share a session's batch evenly.
CHUNK_SIZE = 20


def queue_documents(
    deps: Deps, org: Organization, credential_ids: Sequence[str], created_by: str
) -> Job:
    """Record a documents job for ``credential_ids`` (flush only); enqueue it after commit.

    The body's seal certificate is made here if it has none, in the issuing transaction, so
    the job's preparers only ever read it.
    """
    ensure_seal(deps, org)
    ids = list(credential_ids)
    chunks = [{"credentials": ids[i : i + CHUNK_SIZE]} for i in range(0, len(ids), CHUNK_SIZE)]
    return create_job(deps, org, JOB_KIND, total=len(ids), created_by=created_by, chunks=chunks)


def prepare_documents(runtime: Runtime, organization_id: int, payload: Any) -> dict[str, bytes]:
    """Render and seal the PDFs the chunk still needs: {credential id: sealed PDF}.

    Anything that cannot be prepared here is left to the handler, which makes it on the spot
    and reports the error of the one that fails.
    """
    prepared: dict[str, bytes] = {}
    with runtime.reading() as deps:
        org = deps.session.get(Organization, organization_id)
        seal = existing_seal(deps, org) if org is not None else None
        if seal is None:
            return prepared
        for credential_id in payload["credentials"]:
            credential = deps.session.get(Credential, credential_id)
            if credential is None or credential.organization_id != organization_id:
                continue
            if credential_document(deps.session, credential_id, CERTIFICATE_PDF) is not None:
                continue
            try:
                prepared[credential_id] = make_certificate_pdf(deps, credential, seal=seal)
            except SceauError as error:
                log.info("credential %s: PDF left to the handler (%s)", credential_id, error.code)
    return prepared


def record_documents(ctx: ChunkContext, payload: Any) -> None:
    """Archive each credential's prepared PDF (or make it now) and its baked PNG and SVG
    badges: one item per credential."""
    deps = ctx.deps
    store = archive_store(deps.settings)
    prepared: dict[str, bytes] = ctx.prepared or {}
    for credential_id in payload["credentials"]:
        with ctx.item(credential_id):
            credential = deps.session.get(Credential, credential_id)
            if credential is None or credential.organization_id != ctx.organization_id:
                raise NotFound("no such credential")
            certificate_pdf(deps, store, credential, made=prepared.get(credential_id))
            # Baking takes milliseconds (the base image is drawn once per process).
            badge_png(deps, store, credential)
            badge_svg(deps, store, credential)

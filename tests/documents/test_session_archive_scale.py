"""A session of 2,000 certificates exports as one ZIP written to a file member by member: the
archive is far larger than what the export ever holds in memory."""

from __future__ import annotations

import copy
import os
import tracemalloc
import uuid
from datetime import UTC, date, datetime
from typing import Any

from office_pages_support import open_session
from sqlalchemy import insert, select

from core.db.models import Candidate, Credential, Document, Enrollment, ExamSession
from core.db.models.document import CERTIFICATE_PDF
from core.documents.archive import archive_store, sha256_hex
from core.documents.safe_zip import ZipLimits, open_zip
from core.documents.session_archive import write_session_archive

COUNT = 2000
PDF_BYTES = 40_000  # random, so that deflating cannot shrink the archive


def _fill(runtime: Any, session_id: str, template: Credential) -> None:
    """COUNT candidates, their files, credentials (copies of ``template`` under new ids) and
    archived certificate PDFs, inserted in bulk."""
    now = datetime.now(UTC)
    with runtime.unit() as deps:
        org_id = template.organization_id
        store = archive_store(deps.settings)
        candidates, enrollments, credentials, documents = [], [], [], []
        first = (deps.session.scalar(select(Candidate.id).order_by(Candidate.id.desc())) or 0) + 1
        for n in range(COUNT):
            enrollment, credential, document = (str(uuid.uuid4()) for _ in range(3))
            candidates.append(
                {
                    "id": first + n,
                    "organization_id": org_id,
                    "family_name": f"Candidate{n}",
                    "given_names": "Test",
                    "birth_date": date(1990, 1, 1),
                    "email": f"c{n}@example.org",
                    "created_at": now,
                }
            )
            enrollments.append(
                {
                    "id": enrollment,
                    "organization_id": org_id,
                    "session_id": session_id,
                    "candidate_id": first + n,
                    "state": "issued",
                    "created_at": now,
                    "credential_id": credential,
                }
            )
            body = copy.deepcopy(template.document)
            body["id"] = body["id"].rsplit("/", 1)[0] + "/" + credential
            credentials.append(
                {
                    "id": credential,
                    "organization_id": org_id,
                    "recipient_email": f"c{n}@example.org",
                    "achievement_name": template.achievement_name,
                    "document": body,
                    "jwt": template.jwt,
                    "status_list_id": template.status_list_id,
                    "status_index": n,
                    "valid_from": now,
                    "issued_at": now,
                    "enrollment_id": enrollment,
                }
            )
            pdf = os.urandom(PDF_BYTES)
            key = f"{org_id}/{CERTIFICATE_PDF}/{document[:2]}/{document}"
            store.put(key, pdf)
            documents.append(
                {
                    "id": document,
                    "organization_id": org_id,
                    "kind": CERTIFICATE_PDF,
                    "credential_id": credential,
                    "media_type": "application/pdf",
                    "filename": f"certificate-{credential}.pdf",
                    "sha256": sha256_hex(pdf),
                    "size": PDF_BYTES,
                    "storage_key": key,
                    "created_at": now,
                }
            )
        for model, rows in (
            (Candidate, candidates),
            (Enrollment, enrollments),
            (Credential, credentials),
            (Document, documents),
        ):
            deps.session.execute(insert(model), rows)


def test_a_session_of_2000_certificates_streams_to_its_file(
    runtime, acme, issue, ada_request, tmp_path
) -> None:
    issued = issue(acme, ada_request)["id"].rsplit("/", 1)[1]
    session_id, _ = open_session(runtime, csv=None)
    with runtime.unit() as deps:
        template = deps.session.get_one(Credential, issued)
        deps.session.expunge(template)
    _fill(runtime, session_id, template)
    path = tmp_path / "archive.zip"
    with runtime.unit() as deps, path.open("wb") as out:
        session = deps.session.get_one(ExamSession, session_id)
        tracemalloc.start()
        summary = write_session_archive(deps, archive_store(deps.settings), session, out)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert summary.credentials == COUNT and summary.documents == COUNT
    assert summary.unavailable == []
    size = path.stat().st_size
    assert size > COUNT * PDF_BYTES  # over 80 MB on disk ...
    assert peak < size / 3, (peak, size)  # ... never all of it in memory
    opened, problems = open_zip(path, ZipLimits())
    assert opened is not None and problems == []
    assert len(opened.members) == 3 * COUNT + 2  # JSON, JWT, PDF each, events, manifest
    opened.close()

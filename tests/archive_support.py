"""Helpers of the archive tests: a signed session whose credentials are issued, its archive
as the API exports it, and ZIPs rewritten the way someone tampering with one would."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

from sqlalchemy import select
from workflow_support import CSV, Workflow

from core.db.models import Job
from core.documents.bulk import JOB_KIND as DOCUMENTS_JOB


def signed_session(workflow: Workflow, job_worker: Any) -> str:
    """A session of three candidates (Charles fails the practical exam), decided, signed and
    issued: two credentials."""
    workflow.program()
    session = workflow.session()
    for email, enrollment in workflow.enroll(session, CSV).items():
        assert workflow.eligible(enrollment).status_code == 200
        pra = 9 if email.startswith("charles") else 16
        assert workflow.grade(enrollment, {"ECR": 12, "ORA": 14, "PRA": pra}).status_code == 200
    assert workflow.act(session, "proposal", "manager").status_code == 200
    assert workflow.act(session, "approval", "manager2").status_code == 200
    response = workflow.act(
        session, "signature", "signatory", json={"totp": workflow.body.code("signatory")}
    )
    assert response.status_code == 202, response.json
    assert job_worker.wait(response.json["job"])["state"] == "done"
    # The issuance queued the documents job that makes the certificates: let it finish.
    with job_worker.queue.runtime().read_sessions() as db:
        documents = db.scalars(select(Job.id).where(Job.kind == DOCUMENTS_JOB)).all()
    for job in documents:
        assert job_worker.wait(job)["state"] == "done"
    return session


def export(workflow: Workflow, session: str, who: str = "auditor") -> bytes:
    """The session's archive as the API serves it to ``who``."""
    response = workflow.client.get(
        f"/api/v1/sessions/{session}/archive.zip", headers=workflow.body.auth(who), buffered=True
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return bytes(response.get_data())


def members(data: bytes) -> dict[str, bytes]:
    """Every member of a ZIP by name."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def manifest_of(data: bytes) -> dict[str, Any]:
    return json.loads(members(data)["manifest.json"])


def write_zip(path: Path, files: dict[str, bytes] | list[tuple[str, bytes]]) -> Path:
    """A ZIP of ``files`` (deflated), in order; a list may name a member twice."""
    items = list(files.items()) if isinstance(files, dict) else files
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in items:
            archive.writestr(name, body)
    return path


def relisted(files: dict[str, bytes], *changed: str) -> dict[str, bytes]:
    """``files`` with the manifest's size and SHA-256 of ``changed`` members made to match
    their new bytes (the forger's next step after editing a file)."""
    manifest = json.loads(files["manifest.json"])
    for entry in manifest["files"]:
        if entry["path"] in changed:
            entry["size"] = len(files[entry["path"]])
            entry["sha256"] = hashlib.sha256(files[entry["path"]]).hexdigest()
    return {**files, "manifest.json": json.dumps(manifest).encode()}

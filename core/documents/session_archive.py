"""The export of an exam session for an audit: one ZIP of its credentials, their documents, the
jury minutes and the session's audit events, with a manifest of every file's SHA-256.

The ZIP is written member by member to a file the caller gives (a temporary file): nothing
holds the whole archive, or all of a session's credentials, in memory.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

from sqlalchemy.exc import OperationalError

from core.audit.log import exported_event, head
from core.clock import isoformat_z
from core.credentials.serving import credential_json_text
from core.db.models import Credential, Document, ExamSession, Organization
from core.db.models.document import CERTIFICATE_PDF
from core.deps import Deps
from core.documents.archive import ArchiveCorrupted, ArchiveStore, credential_document
from core.documents.archive import read_document as read_archived
from core.documents.certificate import certificate_pdf
from core.documents.session_records import (
    deleted_documents,
    jury_minutes,
    session_credentials,
    session_events,
)
from core.errors import SceauError
from core.keys.directory import org_did

#: What the manifest's ``format`` says, and the version of the layout below.
FORMAT = "sceau-session-archive"
VERSION = 1
MANIFEST = "manifest.json"
EVENTS = "audit/events.json"
CREDENTIALS_DIR = "credentials/"
DOCUMENTS_DIR = "documents/"
JURY_MINUTES_STEM = "jury-minutes"

#: The certificate PDF of a credential, as the archive includes it (None: there is none).
CertificateSource = Callable[[Credential], Document | None]
#: SQLSTATEs of a transaction that lost a race with another (deadlock, serialization): the
#: other one is making the same document (PostgreSQL; SQLite's writers queue instead).
_CONCURRENT = ("40P01", "40001")


def credential_paths(credential_id: str) -> dict[str, str]:
    """Where a credential's files sit in the archive."""
    return {
        "json": f"{CREDENTIALS_DIR}{credential_id}.json",
        "jwt": f"{CREDENTIALS_DIR}{credential_id}.jwt",
        "pdf": f"{DOCUMENTS_DIR}{credential_id}.pdf",
    }


@dataclass
class ArchiveSummary:
    """What an export wrote: counts for the caller, and the manifest it ended with."""

    credentials: int = 0
    documents: int = 0
    events: int = 0
    unavailable: list[dict[str, Any]] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)


class _ZipOut:
    """A ZIP being written, which remembers the size and SHA-256 of every member."""

    def __init__(self, out: IO[bytes], when: datetime) -> None:
        self._zip = zipfile.ZipFile(out, "w", allowZip64=True)
        moment = when.timetuple()[:6]
        # ZIP dates start in 1980; one date for every member keeps exports reproducible.
        self._date_time = moment if moment[0] >= 1980 else (1980, 1, 1, 0, 0, 0)
        self.files: list[dict[str, Any]] = []

    def _info(self, path: str, compress: bool) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(path, date_time=self._date_time)
        # PDFs are compressed already: storing them spares the time of deflating them again.
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        info.external_attr = 0o644 << 16
        return info

    def add(self, path: str, data: bytes, media_type: str, *, compress: bool = True) -> None:
        self._zip.writestr(self._info(path, compress), data)
        self._listed(path, len(data), hashlib.sha256(data).hexdigest(), media_type)

    @contextmanager
    def stream(self, path: str, media_type: str) -> Iterator[Callable[[bytes], None]]:
        """Write a member in pieces (``write(chunk)``), hashing as it goes."""
        digest, size = hashlib.sha256(), 0
        with self._zip.open(self._info(path, True), "w") as member:

            def write(chunk: bytes) -> None:
                nonlocal size
                digest.update(chunk)
                member.write(chunk)
                size += len(chunk)

            yield write
        self._listed(path, size, digest.hexdigest(), media_type)

    def _listed(self, path: str, size: int, sha256: str, media_type: str) -> None:
        self.files.append({"path": path, "size": size, "sha256": sha256, "mediaType": media_type})

    def close(self, manifest: dict[str, Any]) -> None:
        """Write the manifest (not listed in itself) and the ZIP's central directory."""
        body = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
        self._zip.writestr(self._info(MANIFEST, True), body)
        self._zip.close()

    def abandon(self) -> None:
        """Close an export that failed (its file is thrown away), now rather than when the
        garbage collector finds the ZipFile, whose file would be closed by then."""
        self._zip.close()


def jury_minutes_path(number: int, count: int) -> str:
    """``documents/jury-minutes.pdf``, or numbered from 1 when the session has several."""
    suffix = "" if count == 1 else f"-{number}"
    return f"{DOCUMENTS_DIR}{JURY_MINUTES_STEM}{suffix}.pdf"


def _deleted(row: Document) -> dict[str, Any]:
    """A document removed after its retention period: the record stays in the manifest."""
    return {
        "kind": row.kind,
        "credential": row.credential_id,
        "filename": row.filename,
        "sha256": row.sha256,
        "size": row.size,
        "createdAt": isoformat_z(row.created_at),
        "deletedAt": isoformat_z(row.deleted_at) if row.deleted_at else None,
    }


def _heading(deps: Deps, org: Organization, session: ExamSession, now: datetime) -> dict[str, Any]:
    def instant(value: datetime | None) -> str | None:
        return isoformat_z(value) if value else None

    return {
        "format": FORMAT,
        "version": VERSION,
        "generatedAt": isoformat_z(now),
        "organization": {
            "slug": org.slug,
            "name": org.name,
            "did": org_did(deps.settings, org.slug),
            "legalName": org.legal_name,
            "siret": org.siret,
            "nda": org.nda,
        },
        "session": {
            "id": session.id,
            "name": session.name,
            "program": {
                "code": session.program.code,
                "name": session.program.name,
                "version": session.program_version.number,
            },
            "startsOn": session.starts_on.isoformat(),
            "endsOn": session.ends_on.isoformat(),
            "place": session.place,
            "state": session.state,
            "proposedAt": instant(session.proposed_at),
            "approvedAt": instant(session.approved_at),
            "signedAt": instant(session.signed_at),
        },
    }


class _Export:
    """One export in progress: the ZIP and what the manifest will say."""

    def __init__(self, deps: Deps, store: ArchiveStore, out: IO[bytes], now: datetime) -> None:
        self.deps, self.store = deps, store
        self.zip = _ZipOut(out, now)
        self.summary = ArchiveSummary()
        self.deleted: list[dict[str, Any]] = []

    def document(self, row: Document, path: str, credential_id: str | None) -> str | None:
        """Add an archived document at ``path`` (None if it cannot be read back intact)."""
        try:
            data = read_archived(self.store, row)
        except ArchiveCorrupted as error:
            # Exported anyway, and said: `sceau archive verify` fails on this entry.
            self.summary.unavailable.append(
                {"path": path, "credential": credential_id, "reason": error.message}
            )
            return None
        self.zip.add(path, data, row.media_type, compress=False)
        self.summary.documents += 1
        return path

    def credential(
        self, row: Credential, certificate: CertificateSource | None, withdrawn: bool
    ) -> dict[str, Any]:
        """Add a credential's JSON, VC-JWT and certificate PDF (unless ``withdrawn``: deleted
        after its retention period, which the manifest records apart)."""
        paths = credential_paths(row.id)
        self.zip.add(
            paths["json"], credential_json_text(row.document).encode(), "application/vc+ld+json"
        )
        self.zip.add(paths["jwt"], row.jwt.encode(), "application/jwt")
        pdf_path = None
        pdf = None if withdrawn else self._certificate(row, certificate, paths["pdf"])
        if pdf is not None:
            pdf_path = self.document(pdf, paths["pdf"], row.id)
        self.summary.credentials += 1
        return {
            "id": row.id,
            "enrollment": row.enrollment_id,
            "issuedAt": isoformat_z(row.issued_at),
            "revokedAt": isoformat_z(row.revoked_at) if row.revoked_at else None,
            "replaces": row.replaces_id,
            "files": {"json": paths["json"], "jwt": paths["jwt"], "pdf": pdf_path},
        }

    def _certificate(
        self, row: Credential, certificate: CertificateSource | None, path: str
    ) -> Document | None:
        """The credential's archived certificate PDF, made now if it has none yet."""
        db = self.deps.session
        if certificate is not None:
            return certificate(row)
        existing = credential_document(db, row.id, CERTIFICATE_PDF)
        if existing is not None:
            return existing
        try:
            with db.begin_nested():  # a failure leaves the export's transaction usable
                return certificate_pdf(self.deps, self.store, row)
        except SceauError as error:  # e.g. the time-stamping service did not answer
            reason = error.message
        except OperationalError as error:
            if getattr(error.orig, "sqlstate", None) not in _CONCURRENT:
                raise
            reason = "being made by another transaction at this moment: export again"
        self.summary.unavailable.append({"path": path, "credential": row.id, "reason": reason})
        return None

    def events(self, org: Organization, session: ExamSession) -> None:
        events = closing(session_events(self.deps.session, org, session))
        with self.zip.stream(EVENTS, "application/json") as write, events as rows:
            write(b"[")
            for event in rows:
                separator = b",\n" if self.summary.events else b"\n"
                body = json.dumps(exported_event(event), ensure_ascii=False, sort_keys=True)
                write(separator + body.encode())
                self.summary.events += 1
            write(b"\n]\n")


def write_session_archive(
    deps: Deps,
    store: ArchiveStore,
    session: ExamSession,
    out: IO[bytes],
    *,
    certificate: CertificateSource | None = None,
) -> ArchiveSummary:
    """Write the session's archive as a ZIP to ``out`` (a seekable binary file, left open).

    ``certificate`` gives a credential's certificate PDF; by default its archived PDF, made
    now if it has none yet. Documents that cannot be made or read back intact are listed as
    ``unavailable`` in the manifest instead of stopping the export.
    """
    db = deps.session
    org = db.get_one(Organization, session.organization_id)
    now = deps.clock.now()
    export = _Export(deps, store, out, now)
    try:
        deleted = deleted_documents(db, session)
        export.deleted.extend(_deleted(row) for row in deleted)
        withdrawn = {row.credential_id for row in deleted if row.kind == CERTIFICATE_PDF}
        with closing(session_credentials(db, session)) as rows:
            credentials = [export.credential(row, certificate, row.id in withdrawn) for row in rows]
        minutes = jury_minutes(db, session)
        for number, row in enumerate(minutes, start=1):
            export.document(row, jury_minutes_path(number, len(minutes)), None)
        export.events(org, session)
    except BaseException:
        export.zip.abandon()
        raise
    seq, digest = head(db)
    manifest = {
        **_heading(deps, org, session, now),
        "credentials": credentials,
        "audit": {"path": EVENTS, "events": export.summary.events, "logHead": [seq, digest]},
        "files": export.zip.files,
        "unavailable": export.summary.unavailable,
        "deletedDocuments": export.deleted,
    }
    export.zip.close(manifest)
    export.summary.manifest = manifest
    return export.summary

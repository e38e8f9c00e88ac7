"""The archive: every document Sceau produces, stored by key with its SHA-256 in the database.

Storage sits behind ``ArchiveStore`` (a folder by default); an S3-compatible store only has to
implement put/get/delete. Reading checks the SHA-256, so a file changed on disk is an error,
never a document served as genuine.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import uuid
from datetime import datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.db.models import Document
from core.errors import SceauError
from core.settings import Settings

_KEY = re.compile(r"[a-z0-9][a-z0-9_.-]*(/[a-z0-9][a-z0-9_.-]*)*")


class ArchiveCorrupted(SceauError):
    """Raised when an archived file is missing or no longer has the SHA-256 recorded for it."""


class DocumentDeleted(ArchiveCorrupted):
    """Raised when a document was deleted at the end of its retention period: gone for good."""

    code = "document_deleted"
    http_status = 410


class ArchiveStore(Protocol):
    """Where archived bytes live. Keys are relative, lower-case paths made by this module."""

    def put(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...


class FolderStore:
    """The default store: one file per key under a folder (``instance/archive``)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if not _KEY.fullmatch(key) or ".." in key:
            raise ValueError(f"not an archive key: {key!r}")
        return self.root / key

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written beside, then renamed: a reader never sees half a file.
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as error:
            raise ArchiveCorrupted(f"archived file {key} is missing") from error

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


def archive_store(settings: Settings) -> ArchiveStore:
    """The store this instance is configured with."""
    return FolderStore(settings.archive_dir)


def sha256_hex(data: bytes) -> str:
    """The hex SHA-256 of ``data``, as recorded for every archived document."""
    return hashlib.sha256(data).hexdigest()


def store_document(
    session: Session,
    store: ArchiveStore,
    *,
    organization_id: int,
    kind: str,
    data: bytes,
    media_type: str,
    filename: str,
    now: datetime,
    credential_id: str | None = None,
    exam_session_id: str | None = None,
    program_id: int | None = None,
) -> Document:
    """Write ``data`` to the store and record it (flush only); return the recorded row.

    A credential keeps the first document of each kind: when another process recorded one
    first, its row is returned and the bytes written here are removed.
    """
    doc_id = str(uuid.uuid4())
    key = f"{organization_id}/{kind}/{doc_id[:2]}/{doc_id}"
    store.put(key, data)
    row = Document(
        id=doc_id,
        organization_id=organization_id,
        kind=kind,
        credential_id=credential_id,
        exam_session_id=exam_session_id,
        program_id=program_id,
        media_type=media_type,
        filename=filename,
        sha256=sha256_hex(data),
        size=len(data),
        storage_key=key,
        created_at=now,
    )
    savepoint = session.begin_nested()
    try:
        session.add(row)
        session.flush()
    except IntegrityError:
        savepoint.rollback()
        store.delete(key)
        if credential_id is None:
            raise
        existing = credential_document(session, credential_id, kind)
        if existing is None:
            raise
        return existing
    savepoint.commit()
    return row


def credential_document(session: Session, credential_id: str, kind: str) -> Document | None:
    """The credential's document of ``kind``, if one was made."""
    return session.scalars(
        select(Document).where(Document.credential_id == credential_id, Document.kind == kind)
    ).first()


def read_document(store: ArchiveStore, row: Document) -> bytes:
    """The archived bytes of ``row``; raises DocumentDeleted after retention, ArchiveCorrupted
    if they changed or are missing."""
    if row.deleted_at is not None:
        raise DocumentDeleted(
            "this document was deleted at the end of its retention period; "
            "the credential itself stays verifiable"
        )
    data = store.get(row.storage_key)
    if sha256_hex(data) != row.sha256:
        raise ArchiveCorrupted(f"archived file {row.storage_key} no longer matches its SHA-256")
    return data

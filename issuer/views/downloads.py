"""Downloads of the documents the back office and the API hand out: archived PDFs, and print
files built in a temporary file and streamed from it."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from flask import Response, send_file

from core.db.models import Document
from core.documents.archive import ArchiveStore, read_document

PDF = "application/pdf"


def archived_pdf(store: ArchiveStore, document: Document, download_name: str) -> Response:
    """An archived PDF as an attachment; its ETag is its SHA-256 (the bytes never change)."""
    response = Response(read_document(store, document), mimetype=PDF)
    response.headers["Content-Disposition"] = f'attachment; filename="{download_name}"'
    response.headers["X-Document-SHA256"] = document.sha256
    response.set_etag(document.sha256)
    return response


def spooled_download(
    write: Callable[[BinaryIO], Any], mimetype: str, download_name: str, folder: Path | None = None
) -> Response:
    """A file that ``write`` builds into an anonymous temporary file (under ``folder``),
    streamed from disk as an attachment, never cached: a session's print file or archive can
    be far larger than a worker should hold in memory, and holds personal data. The file
    disappears when the response is closed (or at once if ``write`` fails)."""
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
    # Not a context manager: the response closes the file once it has been sent.
    handle = tempfile.TemporaryFile(dir=folder, prefix="download-")  # noqa: SIM115
    try:
        write(handle)
        size = handle.tell()
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    response = send_file(
        handle,
        mimetype=mimetype,
        as_attachment=True,
        download_name=download_name,
        conditional=False,
        etag=False,
        max_age=0,
    )
    response.content_length = size
    response.headers["Cache-Control"] = "no-store"
    return response


def spooled_pdf(write: Callable[[BinaryIO], Any], folder: Path, download_name: str) -> Response:
    """A PDF built into a temporary file under ``folder`` and streamed (spooled_download)."""
    return spooled_download(write, PDF, download_name, folder)

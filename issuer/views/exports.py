"""Downloads of the back office and the API: CSV safe to open in a spreadsheet, and ZIP
archives streamed from a temporary file."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterable
from typing import IO

from flask import Response, send_file

#: A cell starting with one of these is a formula to a spreadsheet: prefixed with a quote.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    if value.startswith(_FORMULA_START) and not _is_number(value):
        return "'" + value
    return value


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def csv_response(rows: Iterable[list[str]], filename: str) -> Response:
    """``rows`` as a CSV attachment named ``filename`` (UTF-8 with a BOM, which spreadsheets
    need to read accents)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def zip_response(write: Callable[[IO[bytes]], object], filename: str) -> Response:
    """The ZIP that ``write(file)`` writes, sent as an attachment from a temporary file (gone
    once the response is closed): a large archive never sits in memory whole."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 (send_file closes it after the response)
    try:
        write(out)
        out.seek(0)
    except BaseException:
        out.close()
        raise
    response = send_file(
        out,
        mimetype="application/zip",
        as_attachment=True,
        download_name=filename,
        conditional=False,
        etag=False,
        max_age=0,
    )
    # Personal data: no shared cache keeps it.
    response.headers["Cache-Control"] = "no-store"
    return response

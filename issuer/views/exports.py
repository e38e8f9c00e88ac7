"""Downloads of the back office and the API: CSV safe to open in a spreadsheet, and ZIP
archives streamed from a temporary file."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from typing import IO

from flask import Response

from issuer.views.downloads import spooled_download

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
    """The ZIP that ``write(file)`` writes, streamed from a temporary file, never cached
    (spooled_download): a large archive never sits in memory whole."""
    return spooled_download(write, "application/zip", filename)

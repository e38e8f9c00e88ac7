"""Reading the CSV files staff upload (candidates, grades): ``,`` or ``;``, a BOM allowed,
each record with its line number, and the reader's own refusals as InputError with the line."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from core.errors import InputError


def csv_records(text: str) -> Iterator[tuple[int, list[str]]]:
    """``(line, cells)`` of every non-blank record, the line being where the record ends in
    the file (the header is line 1); InputError ``malformed_csv`` for a line the reader
    cannot read (a bare line break or a quote inside a cell, a cell past its size limit)."""
    body = text.lstrip("\ufeff")
    sample = body[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    read = [0]  # physical lines handed to the reader: where an unreadable one is

    def lines() -> Iterator[str]:
        for line in io.StringIO(body):
            read[0] += 1
            yield line

    reader = csv.reader(lines(), delimiter=delimiter)
    try:
        for cells in reader:
            if cells:
                yield reader.line_num, cells
    except csv.Error as error:
        line = max(read[0], 1)
        raise InputError(
            f"line {line} is not readable CSV",
            code="malformed_csv",
            problems=[{"line": line, "path": "", "message": _reason(error)}],
        ) from None


def _reason(error: csv.Error) -> str:
    text = str(error)
    if "field larger" in text:
        return "a cell is too long"
    if "new-line" in text or "newline" in text:
        return "a line break inside a cell that is not quoted"
    return "unreadable CSV"

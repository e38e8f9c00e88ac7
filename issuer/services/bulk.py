"""Issuing from a CSV file: one credential per row, each row its own unit of work."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from core.errors import SceauError

RESERVED = ("email", "name", "program", "validFrom", "validUntil")


@dataclass
class BulkReport:
    """What a run did: issued, already issued before (skipped), and the rows that failed."""

    issued: int = 0
    skipped: int = 0
    failed: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"issued": self.issued, "skipped": self.skipped, "failed": self.failed}


def _result(name: str, cell: str) -> dict[str, str]:
    # "15/20" means value 15 out of 20; "15" is a bare value.
    value, _, maximum = cell.partition("/")
    result = {"name": name, "value": value.strip()}
    if maximum.strip():
        result["valueMax"] = maximum.strip()
    return result


def row_to_request(row: dict[str, str], program: str | None) -> dict[str, Any]:
    """An issuing request (schemas/api/issue_credential.json) from one CSV row."""
    code = program or (row.get("program") or "").strip()
    payload: dict[str, Any] = {
        "recipient": {"email": (row.get("email") or "").strip()},
        "achievement": {"code": code},
    }
    if (row.get("name") or "").strip():
        payload["recipient"]["name"] = row["name"].strip()
    for key in ("validFrom", "validUntil"):
        if (row.get(key) or "").strip():
            payload[key] = row[key].strip()
    results = [
        _result(column[len("result:") :].strip(), cell)
        for column, cell in row.items()
        if column and column.startswith("result:") and cell and cell.strip()
    ]
    if results:
        payload["results"] = results
    return payload


def row_key(payload: dict[str, Any]) -> str:
    """The Idempotency-Key of a row: its content, so a second run of the file issues nothing."""
    return "csv:" + hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def read_rows(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) for each data row of a CSV text with a header line."""
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "email" not in reader.fieldnames:
        raise SceauError(
            "the CSV file needs a header line with at least an 'email' column", code="invalid_csv"
        )
    for row in reader:
        yield reader.line_num, row


def issue_rows(
    rows: list[tuple[int, dict[str, str]]],
    program: str | None,
    issue_one: Callable[[dict[str, Any], str], bool],
    on_row: Callable[[], None] = lambda: None,
) -> BulkReport:
    """Issue each row with ``issue_one(payload, key) -> replayed``; a bad row does not stop it."""
    report = BulkReport()
    for line, row in rows:
        payload = row_to_request(row, program)
        try:
            if issue_one(payload, row_key(payload)):
                report.skipped += 1
            else:
                report.issued += 1
        except SceauError as error:
            reasons = [f"{p['path']}: {p['message']}" for p in error.problems] or [error.message]
            report.failed.append(
                {"line": line, "email": payload["recipient"]["email"], "reason": "; ".join(reasons)}
            )
        on_row()
    return report

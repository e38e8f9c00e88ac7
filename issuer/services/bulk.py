"""Issuing from a CSV file: one credential per row, each row its own unit of work."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from core.credentials.issue_request import IssueRequest, Result, parse_instant
from core.db.models import Delivery
from core.delivery.records import dispatch_deliveries
from core.deps import Deps
from core.errors import NotFound, SceauError
from core.keys.directory import find_org, org_did
from core.keys.store import open_signing_keys
from core.tasks import enqueue
from issuer.services.issuance import issue_credential

# Rows per unit of work: large enough that commits stop dominating, small enough that
# other writers wait at most a fraction of a second for the audit chain's lock.
CHUNK_SIZE = 50


@dataclass
class BulkReport:
    """What a run did: issued, already issued before (skipped), and the rows that failed."""

    issued: int = 0
    skipped: int = 0
    failed: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"issued": self.issued, "skipped": self.skipped, "failed": self.failed}


def _result(name: str, cell: str) -> Result:
    # "15/20" means value 15 out of 20; "15" is a bare value.
    value, _, maximum = cell.partition("/")
    return Result(name, value.strip(), value_max=maximum.strip() or None)


def _cell(row: dict[str, str], column: str) -> str:
    return (row.get(column) or "").strip()


def row_to_request(row: dict[str, str], program: str | None) -> IssueRequest:
    """The issuing request of one CSV row (InputError as the API answers for the same data)."""
    valid_from, valid_until = _cell(row, "validFrom"), _cell(row, "validUntil")
    return IssueRequest.for_program(
        program or _cell(row, "program"),
        _cell(row, "email"),
        _cell(row, "name") or None,
        results=[
            _result(column[len("result:") :].strip(), cell)
            for column, cell in row.items()
            if column and column.startswith("result:") and cell and cell.strip()
        ],
        valid_from=parse_instant(valid_from, "validFrom") if valid_from else None,
        valid_until=parse_instant(valid_until, "validUntil") if valid_until else None,
    )


def row_key(request: IssueRequest) -> str:
    """The Idempotency-Key of a row: its content, so a second run of the file issues nothing.
    (The hash of the request's canonical JSON form, which is what rows hashed before requests
    were typed: keys of files already imported stay the same.)"""
    canonical = json.dumps(request.to_json(), sort_keys=True)
    return "csv:" + hashlib.sha256(canonical.encode()).hexdigest()


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
    unit: Callable[[], AbstractContextManager[Deps]],
    slug: str,
    *,
    actor: str,
    chunk_size: int = CHUNK_SIZE,
    on_row: Callable[[], None] = lambda: None,
) -> BulkReport:
    """Issue each row; a bad row is recorded with its reason and does not stop the others.

    Rows are issued in chunks, one unit of work (one commit) per chunk and one savepoint per
    row: a failing row rolls back alone. A crash loses at most the chunk being issued, and a
    re-run issues it then, since every row carries an Idempotency-Key made of its content.
    Each chunk's holders are mailed by a job queued after the chunk's commit.
    """
    report = BulkReport()
    for start in range(0, len(rows), chunk_size):
        deliveries: list[Delivery] = []
        with unit() as deps:
            org = find_org(deps.session, slug)
            if org is None:
                raise NotFound(f"no organization {slug!r}")
            keys = open_signing_keys(deps.session, org, org_did(deps.settings, slug), deps.cipher)
            for line, row in rows[start : start + chunk_size]:
                try:
                    request = row_to_request(row, program)
                    with deps.session.begin_nested():
                        issued = issue_credential(
                            deps,
                            org,
                            request,
                            actor=actor,
                            idempotency_key=row_key(request),
                            keys=keys,
                        )
                except SceauError as error:
                    reasons = [f"{p['path']}: {p['message']}" for p in error.problems]
                    report.failed.append(
                        {
                            "line": line,
                            "email": _cell(row, "email"),
                            "reason": "; ".join(reasons or [error.message]),
                        }
                    )
                else:
                    if issued.replayed:
                        report.skipped += 1
                    else:
                        report.issued += 1
                    if issued.delivery is not None:
                        deliveries.append(issued.delivery)
                on_row()
            mail_job = dispatch_deliveries(deps, org, deliveries, actor)
            settings = deps.settings
        if mail_job is not None:
            enqueue(settings, mail_job)
    return report

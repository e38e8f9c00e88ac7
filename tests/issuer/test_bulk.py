"""The CSV import: typed requests from rows, line numbers and error codes of bad rows, keys."""

from __future__ import annotations

from typing import Any

from core.keys.directory import find_org
from issuer.services.bulk import issue_rows, read_rows, row_key, row_to_request
from issuer.services.programs import create_program

CSV = (
    "email,name,program,validFrom,validUntil,result:Practical exam\n"
    "ada@example.org,Ada Lovelace,WLD-1,2025-01-01T00:00:00Z,,15/20\n"
    "not-an-email,Bad Email,WLD-1,,,10/20\n"
    "alan@example.org,Alan Turing,WLD-1,yesterday,,13/20\n"
    "grace@example.org,Grace\x07Hopper,WLD-1,,,14/20\n"
    "edsger@example.org,Edsger Dijkstra,NOPE,,,12\n"
    "barbara@example.org,Barbara Liskov,WLD-1,2025-01-02T00:00:00Z,2025-01-01T00:00:00Z,\n"
    "donald@example.org,,WLD-1,2025-01-01T00:00:00,,\n"
)


def _issue(runtime: Any, acme: Any) -> dict[str, Any]:
    with runtime.unit() as deps:
        org = find_org(deps.session, acme.slug)
        definition = {"code": "WLD-1", "name": "Welding", "description": "Arc.", "criteria": "12+"}
        create_program(deps, org, definition, actor="test")
    rows = list(read_rows(CSV))
    return issue_rows(rows, None, runtime.unit, acme.slug, actor="test").to_json()


def test_bad_rows_keep_their_line_and_reason(runtime, acme) -> None:
    report = _issue(runtime, acme)
    assert report["issued"] == 1 and report["skipped"] == 0
    assert [(f["line"], f["email"]) for f in report["failed"]] == [
        (3, "not-an-email"),
        (4, "alan@example.org"),
        (5, "grace@example.org"),
        (6, "edsger@example.org"),
        (7, "barbara@example.org"),
        (8, "donald@example.org"),
    ]
    reasons = [f["reason"] for f in report["failed"]]
    assert reasons[0].startswith("recipient.email: ")
    assert reasons[1:] == [
        "validFrom: expected an RFC 3339 date-time",
        "recipient.name: control character",
        "no program 'NOPE' in acme",
        "validUntil: must be after validFrom",
        "validFrom: add Z or an offset",
    ]


def test_a_second_run_issues_nothing(runtime, acme) -> None:
    assert _issue(runtime, acme)["issued"] == 1
    again = issue_rows(list(read_rows(CSV)), None, runtime.unit, acme.slug, actor="test")
    assert (again.issued, again.skipped, len(again.failed)) == (0, 1, 6)


def test_row_keys_are_the_ones_files_already_imported_have() -> None:
    """Keys (and request fingerprints) of rows made before requests were typed, so re-running
    an imported file after the upgrade still issues nothing."""
    row = {
        "email": " Ada@Example.org ",
        "name": "Ada Lovelace",
        "validFrom": "2025-01-01T00:00:00Z",
        "result:Épreuve pratique": "15/20",
        "result:QCM": "12",
    }
    request = row_to_request(row, "WLD-1")
    assert row_key(request) == (
        "csv:e27cb242e2daeb623f677d59b04142647438eaee56a47acd330cf31b48244380"
    )
    assert request.fingerprint() == (
        "d6edf9131f933a3796e724dccc6731e9771c859fa893cca22fdcfbf290dcc221"
    )
    bare = row_to_request({"email": "bob@example.org", "name": "", "program": "X-2"}, None)
    assert row_key(bare) == ("csv:eced2107ea1a32d1b5d1526f25bf25e2d7425e8d12ae527d57b74c99a8a39ccd")

"""`sceau archive ...`: checking a session's archive, and listing documents past retention."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from core.clock import isoformat_z
from core.deps import Deps
from core.documents.archive_check import ArchiveReport, check_session_archive
from core.errors import SceauError
from core.keys.directory import find_org
from core.settings import load_settings
from core.unit_of_work import Runtime
from issuer.services.archives import document_json, expired_documents, retention_cutoff


@contextmanager
def _reading() -> Iterator[Deps]:
    """A unit of work that only reads: on SQLite it never holds the write lock, however long
    the check of a large archive runs."""
    try:
        runtime = Runtime(load_settings())
    except SceauError as error:
        raise click.ClickException(error.message) from None
    with runtime:
        session = runtime.read_sessions()
        try:
            yield Deps(session, runtime.settings, runtime.clock, runtime.cipher)
        finally:
            session.rollback()
            session.close()


@click.group("archive")
def archive() -> None:
    """The archive: session exports and retention."""


def _summary(report: ArchiveReport) -> str:
    manifest = report.manifest or {}
    org, session = manifest.get("organization") or {}, manifest.get("session") or {}
    lines = []
    if manifest:
        lines.append(
            f"Session archive of {org.get('slug')}: {session.get('name')} ({session.get('id')}), "
            f"made {manifest.get('generatedAt')}"
        )
    checks = report.credentials
    proven = sum(1 for c in checks if c.proof == "ok" and c.jwt == "ok")
    revoked = sum(1 for c in checks if c.status == "revoked")
    matched = sum(1 for c in checks if c.pdf == "match")
    lines.append(f"  files listed: {report.files}")
    lines.append(
        f"  credentials: {len(checks)}, {proven} with both proofs valid, {revoked} revoked; "
        f"PDFs whose attached credential matches: {matched}"
    )
    lines.append(f"  audit events: {report.events}")
    if report.ok:
        lines.append("OK: every file is listed and intact, every proof and link holds.")
    else:
        lines.append(f"FAILED: {len(report.problems)} problem(s)")
        lines.extend(f"  {p.path or '(archive)'}: {p.code}: {p.message}" for p in report.problems)
    return "\n".join(lines)


@archive.command("verify")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--online",
    is_flag=True,
    help="Also fetch DID documents and status lists of other instances (an archive made "
    "elsewhere); by default nothing is fetched: keys come from this instance's database.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def verify(path: Path, online: bool, as_json: bool) -> None:
    """Check a session archive (ZIP): exit 0 only if it is intact and every proof holds."""
    with _reading() as deps:
        report = check_session_archive(deps, path, offline=not online)
    if as_json:
        click.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(_summary(report))
    sys.exit(0 if report.ok else 1)


@archive.command("expired")
@click.option("--org", "slug", required=True)
def expired(slug: str) -> None:
    """List, as JSON, the body's documents past SCEAU_ARCHIVE_RETENTION_YEARS (nothing is
    deleted: an administrator deletes them from the back office)."""
    with _reading() as deps:
        org = find_org(deps.session, slug)
        if org is None:
            raise click.ClickException(f"no organization {slug!r}")
        rows = expired_documents(deps, org)
        listing = {
            "organization": org.slug,
            "retentionYears": deps.settings.archive_retention_years,
            "madeBefore": isoformat_z(retention_cutoff(deps)),
            "documents": [document_json(row) for row in rows],
        }
    click.echo(json.dumps(listing, ensure_ascii=False, indent=2))

"""The operator's command line (`sceau ...`): database, organizations, keys, issuing, audit."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from core.audit.log import head as audit_head
from core.audit.log import verify_chain
from core.clock import parse_instant
from core.db.migrate import upgrade
from core.deps import Deps
from core.errors import SceauError
from core.keys.directory import find_org, org_did
from core.settings import load_settings
from core.unit_of_work import Runtime
from core.urls import achievement_url, did_document_url
from issuer.demo import create_demo
from issuer.services.bulk import issue_rows, read_rows
from issuer.services.organizations import compromise_key, create_organization, rotate_keys
from issuer.services.programs import create_program
from issuer.services.revocation import revoke_credential


def _runtime() -> Runtime:
    try:
        return Runtime(load_settings())
    except SceauError as error:
        raise click.ClickException(error.message) from None


@contextmanager
def _unit() -> Iterator[Deps]:
    """One unit of work for a command: commit at the end, connections closed after."""
    with _runtime() as runtime, runtime.unit() as deps:
        yield deps


def _print(obj: Any) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, indent=2))


def _fail(error: SceauError) -> click.ClickException:
    details = "".join(f"\n  {p.get('path')}: {p.get('message')}" for p in error.problems)
    return click.ClickException(f"{error.message}{details}")


def _org(deps: Any, slug: str) -> Any:
    org = find_org(deps.session, slug)
    if org is None:
        raise click.ClickException(f"no organization {slug!r}")
    return org


@click.group("db")
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database named by DATABASE_URL to the latest schema."""
    settings = load_settings()
    upgrade(settings.database_url)
    click.echo("database is up to date", err=True)


@click.group("org")
def org() -> None:
    """Certification bodies."""


@org.command("create")
@click.option("--slug", required=True, help="Short name used in URLs and the DID.")
@click.option("--name", required=True, help="Legal or public name.")
@click.option("--url", default=None, help="The body's own web site.")
def org_create(slug: str, name: str, url: str | None) -> None:
    """Create a certification body with its keys and one API key (shown once)."""
    try:
        with _unit() as deps:
            created = create_organization(deps, slug=slug, name=name, url=url)
    except SceauError as error:
        raise _fail(error) from None
    o = created.organization
    _print(
        {
            "slug": o.slug,
            "name": o.name,
            "did": created.did,
            "api_key": created.api_key,
            "did_document": did_document_url(deps.settings.base_url, o.slug),
        }
    )


@click.group("keys")
def keys() -> None:
    """Signing keys."""


@keys.command("rotate")
@click.option("--org", "slug", required=True)
def keys_rotate(slug: str) -> None:
    """Add new active keys; the old ones stay in the DID document."""
    try:
        with _unit() as deps:
            kids = rotate_keys(deps, slug)
    except SceauError as error:
        raise _fail(error) from None
    _print({"slug": slug, "did": org_did(deps.settings, slug), "new_keys": kids})


@keys.command("compromise")
@click.option("--org", "slug", required=True)
@click.option("--key", "kid", required=True, help="The key id (the part after '#').")
@click.option(
    "--since",
    default=None,
    help="ISO date-time from which the key is believed compromised: only what it signed from "
    "then on is listed for re-issue (default: everything it signed).",
)
def keys_compromise(slug: str, kid: str, since: str | None) -> None:
    """Withdraw a compromised key; a new key replaces it; list what it signed, for re-issue."""
    since_at = _instant(since, "--since") if since else None
    try:
        with _unit() as deps:
            done = compromise_key(deps, slug, kid, since=since_at)
    except SceauError as error:
        raise _fail(error) from None
    _print(
        {
            "slug": slug,
            "compromised": done.kid,
            "replacement": done.replacement,
            "republishedStatusLists": done.republished_lists,
            "reissue": done.credentials,
            "unstoredSignatures": done.unstored_signatures,
        }
    )


def _instant(value: str, option: str) -> datetime:
    try:
        return parse_instant(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO date-time", param_hint=option) from None


@click.group("program")
def program() -> None:
    """Programs (achievement definitions)."""


@program.command("create")
@click.option("--org", "slug", required=True)
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="JSON: code, name, description, criteria, achievementType, alignments, validityDays.",
)
def program_create(slug: str, path: Path) -> None:
    """Create a program from a JSON file."""
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise click.ClickException(
            f"{path}: not a JSON file ({error.__class__.__name__})"
        ) from None
    try:
        with _unit() as deps:
            row = create_program(deps, _org(deps, slug), payload, actor="cli")
    except SceauError as error:
        raise _fail(error) from None
    _print({"code": row.code, "id": achievement_url(deps.settings.base_url, slug, row.code)})


@click.command("issue")
@click.option("--org", "slug", required=True)
@click.option(
    "--csv",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="Columns: email, name, program (unless --program), validFrom, validUntil, "
    "result:<name> (15 or 15/20).",
)
@click.option("--program", "code", default=None, help="The program of every row.")
def issue(slug: str, path: Path, code: str | None) -> None:
    """Issue one credential per CSV row; bad rows are reported, re-runs issue nothing new."""
    try:
        rows = list(read_rows(path.read_text(encoding="utf-8-sig")))
    except SceauError as error:
        raise _fail(error) from None
    with _unit() as deps:
        _org(deps, slug)
    runtime = _runtime()
    with runtime, click.progressbar(length=len(rows), label="issuing", file=sys.stderr) as bar:
        report = issue_rows(
            rows, code, runtime.unit, slug, actor="cli", on_row=lambda: bar.update(1)
        )
    for failure in report.failed:
        click.echo(f"line {failure['line']}: {failure['reason']}", err=True)
    _print(report.to_json())
    if report.failed:
        sys.exit(1)


@click.command("revoke")
@click.option("--org", "slug", required=True)
@click.option("--reason", required=True)
@click.argument("credential_id")
def revoke(slug: str, reason: str, credential_id: str) -> None:
    """Revoke a credential (its UUID or URL); the status list is re-signed at once."""
    credential_id = credential_id.rstrip("/").rsplit("/", 1)[-1]
    try:
        with _unit() as deps:
            row = revoke_credential(deps, _org(deps, slug), credential_id, reason, actor="cli")
    except SceauError as error:
        raise _fail(error) from None
    _print({"id": row.id, "revoked": True, "reason": row.revocation_reason})


@click.group("audit")
def audit() -> None:
    """The audit log."""


def _anchors(values: tuple[str, ...]) -> dict[int, str]:
    anchors: dict[int, str] = {}
    for value in values:
        seq, _, digest = value.partition(":")
        if not seq.isdigit() or len(digest) != 64:
            raise click.BadParameter(f"{value!r} is not SEQ:HASH", param_hint="--anchor")
        anchors[int(seq)] = digest
    return anchors


@audit.command("verify")
@click.option(
    "--anchor",
    "anchors",
    multiple=True,
    help="SEQ:HASH of an event recorded earlier outside the database (repeatable).",
)
def audit_verify(anchors: tuple[str, ...]) -> None:
    """Check the hash chain of the audit log; exit 1 if it is broken."""
    expected = _anchors(anchors)
    with _unit() as deps:
        intact, count, message = verify_chain(deps.session, expected)
        seq, digest = audit_head(deps.session)
    _print({"intact": intact, "events": count, "message": message, "anchor": f"{seq}:{digest}"})
    if not intact:
        sys.exit(1)


@click.command("demo")
def demo() -> None:
    """Create the demo certification body: staff, a program, sessions in every state of the
    workflow and their credentials (what is missing only: running it again changes nothing)."""
    with _runtime() as runtime:
        try:
            info = create_demo(runtime)
        except SceauError as error:
            raise _fail(error) from None
    _print(info)


def register(cli: click.Group) -> None:
    """Attach the issuer commands to the root `sceau` group."""
    from issuer.archive_cli import archive
    from issuer.seal_cli import seal
    from issuer.staff_cli import staff

    for command in (db, org, keys, program, issue, revoke, audit, demo, staff, seal, archive):
        cli.add_command(command)

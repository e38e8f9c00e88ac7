"""`sceau verify FILE`: run the verification pipeline on a JSON credential or a VC-JWT file."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from core.credentials.untrusted import parse_untrusted_json
from core.errors import SceauError
from core.settings import load_settings
from core.unit_of_work import Runtime
from core.verifying import verify_untrusted


@click.command("verify")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def verify(path: Path) -> None:
    """Print the verification report; exit 0 only when the credential is verified."""
    settings = load_settings()
    raw = path.read_bytes()
    if len(raw) > settings.max_body_bytes:
        raise click.ClickException(f"{path}: larger than {settings.max_body_bytes} bytes")
    text = raw.decode("utf-8", errors="replace").strip()
    unverified: object = text
    if text.startswith("{"):
        try:
            unverified = parse_untrusted_json(
                raw, max_bytes=settings.max_body_bytes, max_depth=settings.max_json_depth
            )
        except SceauError as error:
            raise click.ClickException(f"{path}: {error.message}") from None
    with Runtime(settings) as runtime, runtime.unit() as deps:
        report = verify_untrusted(deps, unverified)
    click.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    sys.exit(0 if report.verified else 1)


def register(cli: click.Group) -> None:
    """Attach the verifier commands to the root `sceau` group."""
    cli.add_command(verify)

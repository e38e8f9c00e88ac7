"""`sceau verify FILE`: verify any file the verifier's API takes (certificate PDF, baked badge,
JSON credential, VC-JWT, photo of the QR code) and print the report."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from core.errors import SceauError
from core.intake import Submission, verify_submission
from core.settings import load_settings
from core.unit_of_work import Runtime


@click.command("verify")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--recipient-email", help="Check that the credential was issued to this e-mail.")
@click.option("--recipient-name", help="Check the holder's name (when the credential has it).")
def verify(path: Path, recipient_email: str | None, recipient_name: str | None) -> None:
    """Print the verification report; exit 0 only when the credential is verified."""
    settings = load_settings()
    if path.stat().st_size > settings.max_upload_bytes:
        raise click.ClickException(f"{path}: larger than {settings.max_upload_bytes} bytes")
    submission = Submission(
        file=path.read_bytes(),
        filename=path.name,
        recipient_email=recipient_email,
        recipient_name=recipient_name,
    )
    with Runtime(settings) as runtime, runtime.unit() as deps:
        try:
            verification = verify_submission(deps, submission)
        except SceauError as error:
            raise click.ClickException(f"{path}: {error.message}") from None
    click.echo(json.dumps(verification.to_json(), ensure_ascii=False, indent=2))
    sys.exit(0 if verification.verified else 1)


def register(cli: click.Group) -> None:
    """Attach the verifier commands to the root `sceau` group."""
    cli.add_command(verify)

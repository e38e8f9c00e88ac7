"""`sceau seal ...`: install a qualified e-seal certificate, show a body's seal, print the CA."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding

from core.audit.log import append
from core.db.models import SealCertificate
from core.documents.seal_keys import ensure_seal, import_p12, instance_ca
from core.errors import SceauError
from core.keys.directory import find_org
from issuer.cli import _unit

#: Where `seal import` reads the PKCS#12 password when it is not typed at the prompt.
PASSWORD_ENV = "SCEAU_P12_PASSWORD"  # noqa: S105 - a variable name, not a password
MAX_P12_BYTES = 1024 * 1024


@click.group("seal")
def seal() -> None:
    """The PAdES seal certificates of the certification bodies."""


def _describe(row: SealCertificate) -> dict[str, object]:
    certificate = x509.load_der_x509_certificate(row.certificate_der)
    return {
        "subject": certificate.subject.rfc4514_string(),
        "issuer": certificate.issuer.rfc4514_string(),
        "not_after": certificate.not_valid_after_utc.isoformat(),
        "qualified": row.qualified,
        "sha256": certificate.fingerprint(hashes.SHA256()).hex(),
    }


@seal.command("import")
@click.option("--org", "slug", required=True)
@click.option(
    "--p12",
    "path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The PKCS#12 file (.p12/.pfx) of the qualified e-seal certificate and its key.",
)
def seal_import(slug: str, path: Path) -> None:
    """Install a trust service provider's e-seal certificate as the body's active seal.

    The password is read from SCEAU_P12_PASSWORD, else asked for (empty: no password).
    """
    if path.stat().st_size > MAX_P12_BYTES:
        raise click.ClickException("the PKCS#12 file is over 1 MiB")
    password = os.environ.get(PASSWORD_ENV)
    if password is None:
        password = click.prompt("PKCS#12 password", default="", hide_input=True, show_default=False)
    with _unit() as deps:
        org = find_org(deps.session, slug)
        if org is None:
            raise click.ClickException(f"no organization {slug!r}")
        try:
            row = import_p12(deps, org, path.read_bytes(), password.encode() if password else None)
        except SceauError as error:
            raise click.ClickException(error.message) from None
        described = _describe(row)
        append(
            deps.session,
            actor="cli",
            action="seal.imported",
            subject=f"organization:{org.slug}",
            organization=org.slug,
            now=deps.clock.now(),
            data={"sha256": described["sha256"], "subject": described["subject"]},
        )
    click.echo(json.dumps(described, indent=2))


@seal.command("show")
@click.option("--org", "slug", required=True)
def seal_show(slug: str) -> None:
    """Print the body's active seal certificate (made from the instance CA if it has none)."""
    with _unit() as deps:
        org = find_org(deps.session, slug)
        if org is None:
            raise click.ClickException(f"no organization {slug!r}")
        click.echo(json.dumps(_describe(ensure_seal(deps, org)), indent=2))


@seal.command("ca")
def seal_ca() -> None:
    """Print the instance CA certificate (PEM): the trust anchor of its non-qualified seals."""
    with _unit() as deps:
        row = instance_ca(deps)
        pem = x509.load_der_x509_certificate(row.certificate_der).public_bytes(Encoding.PEM)
    click.echo(pem.decode(), nl=False)

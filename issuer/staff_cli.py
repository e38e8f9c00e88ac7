"""`sceau staff ...`: creating staff members and their personal API tokens from the shell."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import click

from core.deps import Deps
from core.errors import SceauError
from core.keys.directory import find_org
from core.settings import load_settings
from core.unit_of_work import Runtime
from issuer.services.staff import create_personal_token, create_staff, find_staff


@contextmanager
def _unit() -> Iterator[Deps]:
    try:
        runtime = Runtime(load_settings())
    except SceauError as error:
        raise click.ClickException(error.message) from None
    with runtime, runtime.unit() as deps:
        yield deps


def _fail(error: SceauError) -> click.ClickException:
    details = "".join(f"\n  {p.get('path')}: {p.get('message')}" for p in error.problems)
    return click.ClickException(f"{error.message}{details}")


@click.group("staff")
def staff() -> None:
    """Staff accounts of a certification body."""


@staff.command("create")
@click.option("--org", "slug", required=True)
@click.option("--email", required=True)
@click.option(
    "--role",
    required=True,
    type=click.Choice(["admin", "manager", "evaluator", "signatory", "auditor"]),
)
@click.option("--name", default=None)
def staff_create(slug: str, email: str, role: str, name: str | None) -> None:
    """Create a member; print their one-time setup link and, for admins and signatories, the
    TOTP secret (shown once: give it to the person, never store it)."""
    try:
        with _unit() as deps:
            org = find_org(deps.session, slug)
            if org is None:
                raise click.ClickException(f"no organization {slug!r}")
            created = create_staff(deps, org, email=email, role=role, name=name, actor="cli")
            out = {
                "email": created.member.email,
                "role": created.member.role,
                "setup_url": f"{deps.settings.base_url}/staff/setup/{created.setup_token}",
                "totp_secret": created.totp_secret,
            }
    except SceauError as error:
        raise _fail(error) from None
    click.echo(json.dumps(out, ensure_ascii=False))


@staff.command("token")
@click.option("--org", "slug", required=True)
@click.option("--email", required=True)
def staff_token(slug: str, email: str) -> None:
    """Create a personal API token acting as this member (shown once, stored hashed)."""
    try:
        with _unit() as deps:
            org = find_org(deps.session, slug)
            if org is None:
                raise click.ClickException(f"no organization {slug!r}")
            token = create_personal_token(deps, find_staff(deps, org, email), actor="cli")
    except SceauError as error:
        raise _fail(error) from None
    click.echo(json.dumps({"token": token}))

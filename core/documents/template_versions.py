"""Versions of a body's or a program's certificate template: stored only after a check, never
edited, at most one active (none active: the body's template applies, else Sceau's default).

Every change is audited. A version is checked again when it is activated, so a template that
the checks of today refuse is never used, whenever it was saved.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select, update

from core.accounts.principal import Principal
from core.audit.log import record
from core.db.models import CertificateTemplate, Organization, Program
from core.deps import Deps
from core.documents.template_check import TemplatePreview, check_template
from core.documents.template_sample import sample_context
from core.documents.templating import default_template
from core.errors import NotFound

#: Where the template a new certificate uses comes from.
SOURCE_PROGRAM = "program"
SOURCE_ORGANIZATION = "organization"
SOURCE_DEFAULT = "default"


@dataclass(frozen=True)
class EffectiveTemplate:
    """The template new certificates of a program (or of the body) use, and where it is from."""

    source: str
    html: str
    css: str
    row: CertificateTemplate | None


def _owned(org: Organization, program: Program | None) -> list[ColumnElement[bool]]:
    return [
        CertificateTemplate.organization_id == org.id,
        CertificateTemplate.program_id.is_(None)
        if program is None
        else CertificateTemplate.program_id == program.id,
    ]


def template_versions(
    deps: Deps, org: Organization, program: Program | None
) -> list[CertificateTemplate]:
    """The versions of the program's (None: the body's) template, newest first."""
    return list(
        deps.session.scalars(
            select(CertificateTemplate)
            .where(*_owned(org, program))
            .order_by(CertificateTemplate.version.desc())
        )
    )


def _active(deps: Deps, org: Organization, program: Program | None) -> CertificateTemplate | None:
    return deps.session.scalars(
        select(CertificateTemplate)
        .where(*_owned(org, program), CertificateTemplate.active.is_(True))
        .order_by(CertificateTemplate.version.desc())
    ).first()


def effective_template(deps: Deps, org: Organization, program: Program | None) -> EffectiveTemplate:
    """What core.documents.templating.active_template picks, with where it comes from."""
    if program is not None:
        row = _active(deps, org, program)
        if row is not None:
            return EffectiveTemplate(SOURCE_PROGRAM, row.html, row.css, row)
    row = _active(deps, org, None)
    if row is not None:
        return EffectiveTemplate(SOURCE_ORGANIZATION, row.html, row.css, row)
    html, css = default_template()
    return EffectiveTemplate(SOURCE_DEFAULT, html, css, None)


def preview_template(
    deps: Deps, org: Organization, program: Program | None, html: str, css: str
) -> TemplatePreview:
    """Check a template with the sample data of the program (or the body); TemplateError."""
    return check_template(html, css, sample_context(deps, org, program))


def _subject(org: Organization, program: Program | None) -> str:
    return org.slug if program is None else f"{org.slug}/{program.code}"


def _digest(html: str, css: str) -> str:
    # NUL never occurs in a stored template (refused at input): the pair reads back one way.
    return hashlib.sha256(html.encode() + b"\0" + css.encode()).hexdigest()


def _lock(deps: Deps, org: Organization) -> None:
    # Versions of one body are numbered one writer after the other (PostgreSQL; SQLite's
    # writing units hold the database's write lock anyway).
    deps.session.execute(select(Organization.id).where(Organization.id == org.id).with_for_update())


def _deactivate(deps: Deps, org: Organization, program: Program | None) -> None:
    deps.session.execute(
        update(CertificateTemplate)
        .where(*_owned(org, program), CertificateTemplate.active.is_(True))
        .values(active=False)
        .execution_options(synchronize_session="fetch")
    )


def save_template(
    deps: Deps,
    org: Organization,
    program: Program | None,
    html: str,
    css: str,
    actor: Principal,
) -> CertificateTemplate:
    """Check the template, then store it as a new version that becomes the active one (the
    earlier versions stay, inactive). A template that fails its check is never stored."""
    preview_template(deps, org, program, html, css)
    _lock(deps, org)
    latest = deps.session.scalar(
        select(func.max(CertificateTemplate.version)).where(*_owned(org, program))
    )
    _deactivate(deps, org, program)
    now = deps.clock.now()
    row = CertificateTemplate(
        organization_id=org.id,
        program_id=program.id if program is not None else None,
        version=(latest or 0) + 1,
        html=html,
        css=css,
        active=True,
        created_at=now,
        created_by=actor.actor,
    )
    deps.session.add(row)
    deps.session.flush()
    record(
        deps,
        actor,
        "template.save",
        _subject(org, program),
        {"version": row.version, "sha256": _digest(html, css)},
        now=now,
    )
    return row


def activate_template(
    deps: Deps, org: Organization, program: Program | None, version: int, actor: Principal
) -> CertificateTemplate:
    """Make an earlier (or the latest) version the active one again, after checking it anew."""
    row = deps.session.scalar(
        select(CertificateTemplate).where(
            *_owned(org, program), CertificateTemplate.version == version
        )
    )
    if row is None:
        raise NotFound(f"no version {version} of this template", code="unknown_template_version")
    preview_template(deps, org, program, row.html, row.css)
    _lock(deps, org)
    _deactivate(deps, org, program)
    row.active = True
    deps.session.flush()
    record(deps, actor, "template.activate", _subject(org, program), {"version": version})
    return row


def use_default_template(
    deps: Deps, org: Organization, program: Program | None, actor: Principal
) -> None:
    """No version active: the program's certificates use the body's template (the body's
    use Sceau's default)."""
    _lock(deps, org)
    _deactivate(deps, org, program)
    deps.session.flush()
    record(deps, actor, "template.default", _subject(org, program))

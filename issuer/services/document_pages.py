"""What the back office's "Documents" pages show: the body's (its template, legal mentions and
programs) and a program's (its template and document options)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from core.accounts.principal import Action, Principal
from core.db.models import CertificateTemplate, Program
from core.deps import Deps
from core.documents.mentions import document_options_json, mentions_json
from issuer.services.documents import template_scope, template_summary


@dataclass(frozen=True)
class DocumentsPage:
    """One "Documents" page: ``program`` None is the body's."""

    organization_name: str
    program: Program | None
    template: dict[str, Any]
    mentions: dict[str, Any]
    options: dict[str, Any] | None
    #: The body's programs: code, name, and whether each has a template of its own.
    programs: list[dict[str, Any]]
    may_edit_template: bool
    may_edit_mentions: bool
    may_edit_options: bool


def documents_page(deps: Deps, principal: Principal, code: str | None) -> DocumentsPage:
    """The page of the program ``code`` (None: the body's); NotFound for another body's."""
    org, program = template_scope(deps, principal, code, Action.READ)
    programs: list[dict[str, Any]] = []
    if program is None:
        own = set(
            deps.session.scalars(
                select(CertificateTemplate.program_id).where(
                    CertificateTemplate.organization_id == org.id,
                    CertificateTemplate.program_id.is_not(None),
                    CertificateTemplate.active.is_(True),
                )
            )
        )
        programs = [
            {"code": p.code, "name": p.name, "own_template": p.id in own}
            for p in deps.session.scalars(
                select(Program).where(Program.organization_id == org.id).order_by(Program.code)
            )
        ]
    return DocumentsPage(
        organization_name=org.name,
        program=program,
        template=template_summary(deps, principal, code),
        mentions=mentions_json(org),
        options=document_options_json(program.document_options) if program else None,
        programs=programs,
        may_edit_template=principal.may(Action.MANAGE_TEMPLATES),
        may_edit_mentions=principal.may(Action.MANAGE_ORGANIZATION),
        may_edit_options=principal.may(Action.MANAGE_PROGRAMS),
    )

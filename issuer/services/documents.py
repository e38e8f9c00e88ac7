"""Use cases of a body's certificate documents, for the API and the back office: templates
(check, preview, versions), the body's legal mentions, a program's document options.

Another body's program is "not found" before any role check; then reading needs READ,
templates MANAGE_TEMPLATES, mentions MANAGE_ORGANIZATION and options MANAGE_PROGRAMS.
"""

from __future__ import annotations

from typing import Any

from core.accounts.principal import Action, Principal
from core.audit.log import record
from core.clock import isoformat_z
from core.db.models import Organization, Program
from core.deps import Deps
from core.documents.mentions import (
    document_options_json,
    mentions_json,
    parse_document_options,
    parse_mentions,
)
from core.documents.template_check import TemplatePreview
from core.documents.template_versions import (
    activate_template,
    effective_template,
    preview_template,
    save_template,
    template_versions,
    use_default_template,
)
from core.documents.templating import MAX_SOURCE_BYTES
from core.errors import InputError, PayloadTooLarge
from core.validation import validate_payload
from issuer.services.programs import get_program
from issuer.services.sessions import organization_of


def template_scope(
    deps: Deps, principal: Principal, code: str | None, action: Action
) -> tuple[Organization, Program | None]:
    """The caller's body and its program ``code`` (None: the body's own template), if the
    caller may ``action``: NotFound for another body's program first, then PermissionDenied."""
    org = organization_of(deps, principal)
    program = get_program(deps, org, code) if code is not None else None
    principal.require(action)
    return org, program


def template_source(html: Any, css: Any) -> tuple[str, str]:
    """The HTML and CSS of a template as typed or uploaded: InputError for a NUL (no database
    stores it) and PayloadTooLarge past the size a template may have."""
    problems, too_large = [], []
    for path, text in (("html", html), ("css", css)):
        if "\x00" in text:
            problems.append({"path": path, "message": "NUL character"})
        if len(text.encode()) > MAX_SOURCE_BYTES:
            too_large.append({"path": path, "message": f"at most {MAX_SOURCE_BYTES // 1024} KiB"})
    if too_large:
        raise PayloadTooLarge(
            "a template is at most 256 KiB of HTML and of CSS", problems=too_large
        )
    if problems:
        raise InputError("a template is text without NUL characters", problems=problems)
    if not html.strip():
        raise InputError(
            "a template needs HTML",
            code="invalid_request",
            problems=[{"path": "html", "message": "required"}],
        )
    return html, css


def parse_template(payload: Any) -> tuple[str, str]:
    """``{"html": ..., "css": ...}`` of the API as (html, css)."""
    validate_payload("certificate_template", payload)
    return template_source(payload["html"], payload.get("css", ""))


def template_summary(deps: Deps, principal: Principal, code: str | None) -> dict[str, Any]:
    """The template new certificates use (with where it comes from) and the stored versions."""
    org, program = template_scope(deps, principal, code, Action.READ)
    current = effective_template(deps, org, program)
    versions = template_versions(deps, org, program)
    return {
        "program": program.code if program is not None else None,
        "source": current.source,
        "version": current.row.version if current.row is not None else None,
        "html": current.html,
        "css": current.css,
        "versions": [
            {
                "version": row.version,
                "active": row.active,
                "createdAt": isoformat_z(row.created_at),
                "createdBy": row.created_by,
            }
            for row in versions
        ],
    }


def preview(deps: Deps, principal: Principal, code: str | None, payload: Any) -> TemplatePreview:
    """The first page of the template ``{"html", "css"}`` rendered with sample data;
    TemplateError says why it does not render."""
    org, program = template_scope(deps, principal, code, Action.MANAGE_TEMPLATES)
    return preview_template(deps, org, program, *parse_template(payload))


def save(deps: Deps, principal: Principal, code: str | None, payload: Any) -> int:
    """Check the template ``{"html", "css"}`` and store it as a new version, active from now
    on; its number."""
    org, program = template_scope(deps, principal, code, Action.MANAGE_TEMPLATES)
    html, css = parse_template(payload)
    return save_template(deps, org, program, html, css, principal).version


def activate(deps: Deps, principal: Principal, code: str | None, version: int) -> None:
    """Make a stored version the active one again (checked anew)."""
    org, program = template_scope(deps, principal, code, Action.MANAGE_TEMPLATES)
    activate_template(deps, org, program, version, principal)


def use_default(deps: Deps, principal: Principal, code: str | None) -> None:
    """Deactivate every version: the body's template (or Sceau's default) applies."""
    org, program = template_scope(deps, principal, code, Action.MANAGE_TEMPLATES)
    use_default_template(deps, org, program, principal)


def mentions(deps: Deps, principal: Principal) -> dict[str, Any]:
    """The body's legal mentions."""
    principal.require(Action.READ)
    return mentions_json(organization_of(deps, principal))


def update_mentions(deps: Deps, principal: Principal, payload: Any) -> dict[str, Any]:
    """Replace the body's legal mentions (audited with the names of the fields changed)."""
    principal.require(Action.MANAGE_ORGANIZATION)
    org = organization_of(deps, principal)
    values = parse_mentions(payload)
    changed = sorted(k for k, v in values.items() if getattr(org, k) != v)
    for attribute, value in values.items():
        setattr(org, attribute, value)
    deps.session.flush()
    record(deps, principal, "organization.mentions", org.slug, {"changed": changed})
    return mentions_json(org)


def document_options(deps: Deps, principal: Principal, code: str) -> dict[str, Any]:
    """A program's document options."""
    org = organization_of(deps, principal)
    program = get_program(deps, org, code)
    principal.require(Action.READ)
    return document_options_json(program.document_options)


def update_document_options(
    deps: Deps, principal: Principal, code: str, payload: Any
) -> dict[str, Any]:
    """Replace a program's document options: how its certificates print, not what they award
    (so no new program version)."""
    org = organization_of(deps, principal)
    program = get_program(deps, org, code)
    principal.require(Action.MANAGE_PROGRAMS)
    options = parse_document_options(payload)
    program.document_options = options
    deps.session.flush()
    record(deps, principal, "program.document_options", f"{org.slug}/{program.code}", options)
    return document_options_json(options)

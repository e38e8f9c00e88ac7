"""Certificate templates: HTML and CSS rendered by Jinja in a sandbox, checked before use."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Template, TemplateSyntaxError
from jinja2 import TemplateError as JinjaError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from sqlalchemy import select

from core.db.models import CertificateTemplate, Organization, Program
from core.deps import Deps
from core.documents.pdf import TemplateError

DEFAULTS = Path(__file__).parent / "templates"
#: Limits of an uploaded template, so that one cannot exhaust a worker.
MAX_SOURCE_BYTES = 256 * 1024
MAX_OUTPUT_CHARS = 2 * 1024 * 1024


def _finalize(value: Any) -> Any:
    # A missing optional mention (no validity end, no SIRET) prints nothing, never "None".
    return "" if value is None else value


_environment = ImmutableSandboxedEnvironment(autoescape=True, finalize=_finalize)


@lru_cache(maxsize=1)
def default_template() -> tuple[str, str]:
    """The HTML and CSS of the default certificate (French and English by its context)."""
    return (
        (DEFAULTS / "certificate.html").read_text(),
        (DEFAULTS / "certificate.css").read_text(),
    )


def active_template(deps: Deps, org: Organization, program: Program | None) -> tuple[str, str]:
    """The template a new certificate uses: the program's, else the body's, else the default."""
    for program_id in ([program.id] if program is not None else []) + [None]:
        row = deps.session.scalars(
            select(CertificateTemplate)
            .where(
                CertificateTemplate.organization_id == org.id,
                CertificateTemplate.program_id.is_(None)
                if program_id is None
                else CertificateTemplate.program_id == program_id,
                CertificateTemplate.active.is_(True),
            )
            .order_by(CertificateTemplate.version.desc())
        ).first()
        if row is not None:
            return row.html, row.css
    return default_template()


@lru_cache(maxsize=64)
def _compiled(source: str) -> Template:
    # Compiling is most of a render's cost: a batch renders the same template thousands of
    # times. Sources are keyed by their text, so an edited template is compiled anew.
    return _environment.from_string(source)


def render_source(source: str, context: dict[str, Any], what: str) -> str:
    """Render one template source in the sandbox; raise TemplateError saying where it broke."""
    if len(source.encode()) > MAX_SOURCE_BYTES:
        raise TemplateError(f"the {what} is over {MAX_SOURCE_BYTES // 1024} KiB")
    try:
        output = _compiled(source).render(context)
    except TemplateSyntaxError as error:
        raise TemplateError(f"{what}, line {error.lineno}: {error.message}") from None
    except JinjaError as error:
        raise TemplateError(f"{what}: {error}") from None
    except (ArithmeticError, TypeError, ValueError, LookupError, RecursionError) as error:
        raise TemplateError(f"{what}: {type(error).__name__}: {error}") from None
    if len(output) > MAX_OUTPUT_CHARS:
        raise TemplateError(f"the {what} renders to more than {MAX_OUTPUT_CHARS} characters")
    return output

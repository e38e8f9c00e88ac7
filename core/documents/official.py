"""Sceau's own sealed documents (jury minutes, annual report): template -> PDF/A-3b -> seal.

These templates ship with Sceau (never uploaded), so they render in an ordinary autoescaped
environment rather than the certificate templates' sandbox; values are formatted in the
document's language ("fr" or "en") by the filters below.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from babel.dates import format_date
from babel.numbers import format_percent
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context

from core.db.models import Organization
from core.deps import Deps
from core.documents.pdf import render_pdf
from core.documents.seal import seal_pdf

TEMPLATES = Path(__file__).parent / "templates"
#: The stylesheet every official document shares (A4, running header, "page X / Y").
STYLESHEET = "official.css"


def _language(context: Context) -> str:
    return str(context.get("lang", "fr"))


@pass_context
def _day(context: Context, value: date | datetime | None) -> str:
    """A day in words: "1 décembre 2026", "December 1, 2026"."""
    if value is None:
        return "—"
    day = value.date() if isinstance(value, datetime) else value
    return format_date(day, format="long", locale=_language(context))


@pass_context
def _instant(context: Context, value: datetime | None) -> str:
    """A day and a time of day, in UTC (as the audit log records them)."""
    if value is None:
        return "—"
    return f"{_day(context, value)}, {value.strftime('%H:%M')} UTC"


@pass_context
def _number(context: Context, value: str | Decimal | int | None) -> str:
    """A decimal as written in the language: "13,25" in French, "13.25" in English."""
    if value is None or value == "":
        return "—"
    text = format(value, "f") if isinstance(value, Decimal) else str(value)
    return text.replace(".", ",") if _language(context) == "fr" else text


@pass_context
def _percent(context: Context, rate: str | None) -> str:
    """A rate ("0.8125") as a percentage of the language: "81,25 %", "81.25%"."""
    if rate is None:
        return "—"
    return format_percent(Decimal(rate), format="#,##0.##%", locale=_language(context))


def _finalize(value: Any) -> Any:
    # A missing optional mention (no SIRET, no place) prints nothing, never "None".
    return "" if value is None else value


_environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=StrictUndefined,
    finalize=_finalize,
    trim_blocks=True,
    lstrip_blocks=True,
)
_environment.filters.update(day=_day, instant=_instant, number=_number, percent=_percent)


def template_digest(*names: str) -> str:
    """SHA-256 of the sources of templates ``names`` and the shared stylesheet: a change of
    Sceau's templates is a change of the documents they make."""
    digest = hashlib.sha256()
    for name in (*names, STYLESHEET):
        digest.update((TEMPLATES / name).read_bytes())
    return digest.hexdigest()


def render_official(template: str, context: dict[str, Any]) -> bytes:
    """The PDF/A-3b of one of Sceau's templates (not sealed)."""
    html = _environment.get_template(template).render(context)
    return render_pdf(html, stylesheets=[(TEMPLATES / STYLESHEET).read_text()])


def sealed_official(
    deps: Deps, org: Organization, template: str, context: dict[str, Any], *, reason: str
) -> bytes:
    """The PDF/A-3b of one of Sceau's templates, sealed by ``org``'s seal certificate."""
    return seal_pdf(deps, org, render_official(template, context), reason=reason)

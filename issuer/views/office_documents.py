"""The back office's "Documents" pages: the body's (its certificate template, legal mentions and
programs) and each program's (its template and document options). A template is previewed
(its first page, from sample data) and saved only once it renders; a refused one stays in the
form with the reason."""

from __future__ import annotations

import base64
from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from core.accounts.principal import Action, Principal
from core.documents.pdf import TemplateError
from core.documents.template_check import TemplatePreview
from core.errors import InputError, SceauError
from core.web.database import deps, read_only, refused
from issuer.services import documents as docs
from issuer.services.document_pages import DocumentsPage, documents_page
from issuer.views.auth import staff_required
from issuer.views.document_forms import (
    FIELDS,
    MentionsForm,
    OptionsForm,
    TemplateForm,
    problem_text,
    template_message,
)
from issuer.views.forms import PostForm
from issuer.views.pages import install_pages

bp = Blueprint("office_documents", __name__, template_folder="../templates")
install_pages(bp)

_BODY = "/staff/documents"
_PROGRAM = "/staff/programs/<code>/documents"
_NONE: dict[str, Any] = {"code": None}


def _page_url(code: str | None) -> str:
    return url_for(".documents", code=code) if code else url_for(".documents")


def _render(
    page: DocumentsPage,
    status: int = 200,
    *,
    template_form: TemplateForm | None = None,
    mentions_form: MentionsForm | None = None,
    options_form: OptionsForm | None = None,
    preview: TemplatePreview | None = None,
    error: str | None = None,
) -> tuple[str, int]:
    if template_form is None:
        template_form = TemplateForm(
            data={"html": page.template["html"], "css": page.template["css"]}
        )
    if mentions_form is None:
        m = page.mentions
        mentions_form = MentionsForm(
            data={
                "legal_name": m["legalName"],
                "siret": m["siret"],
                "nda": m["nda"],
                "address": m["address"],
                "signatory_name": m["signatoryName"],
                "signatory_role": m["signatoryRole"],
                "language": m["language"],
            }
        )
    if options_form is None and page.options is not None:
        o = page.options
        options_form = OptionsForm(
            data={
                "language": o["language"] or "",
                "show_results": o["showResults"],
                "level": o["level"] or "",
                "framework": o["framework"] or "",
                "code": o["code"],
            }
        )
    image = "data:image/png;base64," + base64.b64encode(preview.png).decode() if preview else None
    html = render_template(
        "office/documents.html",
        page=page,
        code=page.program.code if page.program else None,
        template_form=template_form,
        mentions_form=mentions_form,
        options_form=options_form,
        action_form=PostForm(),
        preview=preview,
        preview_image=image,
        template_error=error,
    )
    return html, status


def _refusal(error: SceauError, form: TemplateForm | None = None) -> str:
    """What a refused template says, in the page's language, naming the form's fields."""
    if isinstance(error, TemplateError):
        return template_message(error.message)
    if error.problems:
        parts = []
        for problem in error.problems:
            path = str(problem.get("path", ""))
            field = getattr(form, path, None) if path.isidentifier() else None
            label = field.label.text if field is not None else path
            parts.append(f"{label}: {problem_text(str(problem.get('message', '')))}")
        return "; ".join(parts)
    return error.message


@bp.get(_BODY, defaults=_NONE)
@bp.get(_PROGRAM)
@read_only
@staff_required()
def documents(principal: Principal, code: str | None) -> Any:
    return _render(documents_page(deps(), principal, code))


def _template_post(principal: Principal, code: str | None) -> tuple[DocumentsPage, TemplateForm]:
    # Another body's program is 404, then a role that may not edit templates 403, before
    # the form is read.
    docs.template_scope(deps(), principal, code, Action.MANAGE_TEMPLATES)
    return documents_page(deps(), principal, code), TemplateForm()


@bp.post(_BODY + "/template/preview", defaults=_NONE)
@bp.post(_PROGRAM + "/template/preview")
@read_only
@staff_required()
def preview(principal: Principal, code: str | None) -> Any:
    page, form = _template_post(principal, code)
    if not form.validate_on_submit():
        return _render(page, 400, template_form=form)
    try:
        found = docs.preview(deps(), principal, code, form.sources())
    except InputError as error:
        refused(error)
        return _render(page, 422, template_form=form, error=_refusal(error, form))
    return _render(page, template_form=form, preview=found)


@bp.post(_BODY + "/template", defaults=_NONE)
@bp.post(_PROGRAM + "/template")
@staff_required()
def save(principal: Principal, code: str | None) -> Any:
    page, form = _template_post(principal, code)
    if not form.validate_on_submit():
        return _render(page, 400, template_form=form)
    try:
        version = docs.save(deps(), principal, code, form.sources())
    except InputError as error:
        refused(error)
        return _render(page, 422, template_form=form, error=_refusal(error, form))
    flash(
        _(
            "Version %(version)s of the template is saved: new certificates use it.",
            version=version,
        ),
        "ok",
    )
    return redirect(_page_url(code))


@bp.post(_BODY + "/template/versions/<int:version>/activate", defaults=_NONE)
@bp.post(_PROGRAM + "/template/versions/<int:version>/activate")
@staff_required()
def activate(principal: Principal, code: str | None, version: int) -> Any:
    if not PostForm().validate_on_submit():
        return redirect(_page_url(code))
    try:
        docs.activate(deps(), principal, code, version)
    except TemplateError as error:
        refused(error)
        page = documents_page(deps(), principal, code)
        return _render(page, 422, error=_refusal(error))
    flash(_("Version %(version)s of the template is active again.", version=version), "ok")
    return redirect(_page_url(code))


@bp.post(_BODY + "/template/default", defaults=_NONE)
@bp.post(_PROGRAM + "/template/default")
@staff_required()
def use_default(principal: Principal, code: str | None) -> Any:
    if PostForm().validate_on_submit():
        docs.use_default(deps(), principal, code)
        flash(
            _("The program's certificates use the body's template.")
            if code
            else _("The body's certificates use Sceau's default template."),
            "ok",
        )
    return redirect(_page_url(code))


def _place_problems(form: Any, error: SceauError) -> None:
    for problem in error.problems:
        path = str(problem.get("path", ""))
        field = getattr(form, FIELDS.get(path, path), None)
        if field is not None:
            field.errors = [*field.errors, problem_text(str(problem.get("message", "")))]


@bp.post(_BODY + "/mentions")
@staff_required()
def mentions(principal: Principal) -> Any:
    principal.require(Action.MANAGE_ORGANIZATION)
    page = documents_page(deps(), principal, None)
    form = MentionsForm()
    if form.validate_on_submit():
        try:
            docs.update_mentions(deps(), principal, form.payload())
        except InputError as error:
            refused(error)
            _place_problems(form, error)
        else:
            flash(_("The legal mentions are saved."), "ok")
            return redirect(_page_url(None))
    return _render(page, 400, mentions_form=form)


@bp.post(_PROGRAM + "/options")
@staff_required()
def options(principal: Principal, code: str) -> Any:
    docs.template_scope(deps(), principal, code, Action.MANAGE_PROGRAMS)
    page = documents_page(deps(), principal, code)
    form = OptionsForm()
    if form.validate_on_submit():
        try:
            docs.update_document_options(deps(), principal, code, form.payload())
        except InputError as error:
            refused(error)
            _place_problems(form, error)
        else:
            flash(_("The document options are saved."), "ok")
            return redirect(_page_url(code))
    return _render(page, 400, options_form=form)

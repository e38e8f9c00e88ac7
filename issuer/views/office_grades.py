"""The back office's grading pages: one assessment of a session, a score per candidate (by
form, or a CSV file ``email,score``), first or second marking."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.accounts.principal import Principal
from core.errors import Conflict, InputError
from core.web.database import deps, read_only
from issuer.services.grade_sheets import grade_sheet, import_grades_file, record_sheet
from issuer.views.auth import staff_required
from issuer.views.forms import PostForm
from issuer.views.office_forms import GradesCsvForm, error_summary, int_arg, problems_of
from issuer.views.pages import install_pages

bp = Blueprint("office_grades", __name__, template_folder="../templates")
install_pages(bp)

_SCORE_PREFIX = "score-"


def _marking(source: Any) -> int:
    """The marking asked for: 1 when absent, 2 for a second marking; anything else is a 400
    (a typo must never land scores in the first marking)."""
    raw = source.get("marking") or "1"
    if raw not in ("1", "2"):
        raise InputError(
            "marking is 1 or 2",
            code="invalid_request",
            problems=[{"path": "marking", "message": "1 or 2"}],
        )
    return int(raw)


def _render(principal: Principal, session_id: str, code: str, **extra: Any) -> Any:
    sheet = grade_sheet(
        deps(),
        principal,
        session_id,
        code,
        extra.pop("marking"),
        int_arg(request.values.get("page"), 1) or 1,
    )
    return render_template(
        "office/grades.html",
        sheet=sheet,
        form=extra.pop("form", None) or PostForm(),
        csv_form=extra.pop("csv_form", None) or GradesCsvForm(),
        **extra,
    )


@bp.get("/staff/sessions/<uuid:session_id>/grades/<code>")
@read_only
@staff_required()
def sheet(principal: Principal, session_id: Any, code: str) -> Any:
    return _render(principal, str(session_id), code, marking=_marking(request.args))


@bp.post("/staff/sessions/<uuid:session_id>/grades/<code>")
@staff_required()
def record(principal: Principal, session_id: Any, code: str) -> Any:
    marking = _marking(request.form)
    entries = {
        key.removeprefix(_SCORE_PREFIX): value
        for key, value in request.form.items()
        if key.startswith(_SCORE_PREFIX)
    }
    for key in request.form:
        if key.startswith("absent-"):
            entries[key.removeprefix("absent-")] = "absent"
    form = PostForm()
    if form.validate_on_submit():
        try:
            changed = record_sheet(deps(), principal, str(session_id), code, marking, entries)
        except (InputError, Conflict) as error:
            problems = {str(p.get("path")): p["message"] for p in problems_of(error)}
            page = _render(
                principal,
                str(session_id),
                code,
                marking=marking,
                summary=error_summary(error),
                problems=problems,
                entered=entries,
            )
            return page, 400
        flash(_("%(count)d score(s) recorded.", count=changed), "ok")
    return redirect(
        url_for(
            ".sheet",
            session_id=str(session_id),
            code=code,
            marking=marking,
            page=int_arg(request.form.get("page"), 1),
        )
    )


@bp.post("/staff/sessions/<uuid:session_id>/grades/<code>/csv")
@staff_required()
def upload(principal: Principal, session_id: Any, code: str) -> Any:
    marking = _marking(request.form)
    csv_form = GradesCsvForm()
    if not csv_form.validate_on_submit():
        return _render(principal, str(session_id), code, marking=marking, csv_form=csv_form), 400
    try:
        changed = import_grades_file(
            deps(), principal, str(session_id), code, marking, csv_form.file.data.read()
        )
    except (InputError, Conflict) as error:
        page = _render(
            principal,
            str(session_id),
            code,
            marking=marking,
            csv_form=csv_form,
            csv_summary=error_summary(error),
            csv_problems=problems_of(error),
        )
        return page, 400
    flash(_("%(count)d score(s) recorded.", count=changed), "ok")
    return redirect(url_for(".sheet", session_id=str(session_id), code=code, marking=marking))

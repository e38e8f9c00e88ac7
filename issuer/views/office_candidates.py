"""The back office's candidate pages: import a CSV file (with a progress bar), enter one
candidate by hand, and record a file's eligibility."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.accounts.principal import Principal
from core.errors import Conflict, InputError
from core.web.database import deps, read_only
from core.web.i18n import current_locale
from issuer.services.enrollment_pages import (
    eligibility_file,
    eligibility_payload,
    enroll_one,
    enrolling_session,
    import_candidates_file,
)
from issuer.services.enrollments import record_eligibility
from issuer.views.auth import staff_required
from issuer.views.office_forms import (
    CandidateForm,
    EligibilityForm,
    ImportForm,
    error_summary,
    problems_of,
)
from issuer.views.pages import install_pages

bp = Blueprint("office_candidates", __name__, template_folder="../templates")
install_pages(bp)

#: The header the import page's script sends: it wants the result alone, not a whole page.
FRAGMENT_HEADER = "X-Sceau-Fragment"


@bp.get("/staff/sessions/<uuid:session_id>/candidates/import")
@read_only
@staff_required()
def import_page(principal: Principal, session_id: Any) -> Any:
    session = enrolling_session(deps(), principal, str(session_id))
    return render_template("office/import.html", session=session, form=ImportForm())


@bp.post("/staff/sessions/<uuid:session_id>/candidates/import")
@staff_required()
def import_file(principal: Principal, session_id: Any) -> Any:
    d = deps()
    form = ImportForm()
    fragment = request.headers.get(FRAGMENT_HEADER) == "1"
    outcome: dict[str, Any] = {}
    status = 400
    if not form.validate_on_submit():
        session = enrolling_session(d, principal, str(session_id))
        outcome = {"summary": _("Choose a CSV file.")}
    else:
        data = form.file.data.read()
        try:
            created = import_candidates_file(d, principal, str(session_id), data)
        except (InputError, Conflict) as error:
            outcome = {"summary": error_summary(error), "problems": problems_of(error)}
        else:
            outcome, status = {"created": len(created)}, 200
        session = enrolling_session(d, principal, str(session_id))
    if status == 200 and not fragment:
        flash(_("%(count)d candidate(s) imported.", count=outcome["created"]), "ok")
        return redirect(url_for("office_sessions.session", session_id=session.id))
    template = "office/_import_result.html" if fragment else "office/import.html"
    return render_template(template, session=session, form=form, outcome=outcome), status


@bp.get("/staff/sessions/<uuid:session_id>/candidates/new")
@read_only
@staff_required()
def candidate_page(principal: Principal, session_id: Any) -> Any:
    session = enrolling_session(deps(), principal, str(session_id))
    return render_template("office/candidate_new.html", session=session, form=CandidateForm())


@bp.post("/staff/sessions/<uuid:session_id>/candidates/new")
@staff_required()
def add_candidate(principal: Principal, session_id: Any) -> Any:
    d = deps()
    form = CandidateForm()
    summary = None
    if form.validate_on_submit():
        try:
            enroll_one(d, principal, str(session_id), form.cells())
        except (InputError, Conflict) as error:
            summary = error_summary(error)
            for problem in problems_of(error):
                field = getattr(form, str(problem.get("path", "")), None)
                if field is not None:
                    field.errors = [*field.errors, problem["message"]]
        else:
            flash(_("The candidate is enrolled."), "ok")
            return redirect(url_for("office_sessions.session", session_id=str(session_id)))
    session = enrolling_session(d, principal, str(session_id))
    page = render_template("office/candidate_new.html", session=session, form=form, summary=summary)
    return page, 400


#: Where the API's field paths show on the eligibility form.
_ELIGIBILITY_FIELDS = {
    "attendancePercent": "attendance",
    "override.justification": "justification",
    "override": "justification",
    "identityDocument": "identity_document",
}


def _language() -> Any:
    return "en" if current_locale() == "en" else "fr"


@bp.get("/staff/enrollments/<uuid:enrollment_id>/eligibility")
@read_only
@staff_required()
def eligibility_page(principal: Principal, enrollment_id: Any) -> Any:
    found = eligibility_file(deps(), principal, str(enrollment_id), _language())
    e = found.enrollment
    form = EligibilityForm(
        data={
            "identity_checked": bool(e.identity_checked),
            "identity_document": e.identity_document or "",
            "attendance": "" if e.attendance_percent is None else str(e.attendance_percent),
            "file_complete": bool(e.file_complete),
            "override": ("eligible" if e.eligible else "ineligible")
            if e.eligibility_override
            else "",
            "justification": e.eligibility_override or "",
        }
    )
    return render_template("office/eligibility.html", file=found, form=form)


@bp.post("/staff/enrollments/<uuid:enrollment_id>/eligibility")
@staff_required()
def record(principal: Principal, enrollment_id: Any) -> Any:
    d = deps()
    form = EligibilityForm()
    summary = None
    if form.validate_on_submit():
        payload = eligibility_payload(
            identity_checked=form.identity_checked.data,
            identity_document=(form.identity_document.data or "").strip() or None,
            prerequisites=[
                request.form.get(f"prerequisite-{i}") == "y"
                for i in range(len(request.form.getlist("prerequisite-index")))
            ],
            attendance=(form.attendance.data or "").strip() or None,
            file_complete=form.file_complete.data,
            override=form.override.data,
            justification=form.justification.data,
        )
        try:
            eligible, _reasons = record_eligibility(d, principal, str(enrollment_id), payload)
        except (InputError, Conflict) as error:
            summary = error_summary(error)
            for problem in problems_of(error):
                path = str(problem.get("path", ""))
                name = _ELIGIBILITY_FIELDS.get(path)
                if name:
                    getattr(form, name).errors = [*getattr(form, name).errors, problem["message"]]
        else:
            flash(_("Eligible.") if eligible else _("Not eligible."), "ok")
            return redirect(url_for(".eligibility_page", enrollment_id=str(enrollment_id)))
    found = eligibility_file(d, principal, str(enrollment_id), _language())
    return render_template("office/eligibility.html", file=found, form=form, summary=summary), 400

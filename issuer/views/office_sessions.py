"""The back office's session pages: the sessions table, the new-session form, and a session
with its candidates and their results."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.accounts.principal import Action, Principal
from core.errors import InputError
from core.web.database import deps, read_only
from issuer.services.session_pages import (
    ELIGIBILITY_FILTERS,
    ENROLLMENT_STATES,
    SESSION_STATES,
    list_sessions,
    session_form_choices,
    session_page,
)
from issuer.services.sessions import create_session
from issuer.views.auth import staff_required
from issuer.views.office_forms import (
    SessionForm,
    choices,
    error_summary,
    int_arg,
    problems_of,
)
from issuer.views.pages import install_pages

bp = Blueprint("office_sessions", __name__, template_folder="../templates")
install_pages(bp)

#: Where the API's field paths show on the new-session form.
_FIELDS = {"startsOn": "starts_on", "endsOn": "ends_on", "program": "program", "name": "name"}


def _choice(value: str | None, allowed: tuple[str, ...]) -> str | None:
    return value if value in allowed else None


@bp.get("/staff/sessions")
@read_only
@staff_required(Action.READ)
def sessions(principal: Principal) -> Any:
    filters: dict[str, Any] = {
        "program": (request.args.get("program") or "").strip()[:64] or None,
        "state": _choice(request.args.get("state"), SESSION_STATES),
        "year": int_arg(request.args.get("year")),
    }
    found = list_sessions(
        deps(), principal, page=int_arg(request.args.get("page"), 1) or 1, **filters
    )
    return render_template(
        "office/sessions.html",
        found=found,
        filters=filters,
        args={k: v for k, v in filters.items() if v},
        states=SESSION_STATES,
    )


def _session_form(principal: Principal) -> SessionForm:
    form = SessionForm()
    programs, evaluators = session_form_choices(deps(), principal)
    form.program.choices, form.evaluators.choices = choices(programs), choices(evaluators)
    return form


@bp.get("/staff/sessions/new")
@read_only
@staff_required(Action.MANAGE_SESSIONS)
def new_session(principal: Principal) -> Any:
    return render_template("office/session_new.html", form=_session_form(principal))


@bp.post("/staff/sessions/new")
@staff_required(Action.MANAGE_SESSIONS)
def create(principal: Principal) -> Any:
    form = _session_form(principal)
    summary = None
    if form.validate_on_submit():
        payload: dict[str, Any] = {
            "program": form.program.data,
            "name": form.name.data,
            "startsOn": form.starts_on.data.isoformat(),
            "endsOn": form.ends_on.data.isoformat(),
            "place": form.place.data,
            "evaluators": list(form.evaluators.data or []),
        }
        if form.capacity.data is not None:
            payload["capacity"] = form.capacity.data
        try:
            session = create_session(deps(), principal, payload)
        except InputError as error:
            summary = error_summary(error)
            for problem in problems_of(error):
                path = str(problem.get("path", ""))
                field = getattr(form, _FIELDS.get(path, path.partition("[")[0]), None)
                if field is not None:
                    field.errors = [*field.errors, problem["message"]]
        else:
            flash(_("The session is created."), "ok")
            return redirect(url_for(".session", session_id=session.id))
    return render_template("office/session_new.html", form=form, summary=summary), 400


@bp.get("/staff/sessions/<uuid:session_id>")
@read_only
@staff_required()
def session(principal: Principal, session_id: Any) -> Any:
    filters: dict[str, Any] = {
        "state": _choice(request.args.get("state"), ENROLLMENT_STATES),
        "eligibility": _choice(request.args.get("eligibility"), ELIGIBILITY_FILTERS),
        "text": (request.args.get("q") or "").strip()[:100] or None,
    }
    found = session_page(
        deps(),
        principal,
        str(session_id),
        page=int_arg(request.args.get("page"), 1) or 1,
        **filters,
    )
    return render_template(
        "office/session.html",
        view=found,
        filters=filters,
        args={("q" if k == "text" else k): v for k, v in filters.items() if v},
        states=ENROLLMENT_STATES,
        eligibility_filters=ELIGIBILITY_FILTERS,
    )

"""The back office's documents of a signed session (jury minutes and their versions, the print
file, the address list) and the annual report as a sealed PDF."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.accounts.principal import Action, Principal
from core.documents.archive import archive_store
from core.errors import Conflict
from core.web.database import deps, read_only, refused
from core.web.requests import positive_int_arg
from issuer.services.minutes import documents_page, new_minutes_version, session_minutes
from issuer.services.postal import address_rows, write_print_file
from issuer.services.report_documents import annual_report_document
from issuer.views.auth import staff_required
from issuer.views.downloads import archived_pdf, spooled_pdf
from issuer.views.exports import csv_response
from issuer.views.pages import install_pages

bp = Blueprint("office_session_documents", __name__, template_folder="../templates")
install_pages(bp)

#: Refusals the pages explain (by error code) instead of an error page.
_REFUSALS = {
    "session_not_signed": _l(
        "The session's documents are made once its decisions are signed and its credentials issued."
    ),
    "nothing_to_print": _l("This session has no valid certificate to print."),
}


def _refused(error: Conflict, session_id: Any) -> Response:
    message = _REFUSALS.get(error.code)
    if message is None:
        raise error
    refused(error)
    flash(str(message), "error")
    return redirect(url_for("office_session_documents.page", session_id=session_id), code=303)


@bp.get("/staff/sessions/<uuid:session_id>/documents")
@read_only
@staff_required(Action.READ)
def page(session_id: Any, principal: Principal) -> Any:
    found = documents_page(deps(), principal, str(session_id))
    return render_template("office/session_documents.html", page=found)


@bp.get("/staff/sessions/<uuid:session_id>/minutes.pdf")
@staff_required(Action.READ)
def minutes(session_id: Any, principal: Principal) -> Any:
    d = deps()
    store = archive_store(d.settings)
    try:
        found = session_minutes(
            d, principal, str(session_id), store, version=positive_int_arg("version")
        )
    except Conflict as error:
        return _refused(error, session_id)
    return archived_pdf(store, found.document, f"jury-minutes-v{found.number}.pdf")


@bp.post("/staff/sessions/<uuid:session_id>/minutes")
@staff_required()
def renew_minutes(session_id: Any, principal: Principal) -> Response:
    d = deps()
    try:
        found = new_minutes_version(d, principal, str(session_id), archive_store(d.settings))
    except Conflict as error:
        return _refused(error, session_id)
    flash(
        _("Version %(number)d of the jury minutes is made and archived.", number=found.number), "ok"
    )
    return redirect(url_for("office_session_documents.page", session_id=session_id), code=303)


@bp.get("/staff/sessions/<uuid:session_id>/print.pdf")
@staff_required(Action.READ)
def print_file(session_id: Any, principal: Principal) -> Any:
    d = deps()
    store = archive_store(d.settings)
    try:
        return spooled_pdf(
            lambda out: write_print_file(d, principal, str(session_id), store, out),
            d.settings.instance_dir / "tmp",
            f"certificates-{session_id}.pdf",
        )
    except Conflict as error:
        return _refused(error, session_id)


@bp.get("/staff/sessions/<uuid:session_id>/addresses.csv")
@read_only
@staff_required(Action.READ)
def addresses(session_id: Any, principal: Principal) -> Any:
    try:
        rows = address_rows(deps(), principal, str(session_id))
    except Conflict as error:
        return _refused(error, session_id)
    return csv_response(rows, f"addresses-{session_id}.csv")


@bp.get("/staff/reports/<int:year>.pdf")
@staff_required(Action.READ_AUDIT)
def report_pdf(year: int, principal: Principal) -> Response:
    d = deps()
    store = archive_store(d.settings)
    document = annual_report_document(d, principal, year, store)
    return archived_pdf(store, document, f"annual-report-{year}.pdf")

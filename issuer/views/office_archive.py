"""The back office's archive pages: a session's archive for an audit (ZIP), and the documents
past their retention period, which an administrator may delete (the record stays)."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.validators import DataRequired

from core.accounts.principal import Action, Principal
from core.documents.archive import ArchiveStore, archive_store
from core.errors import SceauError
from core.web.database import after_commit, deps, read_only, refused
from core.web.requests import positive_int_arg
from issuer.services.archives import delete_documents, export_session_archive, retention_page
from issuer.views.auth import staff_required
from issuer.views.exports import zip_response
from issuer.views.pages import install_pages

bp = Blueprint("office_archive", __name__, template_folder="../templates")
install_pages(bp)
log = logging.getLogger("sceau.archive")

KIND_NAMES = {
    "certificate_pdf": _l("Certificate (PDF)"),
    "badge_png": _l("Badge image (PNG)"),
    "badge_svg": _l("Badge image (SVG)"),
    "jury_minutes": _l("Jury minutes"),
    "annual_report": _l("Annual report"),
    "program_image": _l("Program image"),
    "organization_image": _l("Organization image"),
}
_REFUSALS = {
    "retention_not_expired": _l(
        "A selected document is still within its retention period: nothing was deleted."
    ),
    "not_found": _l("A selected document no longer exists: nothing was deleted."),
    "invalid_request": _l("Select the documents to delete (at most 500 at a time)."),
}


_PENDING = _l(
    "The certificates of this session are still being made: export the archive once they are "
    "all done (a few seconds per hundred)."
)


class DeleteForm(FlaskForm):
    """The confirmation that goes with the documents ticked in the table."""

    confirm = BooleanField(
        _l("I confirm the deletion of the selected files. This cannot be undone."),
        validators=[DataRequired(message=_l("Tick the box to confirm the deletion."))],
    )


# Not read-only: a certificate PDF that the queue has not made yet is made and archived now.
@bp.get("/staff/sessions/<uuid:session_id>/archive.zip")
@staff_required()
def session_archive(session_id: Any, principal: Principal) -> Response:
    d = deps()
    try:
        return zip_response(
            lambda out: export_session_archive(d, principal, str(session_id), out),
            f"session-{session_id}.zip",
        )
    except SceauError as error:
        if error.code != "documents_pending":
            raise
        refused(error)
        flash(str(_PENDING), "error")
        return redirect(url_for("office_sessions.session", session_id=session_id), code=303)


@bp.get("/staff/archive/retention")
@read_only
@staff_required(Action.MANAGE_ARCHIVE)
def retention(principal: Principal) -> Any:
    found = retention_page(deps(), principal, positive_int_arg("page") or 1)
    return render_template(
        "office/retention.html", view=found, form=DeleteForm(), KIND_NAMES=KIND_NAMES
    )


def _remove(store: ArchiveStore, keys: list[str]) -> None:
    """Remove the bytes of documents whose deletion is committed; one failure spares the rest
    (the file left behind is no longer served: its row says deleted)."""
    for key in keys:
        try:
            store.delete(key)
        except OSError:
            log.exception("could not remove the archived file %s", key)


@bp.post("/staff/archive/retention/delete")
@staff_required(Action.MANAGE_ARCHIVE)
def delete(principal: Principal) -> Response:
    page = request.form.get("page", "")
    back = redirect(url_for(".retention", page=page if page.isdigit() and len(page) < 6 else 1))
    back.status_code = 303
    form = DeleteForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "error")
        return back
    d = deps()
    try:
        keys = delete_documents(d, principal, request.form.getlist("document"))
    except SceauError as error:
        message = _REFUSALS.get(error.code)
        if message is None:
            raise
        refused(error)
        flash(str(message), "error")
        return back
    store = archive_store(d.settings)
    after_commit(lambda: _remove(store, keys))
    flash(ngettext("%(num)d document deleted.", "%(num)d documents deleted.", len(keys)), "ok")
    return back

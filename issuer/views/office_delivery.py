"""The back office's mail pages: the outbox (mails written to files when no SMTP server is set),
one mail read as text, and sending a holder's mail again (administrators and managers)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.accounts.principal import Action, Principal
from core.errors import SceauError
from core.tasks import enqueue
from core.web.database import after_commit, deps, read_only, refused
from core.web.requests import positive_int_arg
from issuer.services.delivery import outbox_mail, outbox_page, resend_delivery
from issuer.views.auth import safe_next, staff_required
from issuer.views.pages import install_pages

bp = Blueprint("office_delivery", __name__, template_folder="../templates")
install_pages(bp)


@bp.get("/staff/outbox")
@read_only
@staff_required(Action.DELIVER)
def outbox(principal: Principal) -> Any:
    found = outbox_page(deps(), principal, positive_int_arg("page") or 1)
    return render_template("office/outbox.html", page=found, smtp=bool(deps().settings.smtp_url))


@bp.get("/staff/outbox/<int:delivery_id>")
@read_only
@staff_required(Action.DELIVER)
def mail(delivery_id: int, principal: Principal) -> Any:
    found = outbox_mail(deps(), principal, delivery_id)
    return render_template("office/outbox_mail.html", mail=found)


@bp.get("/staff/outbox/<int:delivery_id>.eml")
@read_only
@staff_required(Action.DELIVER)
def raw(delivery_id: int, principal: Principal) -> Response:
    found = outbox_mail(deps(), principal, delivery_id)
    # A download, never a page: the browser does not render what the file holds.
    return Response(
        found.raw,
        content_type="message/rfc822",
        headers={"Content-Disposition": f'attachment; filename="mail-{found.delivery_id}.eml"'},
    )


@bp.post("/staff/credentials/<uuid:credential_id>/delivery/resend")
@staff_required()
def resend(credential_id: Any, principal: Principal) -> Response:
    # The CSRF token was checked before the view (core.web.forms); ``next`` is a path of ours.
    back = safe_next(request.form.get("next")) or url_for("office.dashboard")
    d = deps()
    try:
        _summary, job_id = resend_delivery(d, principal, str(credential_id))
    except SceauError as error:
        if error.code == "delivery_queued":
            message = _("A mail to this holder is already queued: it is retried on its own.")
        elif error.code == "credential_revoked":
            message = _("This credential is revoked: its holder is not told that it is issued.")
        else:
            raise
        refused(error)
        flash(message, "error")
        return redirect(back, code=303)
    settings = d.settings
    after_commit(lambda: enqueue(settings, job_id))
    flash(_("The mail is queued: it goes to the holder in a moment."), "ok")
    return redirect(back, code=303)

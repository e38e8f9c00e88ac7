"""The back office's decision pages: the jury's list, propose / approve / sign (four eyes, a
fresh TOTP code), the issuing job's progress, and the session's credentials with revocation."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.accounts.principal import Action, Principal
from core.errors import SceauError
from core.tasks import enqueue
from core.web.database import after_commit, deps, read_only, refused
from issuer.services.decision_page import (
    decision_page,
    revoke_session_credential,
    staff_job_progress,
)
from issuer.services.decisions import approve, propose
from issuer.services.sessions import session_access
from issuer.services.signoff import sign
from issuer.views.auth import staff_required
from issuer.views.decision_forms import RevokeForm, SignForm
from issuer.views.pages import install_pages

bp = Blueprint("office_decisions", __name__, template_folder="../templates")
install_pages(bp)

STATE_NAMES = {
    "open": _l("Open: results being prepared"),
    "proposed": _l("Proposed: awaiting approval"),
    "approved": _l("Approved: awaiting signature"),
    "signing": _l("Signed: credentials being issued"),
    "signed": _l("Signed: credentials issued"),
}
JOB_STATES = {
    "queued": _l("Queued"),
    "running": _l("Running"),
    "done": _l("Done"),
    "failed": _l("Ended with errors"),
}

#: Refusals of the workflow that the page explains (by error code) instead of an error page.
_REFUSALS = {
    "invalid_totp": _l(
        "The code is wrong, expired or already used. Wait for the next code of your "
        "application and try again."
    ),
    "totp_required": _l("Signing needs a second factor: set up your authenticator first."),
    "no_candidates": _l("The session has no candidate yet."),
    "review_pending": _l(
        "Second markings differ beyond the program's threshold: settle them before proposing."
    ),
    "invalid_reason": _l("Give the reason for the revocation in plain text."),
    "already_revoked": _l("This credential is already revoked."),
}
_FOUR_EYES = {
    "approve": _l(
        "Four eyes: you proposed these decisions, so you cannot approve them. Another manager "
        "or administrator must approve them."
    ),
    "sign": _l(
        "Four eyes: who proposed or approved these decisions cannot sign them. Another person, "
        "a signatory, must sign."
    ),
}


def _explain(error: SceauError, step: str) -> str | None:
    """The page's message for a refusal it expects, None for any other error."""
    if error.code == "four_eyes":
        return str(_FOUR_EYES[step])
    if error.code == "results_incomplete":
        return _(
            "%(count)d file(s) await grades or an eligibility decision: the decisions cannot "
            "be proposed yet.",
            count=len(error.problems),
        )
    if error.code.startswith("session_"):
        return _("The session has changed in the meantime: see its state below.")
    message = _REFUSALS.get(error.code)
    return None if message is None else str(message)


def _back(session_id: Any) -> Response:
    return redirect(url_for("office_decisions.page", session_id=session_id), code=303)


def _refused(error: SceauError, step: str, session_id: Any) -> Response:
    message = _explain(error, step)
    if message is None:
        raise error
    refused(error)  # a redirect is not a success: the refused use case's writes go
    flash(message, "error")
    return _back(session_id)


@bp.get("/staff/sessions/<uuid:session_id>/decision")
@read_only
@staff_required(Action.READ)
def page(session_id: Any, principal: Principal) -> Any:
    found = decision_page(deps(), principal, str(session_id))
    return render_template(
        "office/decision.html",
        page=found,
        sign_form=SignForm(),
        revoke_form=RevokeForm(),
        STATE_NAMES=STATE_NAMES,
        JOB_STATES=JOB_STATES,
    )


# The actions check the session (404 for another body's) before the role (403), in their
# use case or with session_access, as the API does.
@bp.post("/staff/sessions/<uuid:session_id>/decision/propose")
@staff_required()
def do_propose(session_id: Any, principal: Principal) -> Response:
    try:
        outcome = propose(deps(), principal, str(session_id))
    except SceauError as error:
        return _refused(error, "propose", session_id)
    flash(
        _(
            "Decisions proposed: %(passed)d passed, %(failed)d failed. Another manager or "
            "administrator must now approve them.",
            passed=outcome["passed"],
            failed=outcome["failed"],
        ),
        "ok",
    )
    return _back(session_id)


@bp.post("/staff/sessions/<uuid:session_id>/decision/approve")
@staff_required()
def do_approve(session_id: Any, principal: Principal) -> Response:
    try:
        approve(deps(), principal, str(session_id))
    except SceauError as error:
        return _refused(error, "approve", session_id)
    flash(_("Decisions approved. A signatory must now sign them."), "ok")
    return _back(session_id)


@bp.post("/staff/sessions/<uuid:session_id>/decision/sign")
@staff_required()
def do_sign(session_id: Any, principal: Principal) -> Response:
    session_access(deps(), principal, str(session_id), Action.SIGN)
    form = SignForm()
    if not form.validate_on_submit():
        for error in form.code.errors:
            flash(str(error), "error")
        return _back(session_id)
    d = deps()
    try:
        job_id, queue = sign(d, principal, str(session_id), form.code.data.strip())
    except SceauError as error:
        return _refused(error, "sign", session_id)
    if queue:
        settings = d.settings
        after_commit(lambda: enqueue(settings, job_id))  # the worker must find the job
    flash(_("Decisions signed: the credentials are being issued."), "ok")
    return _back(session_id)


@bp.post("/staff/sessions/<uuid:session_id>/credentials/<uuid:credential_id>/revoke")
@staff_required()
def do_revoke(session_id: Any, credential_id: Any, principal: Principal) -> Response:
    session_access(deps(), principal, str(session_id), Action.REVOKE)
    form = RevokeForm()
    if not form.validate_on_submit():
        for error in form.reason.errors:
            flash(str(error), "error")
        return _back(session_id)
    try:
        revoke_session_credential(
            deps(), principal, str(session_id), str(credential_id), form.reason.data
        )
    except SceauError as error:
        return _refused(error, "revoke", session_id)
    flash(_("Credential revoked: verifiers see it within one cache period."), "ok")
    return _back(session_id)


@bp.get("/staff/jobs/<uuid:job_id>.json")
@read_only
@staff_required(Action.READ)
def job(job_id: Any, principal: Principal) -> Response:
    """The progress of a job, for the pages' progress bars (cookie-authenticated)."""
    progress = staff_job_progress(deps(), principal, str(job_id))
    return jsonify({**progress, "label": str(JOB_STATES.get(progress["state"], ""))})

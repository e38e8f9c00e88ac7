"""Back-office sign-in pages: the one-time setup link, sign-in (password, then TOTP for admins
and signatories), sign-out and password change. Views parse, call one service, answer.

A member is one (organization, e-mail) pair, so the sign-in form asks for the organization
too: ``/staff/login`` (the field prefilled with the last organization used in this browser)
or ``/staff/<org>/login`` (prefilled with that one, the URL to bookmark or give out).
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.accounts.principal import Principal
from core.errors import InputError
from core.web.database import deps, keep_on_refusal
from core.web.limits import rate_limited
from core.web.qr import qr_data_uri
from issuer.services.signin import (
    LOCK_AFTER,
    LOCK_FOR,
    change_password,
    complete_setup,
    setup_details,
    sign_in_password,
    sign_in_totp,
)
from issuer.views.auth import (
    begin_totp_step,
    close_session,
    current_principal,
    open_session,
    pending_totp,
    safe_next,
    staff_required,
)
from issuer.views.forms import LoginForm, PasswordForm, SetupForm, TotpForm
from issuer.views.pages import install_pages

bp = Blueprint("signin", __name__, template_folder="../templates")
install_pages(bp)

ORG_COOKIE = "staff_org"
_REFUSED = _l(
    "Sign-in refused: check the organization, the e-mail and the password (or the code). "
    "After %(count)d failed attempts in a row, the account is locked for %(minutes)d minutes.",
    count=LOCK_AFTER,
    minutes=int(LOCK_FOR.total_seconds() // 60),
)
_SETUP_PROBLEMS = {
    "password": _l("Choose a stronger password."),
    "confirm": _l("The two passwords differ."),
    "code": _l("This code is not valid: enter the code your application shows now."),
}


def _form_problems(form: Any, error: InputError, messages: dict[str, Any]) -> None:
    """Put a service's refusal on the fields it names."""
    for problem in error.problems:
        field = getattr(form, str(problem.get("path")), None)
        if field is not None:
            field.errors = [*field.errors, messages.get(field.name, _("This value is refused."))]


@bp.route("/staff/setup/<token>", methods=["GET", "POST"])
@rate_limited("sign_in")
def setup(token: str) -> Any:
    d = deps()
    details = setup_details(d, token)  # NotFound: the pages' "link unknown, used or expired"
    form = SetupForm()
    status = 200
    if form.validate_on_submit():
        try:
            complete_setup(
                d,
                token,
                password=form.password.data or "",
                confirm=form.confirm.data or "",
                code=form.code.data,
            )
        except InputError as error:
            _form_problems(form, error, _SETUP_PROBLEMS)
        else:
            flash(_("Your account is ready: sign in."), "ok")
            return redirect(url_for("signin.login_at", slug=details.organization_slug))
    if request.method == "POST":
        status = 400
    qr = qr_data_uri(details.totp_uri) if details.totp_uri else None
    page = render_template("office/setup.html", form=form, details=details, qr=qr)
    return page, status


def _after_sign_in(slug: str, next_url: str | None) -> Response:
    response = redirect(safe_next(next_url) or url_for("office.dashboard"))
    response.set_cookie(
        ORG_COOKIE,
        slug,
        max_age=365 * 24 * 3600,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
    return response


@bp.route("/staff/login", methods=["GET", "POST"], endpoint="login")
@bp.route("/staff/<slug>/login", methods=["GET", "POST"], endpoint="login_at")
@rate_limited("sign_in")
def login(slug: str | None = None) -> Any:
    if request.method == "GET" and current_principal() is not None:
        return redirect(url_for("office.dashboard"))
    form = LoginForm(organization=slug or request.cookies.get(ORG_COOKIE, ""))
    next_url = safe_next(request.args.get("next"))
    if not form.validate_on_submit():
        return render_template("office/login.html", form=form), (
            400 if request.method == "POST" else 200
        )
    organization = (form.organization.data or "").strip().lower()
    attempt = sign_in_password(
        deps(),
        organization=organization,
        email=form.email.data or "",
        password=form.password.data or "",
    )
    # Kept whatever the outcome. A refusal is an answer, not an error: the service has
    # counted it (failed_logins, and locked_until at the fifth) and returned instead of
    # raising, because the rollback of a raise would forget the failure and the lockout would
    # never come.
    keep_on_refusal()
    if attempt.status == "refused" or attempt.member is None:
        flash(str(_REFUSED), "error")
        return render_template("office/login.html", form=form), 401
    if attempt.status == "totp_required":
        begin_totp_step(attempt.member, next_url)
        return redirect(url_for("signin.totp"))
    open_session(attempt.member)
    return _after_sign_in(organization, next_url)


@bp.route("/staff/login/code", methods=["GET", "POST"])
@rate_limited("sign_in")
def totp() -> Any:
    pending = pending_totp()
    if pending is None:
        flash(_("The sign-in took too long: start again."), "error")
        return redirect(url_for("signin.login"))
    form = TotpForm()
    if not form.validate_on_submit():
        return render_template("office/totp.html", form=form), (
            400 if request.method == "POST" else 200
        )
    attempt = sign_in_totp(
        deps(),
        staff_id=int(pending["id"]),
        fingerprint=str(pending["fp"]),
        code=form.code.data or "",
    )
    keep_on_refusal()  # as for the password: a wrong code is counted, so it is kept too
    if attempt.status != "signed_in" or attempt.member is None:
        flash(str(_REFUSED), "error")
        return render_template("office/totp.html", form=form), 401
    open_session(attempt.member)
    return _after_sign_in(attempt.member.organization.slug, pending.get("next"))


@bp.post("/staff/logout")
def logout() -> Response:
    close_session()  # CSRFProtect checked the form's token before this view ran
    flash(_("You are signed out."), "ok")
    return redirect(url_for("signin.login"))


@bp.route("/staff/password", methods=["GET", "POST"])
@rate_limited("sign_in")
@staff_required()
def password(principal: Principal) -> Any:
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            member = change_password(
                deps(), principal, current=form.current.data or "", new=form.password.data or ""
            )
        except InputError as error:
            messages = {
                "current": _("This is not your current password."),
                "password": _("Choose a stronger password."),
            }
            _form_problems(form, error, messages)
        else:
            open_session(member)  # this browser stays signed in; every other session ends
            flash(_("Your password is changed. Your other sessions are closed."), "ok")
            return redirect(url_for("office.dashboard"))
    status = 400 if request.method == "POST" else 200
    return render_template("office/password.html", form=form), status

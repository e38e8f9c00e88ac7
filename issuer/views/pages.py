"""What every back-office page shares: HTML error pages, no caching, the role names."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from core.accounts.principal import Role
from core.errors import SceauError
from issuer.views.auth import current_principal
from issuer.views.forms import PostForm

ROLE_NAMES = {
    Role.ADMIN: _l("Administrator"),
    Role.MANAGER: _l("Manager"),
    Role.EVALUATOR: _l("Evaluator"),
    Role.SIGNATORY: _l("Signatory"),
    Role.AUDITOR: _l("Auditor"),
}

_MESSAGES = {
    400: _l("The request could not be read."),
    403: _l("Your role does not allow this page."),
    404: _l("This page does not exist."),
    405: _l("This page does not take this kind of request."),
    429: _l("Too many attempts from your address. Wait a minute, then try again."),
}
_SETUP_LINK = _l(
    "This setup link is unknown, already used or expired. Ask an administrator of your "
    "organization for a new one."
)
_CSRF = _l("The form expired or did not come from this site. Reload the page and try again.")


def error_page(status: int, message: Any) -> tuple[str, int]:
    """An error as a page of the back office (the APIs keep their JSON envelope)."""
    return render_template("office/error.html", status=status, message=message), status


def install_pages(bp: Blueprint) -> None:
    """Give ``bp`` the back office's error pages, cache rules and template names."""

    @bp.errorhandler(CSRFError)
    def csrf_error(_error: CSRFError) -> tuple[str, int]:
        return error_page(400, _CSRF)

    @bp.errorhandler(SceauError)
    def domain_error(error: SceauError) -> tuple[str, int]:
        if error.code == "setup_link_invalid":
            return error_page(404, _SETUP_LINK)
        status = error.http_status if error.http_status in _MESSAGES else 400
        return error_page(status, _MESSAGES[status])

    def http_error(error: HTTPException) -> tuple[str, int]:
        status = error.code or 400
        return error_page(status, _MESSAGES.get(status, _MESSAGES[400]))

    # Only these statuses become pages; any other goes to the application's JSON handler.
    for status in _MESSAGES:
        bp.register_error_handler(status, http_error)

    @bp.after_request
    def no_store(response: Response) -> Response:
        # Pages of signed-in people (and the setup page's TOTP secret) stay out of caches.
        response.headers["Cache-Control"] = "no-store"
        return response

    @bp.context_processor
    def layout() -> dict[str, Any]:
        return {
            "ROLE_NAMES": ROLE_NAMES,
            "signed_in": current_principal(),
            "post_form": PostForm(),
        }

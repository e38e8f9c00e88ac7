"""The back office's sign-in forms (Flask-WTF: each carries its CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp

from core.accounts.factors import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

_REQUIRED = _l("This field is required.")
_CODE = Regexp(r"^\s*\d{6}\s*$", message=_l("Enter the 6 digits shown by your application."))


def _new_password() -> PasswordField:
    return PasswordField(
        _l("New password"),
        validators=[
            DataRequired(message=_REQUIRED),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=MAX_PASSWORD_LENGTH,
                message=_l(
                    "Choose a password of at least %(min)d characters.", min=MIN_PASSWORD_LENGTH
                ),
            ),
        ],
        render_kw={"autocomplete": "new-password", "minlength": MIN_PASSWORD_LENGTH},
    )


def _confirm() -> PasswordField:
    return PasswordField(
        _l("Confirm the password"),
        validators=[
            DataRequired(message=_REQUIRED),
            EqualTo("password", message=_l("The two passwords differ.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class SetupForm(FlaskForm):
    """Choose a password; the code is required (by the service) for admins and signatories."""

    password = _new_password()
    confirm = _confirm()
    code = StringField(
        _l("Code from your authenticator"),
        validators=[Optional(), _CODE],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class LoginForm(FlaskForm):
    """Organization, e-mail and password: a member is one (organization, e-mail) pair."""

    organization = StringField(
        _l("Organization"),
        validators=[DataRequired(message=_REQUIRED), Length(max=64)],
        render_kw={"autocomplete": "organization", "autocapitalize": "none"},
    )
    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(message=_REQUIRED), Length(max=320)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(message=_REQUIRED), Length(max=MAX_PASSWORD_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )


class TotpForm(FlaskForm):
    """The second step of admins and signatories."""

    code = StringField(
        _l("Code from your authenticator"),
        validators=[DataRequired(message=_REQUIRED), _CODE],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True},
    )


class PasswordForm(FlaskForm):
    """Change one's password (every other session ends)."""

    current = PasswordField(
        _l("Current password"),
        validators=[DataRequired(message=_REQUIRED), Length(max=MAX_PASSWORD_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    password = _new_password()
    confirm = _confirm()


class PostForm(FlaskForm):
    """A button that only posts (sign out): the CSRF token is its whole content."""

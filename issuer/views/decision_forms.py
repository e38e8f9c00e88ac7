"""The forms of the decision pages: the signature's TOTP code, a revocation's reason."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp

_REQUIRED = _l("This field is required.")


class SignForm(FlaskForm):
    """The signatory's fresh TOTP code (checked again by the service)."""

    code = StringField(
        _l("Code from your authenticator"),
        validators=[
            DataRequired(message=_REQUIRED),
            Regexp(r"^\s*\d{6}\s*$", message=_l("Enter the 6 digits shown by your application.")),
        ],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class RevokeForm(FlaskForm):
    """Why a credential is revoked (shown on its public page, never put in the status list)."""

    reason = TextAreaField(
        _l("Reason for the revocation"),
        validators=[DataRequired(message=_REQUIRED), Length(max=500)],
        render_kw={"rows": 2, "maxlength": 500},
    )

"""The forms of the workflow pages (Flask-WTF, each with its CSRF token), and the problems the
services report, worded for people in the page's language."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from core.errors import SceauError
from core.workflow.candidates import ACCESS_ROUTES

_REQUIRED = _l("This field is required.")


class SessionForm(FlaskForm):
    """A new exam session of a program's current version."""

    program = SelectField(_l("Program"), validators=[DataRequired(message=_REQUIRED)])
    name = StringField(_l("Name"), validators=[DataRequired(message=_REQUIRED), Length(max=300)])
    starts_on = DateField(_l("First day"), validators=[DataRequired(message=_REQUIRED)])
    ends_on = DateField(_l("Last day"), validators=[DataRequired(message=_REQUIRED)])
    place = StringField(_l("Place"), validators=[DataRequired(message=_REQUIRED), Length(max=300)])
    capacity = IntegerField(
        _l("Capacity (optional)"), validators=[Optional(), NumberRange(min=1, max=1_000_000)]
    )
    evaluators = SelectMultipleField(
        _l("Evaluators (none: every evaluator may grade)"), validators=[Optional()]
    )


class ImportForm(FlaskForm):
    """A CSV file of candidates."""

    file = FileField(_l("CSV file"), validators=[FileRequired(message=_REQUIRED)])


class CandidateForm(FlaskForm):
    """One candidate entered by hand: the columns of the import."""

    family_name = StringField(_l("Birth name"), validators=[DataRequired(message=_REQUIRED)])
    usage_name = StringField(_l("Name in use (optional)"))
    given_names = StringField(
        _l("Given names (up to three)"), validators=[DataRequired(message=_REQUIRED)]
    )
    birth_date = DateField(_l("Date of birth"), validators=[DataRequired(message=_REQUIRED)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(message=_REQUIRED)])
    sex = SelectField(
        _l("Sex (optional)"),
        choices=[SelectChoice("", "—"), SelectChoice("F"), SelectChoice("M")],
        validate_choice=False,  # checked with the import's rules (core.workflow.candidates)
    )
    birth_place_insee = StringField(_l("INSEE code of the place of birth (optional)"))
    birth_postal_code = StringField(_l("Postal code of the place of birth (optional)"))
    birth_country = StringField(_l("Country of birth (optional)"))
    access_route = SelectField(
        _l("Access route (optional)"),
        choices=[SelectChoice("", "—")] + [SelectChoice(r) for r in ACCESS_ROUTES],
        validate_choice=False,
    )
    address_line1 = StringField(_l("Postal address (optional)"))
    address_line2 = StringField(_l("Address, second line (optional)"))
    postal_code = StringField(_l("Postal code (optional)"))
    city = StringField(_l("City (optional)"))
    country = StringField(_l("Country (optional)"))

    def cells(self) -> dict[str, str]:
        """The form as a CSV line's cells."""
        return {
            name: (field.data.isoformat() if name == "birth_date" else field.data or "")
            for name, field in self._fields.items()
            if name != "csrf_token"
        }


class EligibilityForm(FlaskForm):
    """What staff checked in a file; the prerequisites are checkboxes ``prerequisite-<n>``."""

    identity_checked = BooleanField(_l("Identity checked"))
    identity_document = StringField(
        _l("Identity document (optional)"), validators=[Length(max=200)]
    )
    attendance = StringField(_l("Attendance, in % (optional)"), validators=[Length(max=20)])
    file_complete = BooleanField(_l("File complete"))
    override = RadioField(
        _l("Override"),
        choices=[
            SelectChoice("", _l("No override: the rules decide")),
            SelectChoice("eligible", _l("Eligible despite the rules")),
            SelectChoice("ineligible", _l("Not eligible despite the rules")),
        ],
        default="",
        validators=[Optional()],
    )
    justification = TextAreaField(
        _l("Justification of the override (10 characters or more)"),
        validators=[Length(max=2000)],
    )


class GradesCsvForm(FlaskForm):
    """A CSV file ``email,score`` of one assessment."""

    file = FileField(_l("CSV file (email,score)"), validators=[FileRequired(message=_REQUIRED)])


_FIXED = {
    "required": _l("required"),
    "control characters are not allowed": _l("control characters are not allowed"),
    "at most three given names, separated by spaces": _l(
        "at most three given names, separated by spaces"
    ),
    "must be between 1900-01-01 and today": _l("must be between 1900-01-01 and today"),
    "a date written YYYY-MM-DD": _l("a date written YYYY-MM-DD"),
    "an e-mail address": _l("an e-mail address"),
    "M or F, as the CPF declaration records it": _l("M or F, as the CPF declaration records it"),
    "a commune's INSEE code (5 characters), or 99xxx abroad": _l(
        "a commune's INSEE code (5 characters), or 99xxx abroad"
    ),
    "a French postal code (5 digits)": _l("a French postal code (5 digits)"),
    "required column": _l("required column"),
    "unknown column": _l("unknown column"),
    "already enrolled in this session": _l("already enrolled in this session"),
    'must be a number or "absent"': _l("must be a number or “absent”"),
    "two cells: email,score": _l("two cells: email,score"),
    "not a candidate of this session": _l("not a candidate of this session"),
    "not in this session": _l("not in this session"),
    "the expected header": _l("the expected header"),
    "on or after startsOn": _l("on or after the first day"),
    "not an evaluator or manager of this body": _l("not an evaluator or manager of this body"),
    "10 characters or more": _l("10 characters or more"),
    "a number from 0 to 100": _l("a number from 0 to 100"),
}
_SAME = re.compile(r"\Athe same candidate as line (\d+)\Z")
_AT_MOST = re.compile(r"\Aat most (\d+) characters\Z")
_BETWEEN = re.compile(r"\Amust be between 0 and (\S+)\Z")


def problem_message(message: str) -> str:
    """A service's problem message in the page's language (as is when unknown)."""
    if message in _FIXED:
        return str(_FIXED[message])
    if found := _SAME.match(message):
        return str(_("the same candidate as line %(line)s", line=found.group(1)))
    if found := _AT_MOST.match(message):
        return str(_("at most %(count)s characters", count=found.group(1)))
    if found := _BETWEEN.match(message):
        return str(_("must be between 0 and %(max)s", max=found.group(1)))
    if message.startswith("one of "):
        return str(_("one of: %(values)s", values=message.removeprefix("one of ")))
    return message


def problems_of(error: SceauError) -> list[dict[str, Any]]:
    """The error's problems with their messages worded for the page."""
    return [{**p, "message": problem_message(str(p.get("message", "")))} for p in error.problems]


def error_summary(error: SceauError) -> str:
    """One sentence for a refused import or form, from the error's code."""
    summaries = {
        "invalid_candidates": _("Some lines have problems: nothing was imported."),
        "invalid_grades": _("Some scores have problems: nothing was recorded."),
        "malformed_csv": _("The file is not a UTF-8 CSV file."),
        "empty_import": _("The file holds no line to import."),
        "too_many_rows": _("The file holds too many lines."),
        "capacity_exceeded": _("The session does not have room for so many candidates."),
        "session_closed": _("The session's results are proposed: no candidate can be added."),
        "session_signed": _("The session is signed: nothing can change any more."),
        "program_without_scheme": _(
            "This program has no evaluation scheme yet: add its assessments first."
        ),
    }
    return str(summaries.get(error.code, _("The form has problems: check the fields.")))


def choices(pairs: list[tuple[str, str]]) -> list[SelectChoice]:
    """A select's options from ``(value, label)`` pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def int_arg(value: str | None, default: int | None = None) -> int | None:
    """A positive integer of the query string (a page, a year), ``default`` otherwise."""
    if value is None or not value.isdigit() or len(value) > 6:
        return default
    return int(value) or default

"""The forms of the "Documents" pages (Flask-WTF, each with its CSRF token), uploaded template
files, and the template checks' refusals worded for people in the page's language."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from core.documents.mentions import LEVELS
from core.documents.template_check import BROKEN, MAX_PAGES, TIMEOUT_SECONDS, TOO_BIG, TOO_SLOW
from core.documents.templating import MAX_SOURCE_BYTES
from core.errors import InputError

_KIB = MAX_SOURCE_BYTES // 1024
_NONE = SelectChoice("", "—")


class TemplateForm(FlaskForm):
    """A template typed in two text areas, or uploaded as files (a file wins over its area)."""

    html = TextAreaField(_l("HTML (Jinja)"), render_kw={"rows": 18, "spellcheck": "false"})
    css = TextAreaField(_l("CSS"), render_kw={"rows": 12, "spellcheck": "false"})
    html_file = FileField(_l("Or an .html file"), render_kw={"accept": ".html,.htm,text/html"})
    css_file = FileField(_l("Or a .css file"), render_kw={"accept": ".css,text/css"})

    def sources(self) -> dict[str, str]:
        """``{"html", "css"}`` as the API takes them; InputError for an unusable file."""
        html = _uploaded(self.html_file.data, (".html", ".htm"), "html_file")
        css = _uploaded(self.css_file.data, (".css",), "css_file")
        if html is not None:
            self.html.data = html
        if css is not None:
            self.css.data = css
        return {"html": self.html.data or "", "css": self.css.data or ""}


def _uploaded(file: Any, suffixes: tuple[str, ...], field: str) -> str | None:
    """The text of an uploaded template file, or None when no file was chosen."""
    if not isinstance(file, FileStorage) or not file.filename:
        return None
    problem = None
    data = file.stream.read(MAX_SOURCE_BYTES + 1)
    if not file.filename.lower().endswith(suffixes):
        problem = _("a file named %(suffix)s", suffix=" or ".join(suffixes))
    elif len(data) > MAX_SOURCE_BYTES:
        problem = _("at most %(size)s KiB", size=_KIB)
    else:
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            problem = _("a UTF-8 text file")
    raise InputError(problem, problems=[{"path": field, "message": problem}])


class MentionsForm(FlaskForm):
    """The body's legal mentions."""

    legal_name = StringField(_l("Legal name"), validators=[Length(max=300)])
    siret = StringField(_l("SIRET"), validators=[Length(max=32)])
    nda = StringField(_l("Registration number (NDA)"), validators=[Length(max=32)])
    address = StringField(_l("Address"), validators=[Length(max=500)])
    signatory_name = StringField(_l("Signatory's name"), validators=[Length(max=200)])
    signatory_role = StringField(_l("Signatory's role"), validators=[Length(max=200)])
    language = SelectField(
        _l("Language of the documents"),
        choices=[SelectChoice("fr", "Français"), SelectChoice("en", "English")],
    )

    def payload(self) -> dict[str, Any]:
        return {
            "legalName": self.legal_name.data,
            "siret": self.siret.data,
            "nda": self.nda.data,
            "address": self.address.data,
            "signatoryName": self.signatory_name.data,
            "signatoryRole": self.signatory_role.data,
            "language": self.language.data,
        }


class OptionsForm(FlaskForm):
    """A program's document options."""

    language = SelectField(
        _l("Language of its certificates"),
        choices=[
            SelectChoice("", _l("The body's")),
            SelectChoice("fr", "Français"),
            SelectChoice("en", "English"),
        ],
        validators=[Optional()],
    )
    show_results = BooleanField(_l("Show the results on the certificate"))
    level = SelectField(
        _l("Level"), choices=[_NONE] + [SelectChoice(n) for n in LEVELS], validators=[Optional()]
    )
    framework = SelectField(
        _l("Register"),
        choices=[_NONE, SelectChoice("RNCP"), SelectChoice("RS")],
        validators=[Optional()],
    )
    code = StringField(_l("Code in the register (e.g. RNCP34567)"), validators=[Length(max=20)])

    def payload(self) -> dict[str, Any]:
        return {
            "language": self.language.data or None,
            "showResults": bool(self.show_results.data),
            "level": self.level.data or None,
            "framework": self.framework.data or None,
            "code": self.code.data or None,
        }


#: API field -> form field, for the problems of the mentions and the options.
FIELDS = {
    "legalName": "legal_name",
    "signatoryName": "signatory_name",
    "signatoryRole": "signatory_role",
}

_FIXED = {
    TOO_SLOW: _l("The template takes more than %(seconds)s s to render: simplify it."),
    TOO_BIG: _l("The template needs more memory than a certificate may use: simplify it."),
    "14 digits": _l("14 digits"),
    "not a valid SIRET number: its check digit is wrong": _l(
        "not a valid SIRET number: its check digit is wrong"
    ),
    "letters, digits, spaces, . / -": _l("letters, digits, spaces, . / -"),
    "a level of the framework, 1 to 8": _l("a level of the framework, 1 to 8"),
    "required with a code: RNCP or RS": _l("required with a code: RNCP or RS"),
    "control or invisible character": _l("control or invisible character"),
    "NUL character": _l("NUL character"),
    "required": _l("required"),
}
_PAGES = re.compile(r"\Athe template makes (\d+) pages: a certificate has \d+ at most\Z")
_URL = re.compile(r"\A('.*') is refused: documents may only use data: URIs and sceau: assets\Z")
_LINE = re.compile(r"\A(HTML|CSS) template, line (\d+): (.*)\Z", re.S)
_PRIVATE = re.compile(r"\A('.*') is refused: a template may not use names that start with _\Z")
_WHERE = re.compile(r"\A(HTML|CSS) template: (.*)\Z", re.S)
_CODE = re.compile(r"\Aa (RNCP|RS) code, e\.g\. \1\d+\Z")
_WITH = re.compile(r"\Arequired with the framework (RNCP|RS)\Z")


def _where(part: str, line: str | None = None) -> str:
    if line is None:
        return str(_("HTML template") if part == "HTML" else _("CSS template"))
    if part == "HTML":
        return str(_("HTML template, line %(line)s", line=line))
    return str(_("CSS template, line %(line)s", line=line))


def template_message(message: str) -> str:
    """A template check's refusal in the page's language (the renderer's own words, such as
    Jinja's syntax messages, stay as they are, after where they occurred)."""
    if message in _FIXED:
        return str(_FIXED[message] % {"seconds": TIMEOUT_SECONDS})
    if found := _PAGES.match(message):
        return str(
            _(
                "The template makes %(pages)s pages: a certificate has %(max)s at most.",
                pages=found.group(1),
                max=MAX_PAGES,
            )
        )
    if found := _URL.match(message):
        return str(
            _(
                "%(url)s is refused: a certificate may only use data: URIs and the images "
                "Sceau provides (images.qr).",
                url=found.group(1),
            )
        )
    if message.startswith(BROKEN):
        return str(_("The renderer could not lay out this template.")) + message[len(BROKEN) :]
    if found := _LINE.match(message):
        detail = found.group(3)
        if private := _PRIVATE.match(detail):
            detail = _(
                "%(name)s is refused: a template may not use names that start with _",
                name=private.group(1),
            )
        return f"{_where(found.group(1), found.group(2))}: {detail}"
    if found := _WHERE.match(message):
        return f"{_where(found.group(1))}: {found.group(2)}"
    return message


def problem_text(message: str) -> str:
    """A problem of the mentions or options form in the page's language."""
    if message in _FIXED:
        return str(_FIXED[message])
    if found := _CODE.match(message):
        return str(_("a %(register)s code, e.g. %(register)s34567", register=found.group(1)))
    if found := _WITH.match(message):
        return str(_("required with the register %(register)s", register=found.group(1)))
    if message.startswith("must be at most"):
        return str(_("too long"))
    if message == "must be at least 1 characters long":
        return str(_FIXED["required"])
    return message

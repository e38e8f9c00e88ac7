"""Flask-Babel wiring: French by default, English on request; catalogs compiled at start-up."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, Response, request
from flask_babel import Babel, get_locale

#: The languages of the pages, the first being the default.
LOCALES = ("fr", "en")
DEFAULT_LOCALE = LOCALES[0]
#: Where the catalogs live (the .po files, under version control).
SOURCE_DIR = Path(__file__).resolve().parents[2] / "translations"
LANG_COOKIE = "lang"
_LANG_COOKIE_SECONDS = 365 * 24 * 3600


def compile_catalogs(source: Path, target: Path) -> Path:
    """Compile every ``<locale>/LC_MESSAGES/*.po`` of ``source`` into ``target`` (.mo files).

    Why at start-up rather than in a build step: the compiled files are never committed, and
    compiling two small catalogs takes milliseconds, so gunicorn, `make run` and the tests all
    read catalogs that match the .po files they were started with. Each file is written to a
    temporary name and renamed, so workers starting together never read half a file.
    """
    for po_path in sorted(source.glob("*/LC_MESSAGES/*.po")):
        relative = po_path.relative_to(source).with_suffix(".mo")
        mo_path = target / relative
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=relative.parts[0])
        fd, temporary = tempfile.mkstemp(dir=mo_path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as mo_file:
                write_mo(mo_file, catalog, use_fuzzy=False)
            os.replace(temporary, mo_path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    return target


def select_locale() -> str:
    """``?lang=``, then the ``lang`` cookie, then the browser's Accept-Language, then French."""
    for chosen in (request.args.get("lang"), request.cookies.get(LANG_COOKIE)):
        if chosen in LOCALES:
            return chosen
    return request.accept_languages.best_match(LOCALES) or DEFAULT_LOCALE


def current_locale() -> str:
    """The language of the page being rendered."""
    return str(get_locale() or DEFAULT_LOCALE)


def init_i18n(app: Flask, compiled_dir: Path, *, secure_cookies: bool) -> None:
    """Compile the catalogs into ``compiled_dir`` and bind Flask-Babel to them."""
    compile_catalogs(SOURCE_DIR, compiled_dir)
    app.config["BABEL_DEFAULT_LOCALE"] = DEFAULT_LOCALE
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(compiled_dir)
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals["current_locale"] = current_locale
    app.jinja_env.globals["LOCALES"] = LOCALES

    @app.after_request
    def remember_language(response: Response) -> Response:
        # A language picked with ?lang= sticks for the next pages (the switch is a plain link).
        chosen = request.args.get("lang")
        if chosen in LOCALES and request.cookies.get(LANG_COOKIE) != chosen:
            response.set_cookie(
                LANG_COOKIE,
                chosen,
                max_age=_LANG_COOKIE_SECONDS,
                secure=secure_cookies,
                httponly=True,
                samesite="Lax",
            )
        return response

"""CSRF protection (Flask-WTF) on every form; the bearer-token JSON APIs are exempt."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Blueprint, Flask
from flask_wtf.csrf import CSRFProtect


def init_csrf(app: Flask, exempt: Iterable[Blueprint]) -> CSRFProtect:
    """Require a CSRF token on every POST/PUT/PATCH/DELETE but those of ``exempt``.

    Exempt only blueprints whose writes authenticate with an ``Authorization`` header (or not at
    all): a browser never adds that header on its own to a cross-site request, so there is no
    ambient credential to forge with. Anything signed in by cookie must stay protected.
    """
    # The token lives as long as the signed-in session (whose idle limit applies), not one
    # hour: a form left open over lunch still submits.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    csrf = CSRFProtect(app)
    for blueprint in exempt:
        csrf.exempt(blueprint)
    return csrf

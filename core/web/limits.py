"""Rate limits of the pages that guess-able secrets go through (sign-in, setup links) and of
the expensive public endpoints (verification, uploads, recipient checks).

Flask-Limiter counts per client address, in memory by default (one process) and in Redis when
REDIS_URL is set (every worker and machine shares the counters). Behind a reverse proxy, the
client address must be restored first (werkzeug's ProxyFix), or every client shares one budget.
Cacheable reads of this instance's own resources (credential pages and JSON, status lists, DID
documents) are never marked: a CDN is their shield, and a verifier must always reach them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from core.settings import Settings

View = TypeVar("View", bound=Callable[..., Any])
_MARK = "_sceau_rate_limit"
#: Redis keys of the limiter start with this, apart from the task queue's keys.
KEY_PREFIX = "sceau-limits"


def rate_limited(kind: str) -> Callable[[View], View]:
    """Mark a view whose requests count against the ``kind`` budget (see ``budgets``): its
    POSTs for ``sign_in``, every request for ``verify``.

    To mark a view, put the mark under the route decorator (``@bp.post(...)`` then
    ``@rate_limited("verify")``); a refusal raises Flask-Limiter's 429 (a werkzeug
    HTTPException), answered with the JSON envelope by core.web.errors, or by the blueprint's
    own 429 handler for HTML pages. The Retry-After header is added either way.

    A mark rather than Flask-Limiter's own decorator: each application gets its own limiter
    (and storage), bound in create_app, so two apps in one process (tests, or a memory and a
    Redis configuration) never share counters by accident.
    """

    def mark(view: View) -> View:
        setattr(view, _MARK, kind)
        return view

    return mark


#: The budget that disables a kind (SCEAU_RATE_LIMIT=off, for load tests).
OFF = "off"
#: The methods each kind counts (None: all). Reading the sign-in page is free, posting to it is
#: not; every request to a marked verification view is a verification (the verifier page's
#: ``GET /verify?url=…`` fetches and verifies as its POST does).
_COUNTED_METHODS: dict[str, list[str] | None] = {"sign_in": ["POST"], "verify": None}


def budgets(settings: Settings) -> dict[str, str]:
    """The limits of each kind, from the settings: ``sign_in`` (SCEAU_SIGN_IN_RATE_LIMIT) and
    ``verify`` (SCEAU_RATE_LIMIT: every verification door, API and page, shares one budget)."""
    return {"sign_in": settings.sign_in_rate_limit, "verify": settings.verify_rate_limit}


def storage_uri(settings: Settings) -> str:
    """Redis when REDIS_URL is set, memory otherwise."""
    return settings.redis_url or "memory://"


def init_limits(app: Flask, settings: Settings) -> Limiter:
    """Bind a limiter to ``app`` and apply it to every marked view (call after the blueprints
    are registered)."""
    app.config.update(
        RATELIMIT_STORAGE_URI=storage_uri(settings),
        RATELIMIT_KEY_PREFIX=KEY_PREFIX,
        RATELIMIT_HEADERS_ENABLED=True,
        # A sliding minute: a fixed window would let 2x the budget through around its edge
        # (ten guesses at 0:59, ten more at 1:00).
        RATELIMIT_STRATEGY="moving-window",
        # A Redis outage must not open the sign-in page to unlimited guessing: the counters
        # go on in memory, per process, until Redis answers again.
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
    )
    limiter = Limiter(get_remote_address, app=app)
    limits = budgets(settings)
    wrapped: dict[int, Callable[..., Any]] = {}
    for endpoint, view in list(app.view_functions.items()):
        kind = getattr(view, _MARK, None)
        if kind is None or limits[kind] == OFF:
            continue
        # One budget per kind and client, shared by every page of that kind (sign-in, its
        # code step, the setup link...): ten guesses a minute in all, not ten per page. A view
        # under two URLs is wrapped once, or each request would count twice.
        if id(view) not in wrapped:
            methods = _COUNTED_METHODS.get(kind)
            shared = limiter.shared_limit(limits[kind], scope=kind, methods=methods)
            wrapped[id(view)] = shared(view)
        app.view_functions[endpoint] = wrapped[id(view)]
    return limiter

"""Composition root: `create_app()` for gunicorn ('wsgi:create_app()') and the `sceau` CLI."""

from __future__ import annotations

import importlib
import importlib.util
import logging
from collections.abc import Mapping
from datetime import timedelta

import click
from flask import Flask

from core.errors import SceauError
from core.settings import Settings, load_settings
from core.unit_of_work import Runtime

#: The blueprint packages; each may hold a `jobs` module that registers its job handlers.
BLUEPRINTS = ("issuer", "verifier", "wallet")


def load_job_handlers() -> None:
    """Import every `<blueprint>.jobs` module, which registers its handlers (core.tasks)."""
    for package in BLUEPRINTS:
        if importlib.util.find_spec(f"{package}.jobs") is not None:
            importlib.import_module(f"{package}.jobs")


def create_app(config: Settings | Mapping[str, str] | None = None) -> Flask:
    """Build the application from Settings, an environment mapping, or the process environment."""
    from core.web.body_limit import BodyLimit, install_upload_limits
    from core.web.database import init_database
    from core.web.errors import register_error_handlers
    from core.web.forms import init_csrf
    from core.web.headers import install_security_headers
    from core.web.i18n import init_i18n
    from core.web.limits import init_limits
    from core.web.routing import install_converters
    from issuer.views.api import bp as issuer_api
    from issuer.views.delivery_api import bp as issuer_delivery_api
    from issuer.views.documents_api import bp as documents_api
    from issuer.views.office import bp as office_bp
    from issuer.views.office_archive import bp as office_archive_bp
    from issuer.views.office_audit import bp as office_audit_bp
    from issuer.views.office_candidates import bp as office_candidates_bp
    from issuer.views.office_decisions import bp as office_decisions_bp
    from issuer.views.office_delivery import bp as office_delivery_bp
    from issuer.views.office_documents import bp as office_documents_bp
    from issuer.views.office_grades import bp as office_grades_bp
    from issuer.views.office_reports import bp as office_reports_bp
    from issuer.views.office_session_documents import bp as office_session_documents_bp
    from issuer.views.office_sessions import bp as office_sessions_bp
    from issuer.views.public import bp as issuer_public
    from issuer.views.session_documents_api import bp as issuer_documents
    from issuer.views.signin import bp as signin_bp
    from issuer.views.workflow import bp as issuer_workflow
    from verifier.api_description import bp as api_description_bp
    from verifier.pages import bp as verifier_pages_bp
    from verifier.views import UPLOAD_PATHS
    from verifier.views import bp as verifier_bp
    from wallet.views import bp as wallet_bp

    settings = config if isinstance(config, Settings) else load_settings(config)
    load_job_handlers()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = Flask(__name__, static_folder="static", template_folder="core/web/templates")
    install_converters(app)
    secure_cookies = settings.base_url.startswith("https://")
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        SESSION_COOKIE_NAME="sceau_session",
        SESSION_COOKIE_SECURE=secure_cookies,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # The signed-in session's cookie lives as long as its idle limit (issuer.views.auth
        # checks the same limit on the server side, where a cookie's expiry cannot be trusted).
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=settings.staff_idle_minutes),
        JSON_SORT_KEYS=False,
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    runtime = Runtime(settings)
    init_database(app, settings, runtime.sessions, runtime.read_sessions)
    register_error_handlers(app)
    install_security_headers(app)
    # Forms posted to the verifier may carry a file (a PDF, a photo): their own, larger limit.
    uploads = dict.fromkeys(UPLOAD_PATHS, settings.max_upload_bytes)
    install_upload_limits(app, settings.max_body_bytes, uploads)
    app.wsgi_app = BodyLimit(  # type: ignore[method-assign]
        app.wsgi_app, settings.max_body_bytes, uploads=uploads
    )
    init_i18n(app, settings.instance_dir / "translations", secure_cookies=secure_cookies)
    blueprints = (
        issuer_api,
        documents_api,
        issuer_delivery_api,
        issuer_workflow,
        issuer_documents,
        issuer_public,
        verifier_bp,
        verifier_pages_bp,
        api_description_bp,
        wallet_bp,
        signin_bp,
        office_bp,
        office_sessions_bp,
        office_candidates_bp,
        office_grades_bp,
        office_decisions_bp,
        office_reports_bp,
        office_session_documents_bp,
        office_audit_bp,
        office_documents_bp,
        office_archive_bp,
        office_delivery_bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    # The JSON APIs authenticate with a Bearer header (or not at all): no cookie to forge with.
    init_csrf(
        app,
        exempt=(
            issuer_api,
            documents_api,
            issuer_delivery_api,
            issuer_documents,
            issuer_workflow,
            verifier_bp,
        ),
    )
    init_limits(app, settings)
    return app


@click.group()
def cli() -> None:
    """Sceau: issue, publish, revoke and verify Open Badges 3.0 credentials."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


@click.command("worker")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=2,
    show_default=True,
    help="Worker processes running jobs in parallel.",
)
def worker(workers: int) -> None:
    """Run the task queue's consumer (same environment as the web server) until SIGTERM/SIGINT.

    SIGTERM lets running chunks finish (up to 30 s); SIGINT stops at once, rolling them back.
    """
    from core.tasks import run_worker

    try:
        settings = load_settings()
    except SceauError as error:
        raise click.ClickException(error.message) from None
    load_job_handlers()
    # The consumer reports its start, stop and failures at INFO; the CLI group defaults to WARNING.
    logging.getLogger().setLevel(logging.INFO)
    run_worker(settings, workers)


def _register_commands() -> None:
    from issuer.cli import register as register_issuer
    from verifier.cli import register as register_verifier

    register_issuer(cli)
    register_verifier(cli)
    cli.add_command(worker)


_register_commands()

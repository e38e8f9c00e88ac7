"""Fixtures shared by the whole suite: settings, a migrated database, the app, factories."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner
from task_support import JobWorker, running_worker
from werkzeug.serving import make_server

from core.db.base import Base
from core.db.migrate import upgrade
from core.settings import Settings, load_settings
from core.unit_of_work import Runtime
from issuer.services.organizations import create_organization
from wsgi import cli, create_app, load_job_handlers

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _postgres_database(url: str) -> str:
    """Create a fresh database for this run beside the one named by TEST_DATABASE_URL."""
    server, _, name = url.rpartition("/")
    name = f"{name}_{os.getpid()}"
    admin = server.replace("+psycopg", "") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"


def _drop_postgres_database(url: str) -> None:
    server, _, name = url.rpartition("/")
    with psycopg.connect(server.replace("+psycopg", "") + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def live_port() -> int:
    return _free_port()


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory, live_port: int) -> Iterator[Settings]:
    """Test settings; the database is migrated with Alembic, never created from the models."""
    instance = tmp_path_factory.mktemp("instance")
    pg = os.environ.get("TEST_DATABASE_URL")
    database_url = _postgres_database(pg) if pg else f"sqlite:///{instance / 'test.db'}"
    env = {
        "SCEAU_ENV": "test",
        "SCEAU_INSTANCE_DIR": str(instance),
        "DATABASE_URL": database_url,
        "SCEAU_BASE_URL": f"http://127.0.0.1:{live_port}",
        "SCEAU_NET_ALLOW_PRIVATE": "true",
        "SCEAU_NET_ALLOW_HTTP": "true",
        "SCEAU_STATUS_CACHE_SECONDS": "0",
        # The suite verifies far more than 60 credentials a minute from one address: the
        # verification budget is tested on apps of its own (tests/verifier/test_rate_limits.py).
        "SCEAU_RATE_LIMIT": "off",
    }
    upgrade(database_url)
    yield load_settings(env)
    if pg:
        _drop_postgres_database(database_url)


@pytest.fixture(scope="session")
def runtime(settings: Settings) -> Iterator[Runtime]:
    with Runtime(settings) as shared:
        yield shared


@pytest.fixture(autouse=True)
def _clean_database(request: pytest.FixtureRequest) -> Iterator[None]:
    """Empty every table after each test that touched the database."""
    if "settings" not in request.fixturenames:
        yield
        return
    engine = request.getfixturevalue("runtime").engine
    yield
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def job_worker(settings: Settings, runtime: Runtime) -> Iterator[JobWorker]:
    """A Huey consumer (2 thread workers) running queued jobs against the test database.

    Queue as production code does (``core.tasks.enqueue(settings, job.id)`` after the commit),
    then ``job_worker.wait(job_id)`` returns the finished job's progress record.
    """
    # The blueprints' handlers, as `sceau worker` loads them.
    load_job_handlers()
    with running_worker(settings) as worker:
        yield worker


@pytest.fixture(scope="session")
def app(settings: Settings) -> Iterator[Any]:
    application = create_app(settings)
    application.config["TESTING"] = True
    yield application
    application.extensions["sceau"]["sessions"].kw["bind"].dispose()


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@dataclass(frozen=True)
class OrgInfo:
    slug: str
    did: str
    api_key: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}


@pytest.fixture
def create_org(runtime: Runtime) -> Any:
    """Factory: create_org(slug="acme", name=...) -> OrgInfo, committed."""

    def factory(
        slug: str = "acme", name: str = "Acme Certification", url: str | None = None
    ) -> OrgInfo:
        with runtime.unit() as deps:
            created = create_organization(deps, slug=slug, name=name, url=url)
        return OrgInfo(slug, created.did, created.api_key)

    return factory


@pytest.fixture
def acme(create_org: Any) -> OrgInfo:
    return create_org()


@pytest.fixture
def issue(client: Any) -> Any:
    """Factory: issue(org, request) -> the 201 body of POST /api/v1/credentials."""

    def factory(org: OrgInfo, request: dict[str, Any]) -> dict[str, Any]:
        response = client.post("/api/v1/credentials", json=request, headers=org.auth)
        assert response.status_code == 201, response.json
        body: dict[str, Any] = response.json
        return body

    return factory


@pytest.fixture(scope="session")
def live_server(app: Any, live_port: int) -> Iterator[str]:
    """The app served over real HTTP on loopback (for Node and the guarded fetch)."""
    server = make_server("127.0.0.1", live_port, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{live_port}"
    server.shutdown()


ADA = {
    "recipient": {"email": "ada@example.org", "name": "Ada Lovelace"},
    "achievement": {
        "name": "Welding, level 1",
        "description": "Arc welding.",
        "criteria": "Pass the practical exam (12/20 or more).",
        "achievementType": "Certification",
    },
    "results": [{"name": "Practical exam", "value": "15", "valueMax": "20", "requiredValue": "12"}],
}


@pytest.fixture
def ada_request() -> dict[str, Any]:
    """The issuing request of the issue's interface section."""
    import copy

    return copy.deepcopy(ADA)


@pytest.fixture
def sceau(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run the `sceau` command line against the test database: sceau("org", "create", ...)."""
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SCEAU_INSTANCE_DIR", str(settings.instance_dir))
    monkeypatch.setenv("SCEAU_BASE_URL", settings.base_url)
    monkeypatch.setenv("SCEAU_STATUS_CACHE_SECONDS", "0")
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(cli, list(args), catch_exceptions=False)

    return run


@pytest.fixture
def body(runtime: Runtime) -> Any:
    """A body with one staff member per role (workflow_support.STAFF), each with a token."""
    from workflow_support import make_body

    return make_body(runtime)


@pytest.fixture
def workflow(client: Any, body: Any) -> Any:
    """Drive the workflow API as ``body``'s staff (workflow_support.Workflow)."""
    from workflow_support import Workflow

    return Workflow(client, body)


#: Debian's Chromium, which `make test` installs, and how the browser tests start it.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium driven by Playwright, for the tests marked `browser`."""
    import shutil

    from playwright.sync_api import sync_playwright

    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()

"""The verification budget (SCEAU_RATE_LIMIT): per client address, shared by every verification
door, in memory or in Redis; the cacheable reads of this instance's resources are never limited."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import redis

from core.errors import ConfigurationError
from core.settings import load_settings
from core.web.limits import KEY_PREFIX
from wsgi import create_app

#: The sign-in tests' database on the test Redis (keys apart: per address and scope).
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/12")
NOT_A_JWT = {"jwt": "not-a-jwt"}


def _app(settings: Any, **changes: Any) -> Any:
    app = create_app(replace(settings, **changes))
    app.config["TESTING"] = True
    return app


def _dispose(app: Any) -> None:
    app.extensions["sceau"]["sessions"].kw["bind"].dispose()


@pytest.fixture
def limited(settings: Any) -> Iterator[Any]:
    """An app whose verification budget is three requests a minute."""
    app = _app(settings, verify_rate_limit="3/minute")
    yield app
    _dispose(app)


def _verify(client: Any, address: str, path: str = "/api/v1/verify") -> Any:
    body = NOT_A_JWT if path == "/api/v1/verify" else {"verifiableCredential": {}}
    return client.post(path, json=body, environ_base={"REMOTE_ADDR": address})


def test_the_budget_defaults_to_sixty_a_minute_and_is_checked_at_start_up(tmp_path) -> None:
    env = {"SCEAU_INSTANCE_DIR": str(tmp_path)}
    assert load_settings(env).verify_rate_limit == "60/minute"
    assert load_settings({**env, "SCEAU_RATE_LIMIT": "OFF"}).verify_rate_limit == "off"
    assert load_settings({**env, "SCEAU_RATE_LIMIT": "100 per hour"}).verify_rate_limit
    for bad in ("lots", "60", "none"):
        with pytest.raises(ConfigurationError, match="SCEAU_RATE_LIMIT must read like"):
            load_settings({**env, "SCEAU_RATE_LIMIT": bad})


def test_the_request_over_budget_is_refused_with_retry_after(limited) -> None:
    client = limited.test_client()
    assert [_verify(client, "192.0.2.10").status_code for _ in range(3)] == [200] * 3
    refused = _verify(client, "192.0.2.10")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.json["error"]["code"] == "rate_limited"
    assert "Retry-After" in refused.json["error"]["message"]
    assert _verify(client, "192.0.2.11").status_code == 200  # another address, its own budget


def test_every_verification_door_shares_one_budget(limited) -> None:
    client = limited.test_client()
    statuses = [_verify(client, "192.0.2.12").status_code for _ in range(2)]
    statuses.append(_verify(client, "192.0.2.12", "/credentials/verify").status_code)
    assert statuses == [200, 200, 400]
    assert _verify(client, "192.0.2.12", "/credentials/verify").status_code == 429
    assert _verify(client, "192.0.2.12").status_code == 429


def test_cacheable_reads_are_never_limited(limited, create_org, ada_request) -> None:
    client = limited.test_client()
    acme = create_org()
    issued = client.post("/api/v1/credentials", json=ada_request, headers=acme.auth).json
    credential = issued["credential"]
    page = credential["id"].removeprefix(limited.extensions["sceau"]["settings"].base_url)
    status_list = credential["credentialStatus"]["statusListCredential"].split("/", 3)[3]
    # 200 reads each of the page and the status list (and of the JSON and the DID document),
    # from the address whose verification budget is three a minute.
    for path in (page, f"/{status_list}", f"{page}.json", "/issuers/acme/did.json"):
        statuses = {client.get(path).status_code for _ in range(200)}
        assert statuses == {200}, path
    # ...while the same address's fourth verification of the minute is refused.
    assert [_verify(client, "127.0.0.1").status_code for _ in range(4)][-1] == 429


def test_off_disables_the_budget(settings) -> None:
    app = _app(settings, verify_rate_limit="off")
    try:
        client = app.test_client()
        statuses = {_verify(client, "192.0.2.13").status_code for _ in range(70)}
        assert statuses == {200}
    finally:
        _dispose(app)


def _redis() -> redis.Redis:
    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        connection.ping()
    except redis.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no Redis at {REDIS_URL}")
    return connection


def test_with_redis_every_worker_shares_the_budget(settings) -> None:
    connection = _redis()
    address = f"198.51.100.{secrets.randbelow(250) + 1}"
    workers = [_app(settings, redis_url=REDIS_URL, verify_rate_limit="3/minute") for _ in range(2)]
    try:
        first, second = (worker.test_client() for worker in workers)
        assert [_verify(first, address).status_code for _ in range(2)] == [200, 200]
        assert [_verify(second, address).status_code for _ in range(2)] == [200, 429]
        assert _verify(first, address).status_code == 429
        assert connection.keys(f"*{KEY_PREFIX}/{address}/*verify*"), "the counters are in Redis"
    finally:
        for key in connection.scan_iter(f"*{KEY_PREFIX}/{address}/*"):
            connection.delete(key)
        for worker in workers:
            _dispose(worker)
        connection.close()


def test_every_method_of_a_marked_verification_view_counts(settings) -> None:
    # The verifier page's GET /verify?url=… verifies as its POST does: both count.
    from flask import Flask

    from core.web.limits import init_limits, rate_limited

    app = Flask(__name__)

    @app.route("/verify", methods=["GET", "POST"])
    @rate_limited("verify")
    def verify_page() -> str:
        return "report"

    @app.route("/staff/login", methods=["GET", "POST"])
    @rate_limited("sign_in")
    def sign_in() -> str:
        return "form"

    init_limits(app, replace(settings, verify_rate_limit="2/minute", sign_in_rate_limit="1/minute"))
    client = app.test_client()
    address = {"REMOTE_ADDR": "192.0.2.20"}
    assert client.get("/verify?url=x", environ_base=address).status_code == 200
    assert client.post("/verify", environ_base=address).status_code == 200
    refused = client.get("/verify?url=x", environ_base=address)
    assert refused.status_code == 429 and refused.headers["Retry-After"]
    # Reading the sign-in page is free; only its POSTs count.
    assert {client.get("/staff/login", environ_base=address).status_code for _ in range(3)} == {200}
    assert client.post("/staff/login", environ_base=address).status_code == 200
    assert client.post("/staff/login", environ_base=address).status_code == 429


def test_the_verification_page_shares_the_budget_and_says_so_in_a_page(limited) -> None:
    client = limited.test_client()
    address = {"REMOTE_ADDR": "192.0.2.40"}
    link = "/verify?url=ftp://example.org/c/1"  # refused at once (400), counted all the same
    assert [client.get(link, environ_base=address).status_code for _ in range(2)] == [400, 400]
    assert _verify(client, "192.0.2.40").status_code == 200
    refused = client.get(link, environ_base=address, headers={"Accept-Language": "fr"})
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.mimetype == "text/html"
    assert "Trop de vérifications depuis votre adresse" in refused.get_data(as_text=True)
    assert _verify(client, "192.0.2.40").status_code == 429  # one budget for every door
    assert client.get("/", environ_base=address).status_code == 200  # the home page is free

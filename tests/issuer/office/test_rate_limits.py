"""Rate limits of the sign-in pages: per client address, in memory by default, shared by every
worker through Redis when REDIS_URL is set."""

from __future__ import annotations

import os
import secrets
from dataclasses import replace

import pytest
import redis
from office_support import PASSWORD, csrf_token, text

from core.errors import ConfigurationError
from core.settings import load_settings
from core.web.limits import KEY_PREFIX
from wsgi import create_app

#: A database of its own on the test Redis (the queue tests flush theirs, 13).
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/12")


def _post_logins(client, count: int, address: str) -> list[int]:
    token = csrf_token(client.get("/staff/login").get_data(as_text=True))
    fields = {"organization": "acme", "email": "x@acme.example", "password": PASSWORD}
    return [
        client.post(
            "/staff/login",
            data={**fields, "csrf_token": token},
            environ_base={"REMOTE_ADDR": address},
        ).status_code
        for _ in range(count)
    ]


def test_the_eleventh_sign_in_post_of_a_minute_is_refused(client, settings) -> None:
    assert settings.sign_in_rate_limit == "10/minute"
    assert _post_logins(client, 10, "192.0.2.1") == [401] * 10
    token = csrf_token(client.get("/staff/login").get_data(as_text=True))
    refused = client.post(
        "/staff/login", data={"csrf_token": token}, environ_base={"REMOTE_ADDR": "192.0.2.1"}
    )
    assert refused.status_code == 429
    assert refused.headers["Retry-After"]
    assert "Trop de tentatives depuis votre adresse" in text(refused)
    assert _post_logins(client, 1, "192.0.2.2") == [401]  # another address has its budget
    assert client.get("/staff/login").status_code == 200  # reading the page is not limited


def test_the_budget_is_shared_by_the_sign_in_pages(client, staff) -> None:
    member = staff("evaluator", ready=False)
    assert _post_logins(client, 10, "192.0.2.3") == [401] * 10
    token = csrf_token(client.get(f"/staff/setup/{member.setup_token}").get_data(as_text=True))
    setup = client.post(
        f"/staff/setup/{member.setup_token}",
        data={"password": PASSWORD, "confirm": PASSWORD, "csrf_token": token},
        environ_base={"REMOTE_ADDR": "192.0.2.3"},
    )
    assert setup.status_code == 429


def _redis() -> redis.Redis:
    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        connection.ping()
    except redis.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no Redis at {REDIS_URL}")
    return connection


def test_with_redis_every_worker_shares_the_counters(settings) -> None:
    connection = _redis()
    address = f"198.51.100.{secrets.randbelow(250) + 1}"
    workers = [create_app(replace(settings, redis_url=REDIS_URL)) for _ in range(2)]
    try:
        first, second = (worker.test_client() for worker in workers)
        assert _post_logins(first, 6, address) == [401] * 6
        assert _post_logins(second, 5, address) == [401] * 4 + [429]
        assert _post_logins(first, 1, address) == [429]
        keys = connection.keys(f"*{KEY_PREFIX}/{address}/*")
        assert keys, "the counters are in Redis"
    finally:
        for key in connection.scan_iter(f"*{KEY_PREFIX}/{address}/*"):
            connection.delete(key)
        for worker in workers:
            worker.extensions["sceau"]["sessions"].kw["bind"].dispose()
        connection.close()


def test_the_budget_is_configurable_and_checked_at_start_up(tmp_path) -> None:
    env = {"SCEAU_INSTANCE_DIR": str(tmp_path)}
    assert load_settings({**env, "SCEAU_SIGN_IN_RATE_LIMIT": "5 per minute"}).sign_in_rate_limit
    with pytest.raises(ConfigurationError, match="SCEAU_SIGN_IN_RATE_LIMIT"):
        load_settings({**env, "SCEAU_SIGN_IN_RATE_LIMIT": "lots"})

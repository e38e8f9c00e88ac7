"""The credential page reuses its verification for one status-cache period, and never past a
change of what the verification depends on: revocation, keys, validity phase."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

import core.verifying as verifying
from core.clock import FixedClock
from core.db.models import Credential
from core.deps import Deps
from wsgi import create_app


@pytest.fixture
def cached_client(settings) -> Any:
    app = create_app(dataclasses.replace(settings, status_cache_seconds=60))
    yield app.test_client()
    app.extensions["sceau"]["sessions"].kw["bind"].dispose()


@pytest.fixture
def pipeline_runs(monkeypatch) -> list[str]:
    runs: list[str] = []
    real = verifying.verify_untrusted

    def counting(deps: Deps, document: Any) -> Any:
        runs.append(document["id"])
        return real(deps, document)

    monkeypatch.setattr(verifying, "verify_untrusted", counting)
    return runs


def _verdict(client: Any, url: str) -> str:
    page = client.get("/c/" + url.rsplit("/", 1)[1], headers={"Accept": "text/html"})
    assert page.status_code == 200
    return "ok" if 'class="verdict ok"' in page.text else "ko"


def test_the_page_is_verified_once_then_reused(
    cached_client, acme, issue, ada_request, pipeline_runs
) -> None:
    url = issue(acme, ada_request)["id"]
    assert [_verdict(cached_client, url) for _ in range(3)] == ["ok", "ok", "ok"]
    assert pipeline_runs == [url]


def test_a_revocation_shows_at_once(
    cached_client, client, acme, issue, ada_request, pipeline_runs
) -> None:
    url = issue(acme, ada_request)["id"]
    assert _verdict(cached_client, url) == "ok"
    uuid = url.rsplit("/", 1)[1]
    client.post(f"/api/v1/credentials/{uuid}/revoke", json={"reason": "x"}, headers=acme.auth)
    assert _verdict(cached_client, url) == "ko"
    assert pipeline_runs == [url, url]


def test_a_key_compromise_shows_at_once(
    cached_client, sceau, acme, issue, ada_request, pipeline_runs
) -> None:
    issued = issue(acme, ada_request)
    assert _verdict(cached_client, issued["id"]) == "ok"
    kid = issued["credential"]["proof"][0]["verificationMethod"].rsplit("#", 1)[1]
    assert sceau("keys", "compromise", "--org", acme.slug, "--key", kid).exit_code == 0
    page = cached_client.get("/c/" + issued["id"].rsplit("/", 1)[1])
    assert "Certificat non authentique" in page.text


def test_a_report_serves_only_within_its_validity_phase(
    settings, runtime, acme, issue, ada_request, pipeline_runs
) -> None:
    ada_request["validUntil"] = "2030-01-01T00:00:00Z"
    url = issue(acme, ada_request)["id"]
    cached = dataclasses.replace(settings, status_cache_seconds=60)
    with runtime.sessions() as session:
        row = session.get(Credential, url.rsplit("/", 1)[1])
        assert row is not None

        def report_at(year: int) -> str:
            clock = FixedClock(dt.datetime(year, 6, 1, tzinfo=dt.UTC))
            deps = Deps(session=session, settings=cached, clock=clock, cipher=runtime.cipher)
            step = verifying.verify_stored(deps, row).step("dates")
            assert step is not None
            return step.code

        assert [report_at(2029), report_at(2029), report_at(2031)] == ["valid", "valid", "expired"]
    assert pipeline_runs == [url, url]

"""Identifiers from URLs and headers that the database could not even compare: 4xx, never 5xx.

PostgreSQL refuses a NUL in a text parameter and a value longer than its column; SQLite does not,
so these ran green on one engine and answered 500 on the other.
"""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "path",
    [
        "/issuers/a%00b",
        "/issuers/a%00b/did.json",
        "/achievements/a%00b/P1",
        "/achievements/acme/P%001",
        "/status/a%00b/1",
        "/issuers/" + "a" * 300,
        "/status/acme/9223372036854775808",  # past SQLite's and PostgreSQL's integers
        "/status/acme/99999999999999999999999",
    ],
)
def test_identifiers_in_urls_that_cannot_exist_answer_404(client, acme, path: str) -> None:
    response = client.get(path, headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        # Found by schemathesis (tests/test_api_description.py): a 500 on SQLite.
        ("post", "/api/v1/organization/template/versions/667683226578015485952/activate"),
        ("post", "/api/v1/programs/P1/template/versions/2147483648/activate"),
        ("get", "/api/v1/reports/99999999999999999999.pdf"),
    ],
)
def test_integers_past_the_database_range_answer_404(client, acme, method: str, path: str) -> None:
    response = getattr(client, method)(path, headers=acme.auth)
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


@pytest.mark.parametrize("key", ["a\x00b", "k" * 201, "two words", "clé"])
def test_an_unusable_idempotency_key_is_refused(client, acme, ada_request, key: str) -> None:
    response = client.post(
        "/api/v1/credentials",
        json=ada_request,
        headers={**acme.auth, "Idempotency-Key": key},
    )
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_idempotency_key"


def test_the_longest_idempotency_key_is_kept(client, acme, ada_request) -> None:
    headers = {**acme.auth, "Idempotency-Key": "k" * 200}
    first = client.post("/api/v1/credentials", json=ada_request, headers=headers)
    again = client.post("/api/v1/credentials", json=ada_request, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json["id"] == again.json["id"]

"""Hostile inputs through the HTTP API: bounded, never a 5xx, never a false "verified"."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

REL = "https://example.test/vocab#related"


def _code(report: dict[str, Any], step: str) -> str:
    return next(s["code"] for s in report["steps"] if s["id"] == step)


def test_poison_graph_is_stopped_and_reported(issue, client, acme, ada_request) -> None:
    credential = copy.deepcopy(issue(acme, ada_request)["credential"])
    # A 10-node blank-node clique: RDFC-1.0 would explore 10! permutations.
    credential["credentialSubject"][REL] = [
        {"id": f"_:n{i}", REL: [{"id": f"_:n{j}"} for j in range(10) if j != i]} for i in range(10)
    ]
    response = client.post("/api/v1/verify", json={"credential": credential})
    assert response.status_code == 200
    assert response.json["verified"] is False
    assert _code(response.json, "context") == "canonicalization_limit"


def test_oversized_and_deep_bodies_are_refused_before_work(issue, client) -> None:
    huge = json.dumps({"credential": {"x": "y" * (1024 * 1024)}})
    assert (
        client.post("/api/v1/verify", data=huge, content_type="application/json").status_code == 413
    )
    deep = '{"credential": ' + "[" * 100 + "]" * 100 + "}"
    response = client.post("/api/v1/verify", data=deep, content_type="application/json")
    assert response.status_code == 413 and response.json["error"]["code"] == "payload_too_large"


def test_forged_status_url_is_never_fetched(issue, client, acme, ada_request) -> None:
    credential = copy.deepcopy(issue(acme, ada_request)["credential"])
    credential["credentialStatus"]["statusListCredential"] = (
        "http://169.254.169.254/latest/meta-data"
    )
    report = client.post("/api/v1/verify", json={"credential": credential}).json
    assert report["verified"] is False
    assert _code(report, "proof") == "invalid_signature" and _code(report, "status") == "skipped"


def test_unknown_context_and_huge_proof_value(issue, client, acme, ada_request) -> None:
    credential = copy.deepcopy(issue(acme, ada_request)["credential"])
    other = copy.deepcopy(credential)
    other["@context"].append("https://evil.example/context.jsonld")
    report = client.post("/api/v1/verify", json={"credential": other}).json
    assert report["verified"] is False and _code(report, "context") == "unknown_context"
    credential["proof"][0]["proofValue"] = "z" + "1" * 10_000
    report = client.post("/api/v1/verify", json={"credential": credential}).json
    assert report["verified"] is False and _code(report, "proof") == "invalid_signature"


def test_a_credential_of_thousands_of_values_is_refused_before_any_conversion(
    issue, client, acme, ada_request
) -> None:
    """Found by the red team: ~9,000 results (1 MB, no valid signature needed) kept a worker
    converting JSON-LD for over 30 s; two such requests took the whole site down."""
    credential = copy.deepcopy(issue(acme, ada_request)["credential"])
    result = credential["credentialSubject"]["result"][0]
    credential["credentialSubject"]["result"] = [dict(result) for _ in range(600)]
    response = client.post("/api/v1/verify", json={"credential": credential})
    assert response.status_code == 200 and response.json["verified"] is False
    # Refused by the parse step, on the count: no JSON-LD conversion ran (context is skipped).
    assert _code(response.json, "parse") == "payload_too_large"
    assert _code(response.json, "context") == "skipped"


@pytest.mark.parametrize("url", ["https://[::g]/c", "https://[zz]/", "http://[1.2.3.4/x"])
def test_a_url_with_a_broken_bracketed_host_is_a_clear_400(client, url: str) -> None:
    """Found by the red team: urlsplit raises on these, and the 500 reached the user."""
    response = client.post("/api/v1/verify", json={"url": url})
    assert response.status_code == 400, response.data[:300]
    assert response.json["error"]["code"] == "invalid_url"
    form = client.post("/api/v1/verify", data={"text": url})
    assert form.status_code == 400 and form.json["error"]["code"] == "invalid_url"
    page = client.get("/verify", query_string={"url": url})
    assert page.status_code == 400 and page.mimetype == "text/html"


def test_a_failed_fetch_does_not_tell_why(client) -> None:
    """Found by the red team: "resolves to a non-public address" vs "cannot resolve host" told
    which internal names exist; connection errors made the verifier a port prober."""
    for url in ("https://localhost/c/1", "https://does-not-exist.invalid/c/1"):
        response = client.post("/api/v1/verify", json={"url": url})
        assert response.status_code in (400, 502), response.data[:300]
        message = response.json["error"]["message"]
        assert message == "the credential could not be fetched from this URL", message

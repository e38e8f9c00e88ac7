"""The web layer: one error envelope, no internal text leaked, security headers, CORS."""

from __future__ import annotations

import issuer.views.api as api_views


def test_unknown_route_and_method_use_the_envelope(client) -> None:
    missing = client.get("/nowhere")
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"
    wrong = client.get("/api/v1/credentials")
    assert wrong.status_code == 405 and wrong.json["error"]["message"]


def test_unexpected_errors_hide_their_text(client, acme, ada_request, monkeypatch) -> None:
    def explode(*_args, **_kwargs):
        raise RuntimeError("password=hunter2 in /srv/secret/path")

    monkeypatch.setattr(api_views, "issue_credential", explode)
    response = client.post("/api/v1/credentials", json=ada_request, headers=acme.auth)
    assert response.status_code == 500
    assert response.json == {
        "error": {
            "code": "internal_error",
            "message": "an internal error occurred; it has been logged",
            "problems": [],
        }
    }
    assert b"hunter2" not in response.data and b"Traceback" not in response.data


def test_security_headers_and_public_cors(client, acme) -> None:
    response = client.get("/issuers/acme/did.json")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    api = client.post("/api/v1/verify", json={"jwt": "x.y.z"})
    assert "Access-Control-Allow-Origin" not in api.headers

"""Credentials already in circulation, made by the reference libraries, verified by Sceau:
VC 1.1 + Ed25519Signature2020 + StatusList2021 (@digitalbazaar/vc, vc-status-list) and VC-JWT 1.1
with RS256 / ES256 / EdDSA and did:jwk issuers (jose)."""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from core.credentials.loader import BUNDLED_CONTEXTS, load_context
from core.encoding import b64url_decode, b64url_encode

REPO_ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.interop


class _ListServer:
    """Serves status list credentials by path on 127.0.0.1 (the tests allow http + loopback)."""

    def __init__(self) -> None:
        routes: dict[str, bytes] = {}

        class Handler(BaseHTTPRequestHandler):
            table: ClassVar[dict[str, bytes]] = routes

            def do_GET(self) -> None:
                body = self.table.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.routes = routes
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)


@pytest.fixture
def lists() -> Iterator[_ListServer]:
    server = _ListServer()
    server.thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
        server.thread.join()


def _issue(run_node: Any, lists: _ListServer, path: str, *args: str) -> dict[str, Any]:
    out = run_node("legacy_issue.mjs", "--list-url", f"{lists.base}{path}", *args)
    lists.routes[path] = json.dumps(out["statusList"]).encode()
    return out


def _verify(client: Any, unverified: dict[str, Any] | str) -> dict[str, Any]:
    body = {"credential": unverified} if isinstance(unverified, dict) else {"jwt": unverified}
    response = client.post("/api/v1/verify", json=body)
    assert response.status_code == 200, response.data
    report: dict[str, Any] = response.json
    return report


def _codes(report: dict[str, Any]) -> dict[str, str]:
    return {s["id"]: s["code"] for s in report["steps"]}


@pytest.mark.parametrize(
    "ob_context",
    [
        "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
    ],
)
def test_vc11_ed25519_2020_badge_with_status_list_2021(
    client: Any, run_node: Any, lists: _ListServer, ob_context: str
) -> None:
    out = _issue(run_node, lists, "/status/clear", "--ob-context", ob_context)
    credential = out["ldp"]
    assert credential["@context"][:2] == ["https://www.w3.org/2018/credentials/v1", ob_context]
    assert credential["proof"]["type"] == "Ed25519Signature2020"
    assert credential["credentialStatus"]["type"] == "StatusList2021Entry"
    assert not out["statusList"]["credentialSubject"]["encodedList"].startswith("u")

    report = _verify(client, credential)
    assert report["verified"] is True, report
    assert _codes(report) == {
        "parse": "ok",
        "context": "ok",
        "schema": "not_applicable",
        "proof": "ok",
        "issuer": "unknown_issuer",
        "dates": "valid",
        "status": "not_revoked",
        "document": "not_applicable",
    }

    tampered = copy.deepcopy(credential)
    tampered["credentialSubject"]["achievement"]["name"] = "Welding, level 3"
    report = _verify(client, tampered)
    assert report["verified"] is False
    assert _codes(report)["proof"] == "invalid_signature"
    assert _codes(report)["status"] == "skipped"

    # the W3C VC API door reads the same credential the same way
    vc_api = client.post("/credentials/verify", json={"verifiableCredential": credential})
    assert vc_api.status_code == 200 and vc_api.json["verified"] is True


def test_status_list_2021_revocation_and_tampered_list(
    client: Any, run_node: Any, lists: _ListServer
) -> None:
    out = _issue(run_node, lists, "/status/revoked", "--revoked")
    report = _verify(client, out["ldp"])
    assert _codes(report)["status"] == "revoked"
    assert report["verified"] is False

    cleared = copy.deepcopy(out["statusList"])
    clear = run_node("legacy_issue.mjs", "--list-url", f"{lists.base}/status/other")
    cleared["credentialSubject"]["encodedList"] = clear["statusList"]["credentialSubject"][
        "encodedList"
    ]
    lists.routes["/status/revoked"] = json.dumps(cleared).encode()
    report = _verify(client, out["ldp"])
    assert _codes(report)["status"] == "status_list_unavailable"
    assert report["verified"] is False


def test_vc11_badge_past_its_expiration_date_is_expired(
    client: Any, run_node: Any, lists: _ListServer
) -> None:
    out = _issue(run_node, lists, "/status/exp", "--expiration", "2024-06-01T00:00:00Z")
    report = _verify(client, out["ldp"])
    assert _codes(report)["proof"] == "ok"
    assert _codes(report)["dates"] == "expired"
    for token in (j["token"] for j in out["jwts"].values()):
        assert _codes(_verify(client, token))["dates"] == "expired"


def _tamper_payload(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(b64url_decode(payload))
    claims["vc"]["credentialSubject"]["achievement"]["name"] = "Welding, level 3"
    return ".".join((header, b64url_encode(json.dumps(claims).encode()), signature))


@pytest.mark.parametrize("alg", ["RS256", "ES256", "EdDSA"])
def test_jose_vc11_jwts_with_did_jwk(
    client: Any, run_node: Any, lists: _ListServer, alg: str
) -> None:
    out = _issue(run_node, lists, "/status/jwt")
    issued = out["jwts"][alg]
    assert issued["issuer"].startswith("did:jwk:")
    header = json.loads(b64url_decode(issued["token"].split(".")[0]))
    assert header == {"alg": alg, "kid": issued["issuer"] + "#0", "typ": "JWT"}

    report = _verify(client, issued["token"])
    assert report["verified"] is True, report
    assert report["format"] == "jwt"
    credential = report["credential"]
    assert credential["issuanceDate"] == "2024-01-15T09:00:00Z"  # from nbf
    assert credential["id"] == "urn:uuid:4b0d3f5e-7a43-4c55-9a55-0c1f1b1f6a01"  # from jti
    assert credential["credentialSubject"]["id"] == "did:example:ada"  # from sub

    report = _verify(client, _tamper_payload(issued["token"]))
    assert report["verified"] is False
    assert _codes(report)["proof"] == "invalid_signature"

    # another issuer's token under this issuer's name: the kid's DID is not the issuer
    other = out["jwts"]["EdDSA" if alg != "EdDSA" else "ES256"]["token"]
    other_header, payload, signature = other.split(".")
    claims = json.loads(b64url_decode(payload))
    claims["iss"] = claims["vc"]["issuer"]["id"] = issued["issuer"]
    forged = ".".join((other_header, b64url_encode(json.dumps(claims).encode()), signature))
    assert _codes(_verify(client, forged))["proof"] == "key_controller_mismatch"


def test_the_legacy_vectors_are_what_the_reference_stack_makes(run_node: Any) -> None:
    vectors = REPO_ROOT / "tests" / "vectors" / "legacy"
    out = run_node("legacy_issue.mjs", "--list-url", "https://legacy.example/status/1")
    for name, made in (
        ("vcjs-ed25519-2020-badge.json", out["ldp"]),
        ("vcjs-status-list-2021.json", out["statusList"]),
    ):
        assert json.loads((vectors / name).read_text(encoding="utf-8")) == made, name


def test_bundled_contexts_are_the_reference_packages_contexts(run_node: Any) -> None:
    reference = run_node("contexts.mjs")
    legacy = {
        "https://www.w3.org/2018/credentials/v1",
        "https://w3id.org/security/suites/ed25519-2020/v1",
        "https://w3id.org/vc/status-list/2021/v1",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
    }
    assert legacy <= set(BUNDLED_CONTEXTS) and legacy <= set(reference)
    for url in set(BUNDLED_CONTEXTS) & set(reference):
        assert load_context(url) == reference[url], url

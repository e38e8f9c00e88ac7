"""The interop harness itself: Digital Bazaar's JS stack on vectors, its own output, tampering."""

from __future__ import annotations

import copy
import json
import re
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from jwcrypto import jwk, jwt

pytestmark = pytest.mark.interop

RunNode = Callable[..., dict[str, Any]]  # the run_node fixture of conftest.py
INTEROP_DIR = Path(__file__).resolve().parent
OB_VECTOR = (
    Path(__file__).resolve().parents[1] / "vectors" / "ob-v3p0" / "linked-data-proof-vector.json"
)
# did:key of the fixed test seed in js/issue.mjs (FIXED_SEED_HEX).
FIXED_DID_KEY = "did:key:z6MkqF7zGNTJDATy6RUewzTemniPZxf2GySUUyQkxTjdToS1"
FIXED_CREATED = "2024-02-03T04:05:06Z"


def write_json(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# --- a tiny live server standing in for Sceau (did.json, status lists) -----------------------


class _Routes(BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, bytes]] = {}

    def do_GET(self) -> None:
        body = self.routes.get(self.path)
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


class StaticServer:
    """Serves JSON documents by path on 127.0.0.1 (a fresh route table per test)."""

    def __init__(self) -> None:
        self.routes: dict[str, bytes] = {}

        class Handler(_Routes):
            pass

        Handler.routes = self.routes
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.did = f"did:web:127.0.0.1%3A{self.port}:issuers:acme"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def put(self, path: str, doc: dict[str, Any]) -> None:
        self.routes[path] = json.dumps(doc).encode()


@pytest.fixture
def server() -> Iterator[StaticServer]:
    srv = StaticServer()
    srv.thread.start()
    try:
        yield srv
    finally:
        srv.httpd.shutdown()
        srv.httpd.server_close()
        srv.thread.join()


# --- the pinned stack ------------------------------------------------------------------------


def test_package_json_pins_exact_versions() -> None:
    pkg = json.loads((INTEROP_DIR / "package.json").read_text())
    lock = json.loads((INTEROP_DIR / "package-lock.json").read_text())
    assert pkg["type"] == "module"
    for name, version in pkg["dependencies"].items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} is not pinned: {version}"
        assert lock["packages"][f"node_modules/{name}"]["version"] == version


# --- the 1EdTech OB 3.0 signed vector --------------------------------------------------------


@pytest.fixture
def ob_vector(tmp_path: Path) -> tuple[dict[str, Any], Path]:
    """The signed vector credential and a --key-map serving its key from publicKeyMultibase."""
    vector = json.loads(OB_VECTOR.read_text())
    cred = vector["signedCredential"]
    key_map = {cred["proof"]["verificationMethod"]: vector["publicKeyMultibase"]}
    return cred, write_json(tmp_path / "key-map.json", key_map)


def test_1edtech_vector_verifies(
    run_node: RunNode, ob_vector: tuple[dict[str, Any], Path], tmp_path: Path
) -> None:
    cred, key_map = ob_vector
    out = run_node("verify.mjs", write_json(tmp_path / "c.json", cred), "--key-map", key_map)
    assert out["errors"] == []
    assert out["verified"] is True
    vm = cred["proof"]["verificationMethod"]
    assert out["proofs"] == [{"verified": True, "verificationMethod": vm}]
    assert out["statusResult"] is None
    assert out["fetched"] == []


TAMPERINGS = {
    "name": lambda c: c.update(name="Teamwork Badge!"),
    "validFrom": lambda c: c.update(validFrom="2010-01-02T00:00:00Z"),
    "subject": lambda c: c["credentialSubject"].update(id="did:example:someone-else"),
    "proof_created": lambda c: c["proof"].update(created="2010-01-01T19:23:25Z"),
}


@pytest.mark.parametrize("tamper", sorted(TAMPERINGS))
def test_1edtech_vector_tampered_fails(
    run_node: RunNode, ob_vector: tuple[dict[str, Any], Path], tmp_path: Path, tamper: str
) -> None:
    cred, key_map = ob_vector
    tampered = copy.deepcopy(cred)
    TAMPERINGS[tamper](tampered)
    out = run_node("verify.mjs", write_json(tmp_path / "t.json", tampered), "--key-map", key_map)
    assert out["verified"] is False
    assert out["errors"] == ["Invalid signature."]


def test_vector_without_key_map_is_not_fetched(
    run_node: RunNode, ob_vector: tuple[dict[str, Any], Path], tmp_path: Path
) -> None:
    cred, _ = ob_vector
    out = run_node("verify.mjs", write_json(tmp_path / "c.json", cred))
    assert out["verified"] is False
    assert any("refusing to fetch https://example.edu/issuers/565049" in e for e in out["errors"])
    assert out["fetched"] == []


# --- what the reference stack issues ---------------------------------------------------------


def test_issued_credential_shape_and_reproducibility(run_node: RunNode) -> None:
    first = run_node("issue.mjs", "--created", FIXED_CREATED)
    again = run_node("issue.mjs", "--created", FIXED_CREATED)
    assert first == again
    assert first["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert first["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert first["issuer"]["id"] == FIXED_DID_KEY
    assert first["credentialSubject"]["type"] == ["AchievementSubject"]
    proof = first["proof"]
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["proofPurpose"] == "assertionMethod"
    assert proof["created"] == FIXED_CREATED
    key_id = FIXED_DID_KEY.removeprefix("did:key:")
    assert proof["verificationMethod"] == f"{FIXED_DID_KEY}#{key_id}"
    assert proof["proofValue"].startswith("z")


def test_issued_credential_verifies_and_tampered_copy_does_not(
    run_node: RunNode, tmp_path: Path
) -> None:
    signed = run_node("issue.mjs")
    ok = run_node("verify.mjs", write_json(tmp_path / "ok.json", signed))
    assert ok == {
        "verified": True,
        "errors": [],
        "proofs": [{"verified": True, "verificationMethod": signed["proof"]["verificationMethod"]}],
        "statusResult": None,
        "fetched": [],
    }
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["achievement"]["name"] = "Certified Interop Tester (Gold)"
    bad = run_node("verify.mjs", write_json(tmp_path / "bad.json", tampered))
    assert bad["verified"] is False
    assert bad["errors"] == ["Invalid signature."]


def test_undefined_term_is_rejected_in_safe_mode(run_node: RunNode, tmp_path: Path) -> None:
    signed = run_node("issue.mjs")
    signed["favouriteColour"] = "blue"
    out = run_node("verify.mjs", write_json(tmp_path / "c.json", signed))
    assert out["verified"] is False
    assert len(out["errors"]) == 1
    assert out["errors"][0].startswith("Safe mode validation error.")
    assert "favouriteColour" in out["errors"][0]


def test_signing_a_given_credential_keeps_it_and_sets_the_issuer(
    run_node: RunNode, tmp_path: Path
) -> None:
    vector = json.loads(OB_VECTOR.read_text())["signedCredential"]
    signed = run_node("issue.mjs", "--credential", write_json(tmp_path / "u.json", vector))
    assert signed["issuer"] == {**vector["issuer"], "id": FIXED_DID_KEY}
    assert {k: v for k, v in signed.items() if k not in ("issuer", "proof")} == {
        k: v for k, v in vector.items() if k not in ("issuer", "proof")
    }
    assert run_node("verify.mjs", write_json(tmp_path / "s.json", signed))["verified"] is True


# --- did:web and Bitstring Status List against a live server ---------------------------------


def test_did_web_issuer_and_status_list_over_live_server(
    run_node: RunNode, server: StaticServer, tmp_path: Path
) -> None:
    did = server.did
    # the status list URLs name another host: verify.mjs fetches them from --base anyway
    lists = {n: f"https://certs.example.org/status/{n}" for n in ("clear", "revoked")}
    server.put("/issuers/acme/did.json", run_node("issue.mjs", "--did-web", did, "--did-document"))
    for name, revoked_bits in (("clear", ""), ("revoked", "7,42")):
        status_list = run_node(
            "status_list.mjs", "--url", lists[name], "--did-web", did, "--revoked", revoked_bits
        )
        server.put(f"/status/{name}", status_list)

    def verify(list_name: str) -> dict[str, Any]:
        cred = run_node("issue.mjs", "--did-web", did, "--status", f"{lists[list_name]}#42")
        assert cred["proof"]["verificationMethod"] == f"{did}#key-1"
        path = write_json(tmp_path / f"{list_name}.json", cred)
        return run_node("verify.mjs", path, "--base", server.base)

    clear = verify("clear")
    assert clear["verified"] is True, clear["errors"]
    assert clear["statusResult"]["verified"] is True
    assert clear["statusResult"]["revoked"] is False
    fetched = {(f["url"], f["fetched"], f["status"]) for f in clear["fetched"]}
    assert (did, f"{server.base}/issuers/acme/did.json", 200) in fetched
    assert (lists["clear"], f"{server.base}/status/clear", 200) in fetched

    revoked = verify("revoked")
    # vc.js semantics: the credential and its status list verify; the status bit says revoked
    assert revoked["verified"] is True, revoked["errors"]
    assert revoked["statusResult"]["revoked"] is True
    assert revoked["statusResult"]["results"][0]["status"] is True

    del server.routes["/status/revoked"]
    unavailable = verify("revoked")
    assert unavailable["verified"] is False
    assert unavailable["statusResult"]["verified"] is False
    assert unavailable["statusResult"]["revoked"] is None
    assert any("HTTP 404" in e for e in unavailable["errors"])


def test_did_web_with_another_key_fails(
    run_node: RunNode, server: StaticServer, tmp_path: Path
) -> None:
    other_seed = "11" * 32
    server.put(
        "/issuers/acme/did.json",
        run_node("issue.mjs", "--did-web", server.did, "--seed-hex", other_seed, "--did-document"),
    )
    cred = run_node("issue.mjs", "--did-web", server.did)
    out = run_node("verify.mjs", write_json(tmp_path / "c.json", cred), "--base", server.base)
    assert out["verified"] is False
    assert out["errors"] == ["Invalid signature."]


# --- VC-JWT with jose ------------------------------------------------------------------------


@pytest.fixture
def es256_issuer(tmp_path: Path) -> tuple[jwk.JWK, str, Path]:
    key = jwk.JWK.generate(kty="EC", crv="P-256")
    did = "did:web:certs.example.org:issuers:acme"
    kid = f"{did}#jwt-1"
    doc = {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [
            {
                "id": kid,
                "type": "JsonWebKey",
                "controller": did,
                "publicKeyJwk": key.export_public(as_dict=True),
            }
        ],
        "assertionMethod": [kid],
    }
    return key, kid, write_json(tmp_path / "did.json", doc)


def make_jwt(key: jwk.JWK, header: dict[str, Any], claims: dict[str, Any]) -> str:
    token = jwt.JWT(header=header, claims=claims)
    token.make_signed_token(key)
    return str(token.serialize())


def test_jwt_verify_accepts_es256_and_refuses_tampering(
    run_node: RunNode, es256_issuer: tuple[jwk.JWK, str, Path]
) -> None:
    key, kid, did_doc = es256_issuer
    did = kid.split("#")[0]
    claims = {"iss": did, "jti": "urn:uuid:1", "nbf": 1704067200, "name": "Badge"}
    token = make_jwt(key, {"alg": "ES256", "kid": kid, "typ": "JWT"}, claims)

    ok = run_node("jwt_verify.mjs", token, did_doc)
    assert ok["verified"] is True, ok["error"]
    assert ok["payload"] == claims
    assert ok["header"] == {"alg": "ES256", "kid": kid, "typ": "JWT"}

    head, _, sig = token.split(".")
    forged = make_jwt(key, {"alg": "ES256", "kid": kid}, {**claims, "name": "Gold"})
    forged_body = forged.split(".")[1]
    bad = run_node("jwt_verify.mjs", f"{head}.{forged_body}.{sig}", did_doc)
    assert bad["verified"] is False
    assert "signature verification failed" in bad["error"]


def test_jwt_verify_refuses_wrong_kid_wrong_alg_and_wrong_issuer(
    run_node: RunNode, es256_issuer: tuple[jwk.JWK, str, Path]
) -> None:
    key, kid, did_doc = es256_issuer
    did = kid.split("#")[0]
    claims = {"iss": did, "nbf": 1704067200}

    unknown_kid = make_jwt(key, {"alg": "ES256", "kid": f"{did}#nope"}, claims)
    assert run_node("jwt_verify.mjs", unknown_kid, did_doc)["verified"] is False

    hmac = jwk.JWK.generate(kty="oct", size=256)
    hs256 = make_jwt(hmac, {"alg": "HS256", "kid": kid}, claims)
    out = run_node("jwt_verify.mjs", hs256, did_doc)
    assert out["verified"] is False

    evil = {**claims, "iss": "did:web:evil.example"}
    other_iss = make_jwt(key, {"alg": "ES256", "kid": kid}, evil)
    out = run_node("jwt_verify.mjs", other_iss, did_doc)
    assert out["verified"] is False
    assert "is not the DID" in out["error"]


# --- benchmark -------------------------------------------------------------------------------


def test_bench_prints_sane_figures(run_node: RunNode, tmp_path: Path) -> None:
    unsigned = run_node("issue.mjs")
    del unsigned["proof"]
    out = run_node("bench.mjs", write_json(tmp_path / "u.json", unsigned), "20", "--warmup", "5")
    assert out["runs"] == 20
    assert out["warmup"] == 5
    assert out["node"].startswith("v")
    for figure in ("sign_ms", "verify_ms", "sign_ms_p90", "verify_ms_p90"):
        assert isinstance(out[figure], float | int) and out[figure] > 0
    assert out["sign_ms"] <= out["sign_ms_p90"]
    pinned = json.loads((INTEROP_DIR / "package.json").read_text())["dependencies"]
    assert out["packages"] == pinned

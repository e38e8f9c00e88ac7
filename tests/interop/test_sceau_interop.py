"""Sceau against Digital Bazaar's reference stack and an independent JOSE library, both ways."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from jwcrypto import jwk, jws

pytestmark = pytest.mark.interop


def _write(path: Path, data: Any) -> str:
    path.write_text(json.dumps(data))
    return str(path)


def test_reference_stack_verifies_sceau_credentials_and_sees_revocation(
    issue, client, acme, ada_request, live_server, run_node, tmp_path
) -> None:
    issued = issue(acme, ada_request)
    path = _write(tmp_path / "ada.json", issued["credential"])
    out = run_node("verify.mjs", path, "--base", live_server)
    assert out["verified"] is True, out
    assert out["statusResult"]["revoked"] is False

    tampered = copy.deepcopy(issued["credential"])
    tampered["credentialSubject"]["achievement"]["name"] = "Welding, level 3"
    bad = run_node(
        "verify.mjs", _write(tmp_path / "tampered.json", tampered), "--base", live_server
    )
    assert bad["verified"] is False

    uuid = issued["id"].rsplit("/", 1)[1]
    assert (
        client.post(
            f"/api/v1/credentials/{uuid}/revoke", json={"reason": "exam fraud"}, headers=acme.auth
        ).status_code
        == 200
    )
    after = run_node("verify.mjs", path, "--base", live_server)
    # vc.js keeps "verified" for the proof and reports the status apart.
    assert after["statusResult"]["revoked"] is True, after
    ours = client.post("/api/v1/verify", json={"credential": issued["credential"]}).json
    assert (
        ours["verified"] is False
        and {s["id"]: s["code"] for s in ours["steps"]}["status"] == "revoked"
    )


def test_reference_stack_verifies_after_key_rotation(
    issue, client, acme, ada_request, live_server, run_node, runtime, tmp_path
) -> None:
    from issuer.services.organizations import rotate_keys

    issued = issue(acme, ada_request)
    with runtime.unit() as deps:
        rotate_keys(deps, acme.slug)
    out = run_node(
        "verify.mjs", _write(tmp_path / "old.json", issued["credential"]), "--base", live_server
    )
    assert out["verified"] is True, out


def test_sceau_verifies_reference_credentials(issue, client, run_node) -> None:
    signed = run_node("issue.mjs")
    assert signed["issuer"]["id"].startswith("did:key:z6Mk")
    report = client.post("/api/v1/verify", json={"credential": signed}).json
    steps = {s["id"]: s for s in report["steps"]}
    assert report["verified"] is True, report
    assert steps["proof"]["ok"] is True and steps["issuer"]["code"] == "unknown_issuer"
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["achievement"]["name"] = "Something else"
    report = client.post("/api/v1/verify", json={"credential": tampered}).json
    assert report["verified"] is False
    assert {s["id"]: s["code"] for s in report["steps"]}["proof"] == "invalid_signature"


def test_vc_jwt_verifies_with_independent_jose_libraries(
    issue, client, acme, ada_request, live_server, run_node, tmp_path
) -> None:
    issued = issue(acme, ada_request)
    token = issued["jwt"]
    did_document = client.get("/issuers/acme/did.json").json
    # jose (Node), resolving the key from our DID document.
    out = run_node("jwt_verify.mjs", token, _write(tmp_path / "did.json", did_document))
    assert out["verified"] is True, out
    assert out["payload"]["jti"] == issued["id"] and out["payload"]["iss"] == acme.did
    # jwcrypto (Python), with the publicKeyJwk named by the kid.
    header = json.loads(jws.base64url_decode(token.split(".")[0]))
    method = next(vm for vm in did_document["verificationMethod"] if vm["id"] == header["kid"])
    verifier = jws.JWS()
    verifier.deserialize(token)
    verifier.verify(jwk.JWK(**method["publicKeyJwk"]), alg="ES256")
    assert json.loads(verifier.payload)["nbf"] > 0
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert (
        run_node("jwt_verify.mjs", forged, _write(tmp_path / "did2.json", did_document))["verified"]
        is False
    )

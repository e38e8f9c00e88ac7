"""POST /api/v1/verify and the W3C VC API endpoints, driven through the issuer API."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from sceau_test_support import base_credential


def _steps(report: dict[str, Any]) -> dict[str, str]:
    return {s["id"]: s["code"] for s in report["steps"]}


def test_issued_credential_and_jwt_verify(issue, client, acme, ada_request) -> None:
    issued = issue(acme, ada_request)
    for body in ({"credential": issued["credential"]}, {"jwt": issued["jwt"]}):
        report = client.post("/api/v1/verify", json=body).json
        assert report["verified"] is True, report
        steps = _steps(report)
        assert steps["proof"] == "ok"
        assert steps["issuer"] == "known_issuer" and steps["status"] == "not_revoked"
        assert all(s["ok"] for s in report["steps"])


def test_tampered_credential_fails_proof(issue, client, acme, ada_request) -> None:
    credential = copy.deepcopy(issue(acme, ada_request)["credential"])
    credential["credentialSubject"]["result"][0]["value"] = "20"
    report = client.post("/api/v1/verify", json={"credential": credential}).json
    assert report["verified"] is False and _steps(report)["proof"] == "invalid_signature"


def test_tampered_jwt_fails(issue, client, acme, ada_request) -> None:
    token = issue(acme, ada_request)["jwt"]
    head, payload, signature = token.split(".")
    # A character in the middle: still 64 bytes of valid base64url, no longer the signature.
    flipped = signature[:20] + ("B" if signature[20] != "B" else "C") + signature[21:]
    report = client.post("/api/v1/verify", json={"jwt": f"{head}.{payload}.{flipped}"}).json
    assert report["verified"] is False and _steps(report)["proof"] == "invalid_signature"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"foo": 1}, "not_a_credential"),
        ([1, 2], "invalid_request"),
        ({"credential": "text"}, "not_a_credential"),
        ({"jwt": 3}, "not_a_credential"),
    ],
)
def test_not_a_credential_is_400(client, body: Any, code: str) -> None:
    response = client.post("/api/v1/verify", json=body)
    assert response.status_code == 400, body
    assert response.json["error"]["code"] == code


def test_invalid_json_is_400(client) -> None:
    response = client.post("/api/v1/verify", data=b"{oops", content_type="application/json")
    assert response.status_code == 400 and response.json["error"]["code"] == "malformed_json"


def test_garbage_credential_is_reported_not_crashed(issue, client) -> None:
    for junk in (
        {"@context": "nope"},
        {"type": ["VerifiableCredential"]},
        {"proof": {"proofValue": "z" + "1" * 5000}},
    ):
        response = client.post("/api/v1/verify", json={"credential": junk})
        assert response.status_code == 200 and response.json["verified"] is False
    response = client.post("/api/v1/verify", json={"jwt": "not.a.jwt"})
    assert response.status_code == 200 and response.json["verified"] is False


def test_deep_json_is_refused(issue, client) -> None:
    body = '{"credential": ' + '{"a": ' * 5000 + "1" + "}" * 5000 + "}"
    response = client.post("/api/v1/verify", data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.json["error"]["code"] == "payload_too_large"


def test_vc_api_issue_and_verify(issue, client, acme) -> None:
    unsigned = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:0f5b1a64-7d0c-4f0e-9f55-8d1a9e0b2c31",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": acme.did, "type": ["Profile"], "name": "Acme"},
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "urn:uuid:3c8b0f3e-1a31-4a4c-b8a1-c1ffe9a2f0a1",
                "type": ["Achievement"],
                "name": "Teamwork",
                "description": "Works in teams.",
                "criteria": {"narrative": "Peer nominated."},
            },
        },
    }
    issued = client.post(
        "/credentials/issue", json={"credential": unsigned, "options": {}}, headers=acme.auth
    )
    assert issued.status_code == 201, issued.json
    vc = issued.json["verifiableCredential"]
    verified = client.post("/credentials/verify", json={"verifiableCredential": vc, "options": {}})
    assert (
        verified.status_code == 200
        and verified.json["verified"] is True
        and "proof" in verified.json["checks"]
    )
    vc["credentialSubject"]["achievement"]["name"] = "Forged"
    rejected = client.post("/credentials/verify", json={"verifiableCredential": vc})
    assert (
        rejected.status_code == 400
        and rejected.json["verified"] is False
        and rejected.json["errors"]
    )
    bad = client.post(
        "/credentials/issue",
        json={"credential": {**unsigned, "@context": ["https://example.org"]}},
        headers=acme.auth,
    )
    assert bad.status_code == 400
    other_issuer = client.post(
        "/credentials/issue",
        json={"credential": {**unsigned, "issuer": "did:example:x"}},
        headers=acme.auth,
    )
    assert other_issuer.status_code == 400
    undefined = json.loads(json.dumps(unsigned))
    undefined["credentialSubject"]["favourite"] = "x"
    assert (
        client.post(
            "/credentials/issue", json={"credential": undefined}, headers=acme.auth
        ).status_code
        == 400
    )
    no_id = {k: v for k, v in unsigned.items() if k != "id"}
    not_ob = client.post("/credentials/issue", json={"credential": no_id}, headers=acme.auth)
    assert not_ob.status_code == 400 and not_ob.json["error"]["code"] == "invalid_credential"
    assert client.post("/credentials/issue", json={"credential": unsigned}).status_code == 401
    assert client.post("/credentials/verify", json={"nothing": 1}).status_code == 400


@pytest.mark.parametrize(
    "list_path", ["/status/acme/99999999999999999999", "/status/acme/2", "/c/nothing-here"]
)
def test_a_status_url_of_this_service_that_names_no_list_is_unavailable(
    client, acme, list_path: str
) -> None:
    """Never fetched from ourselves, never an internal error (red team: the number overflowed)."""
    unsigned = base_credential(acme.did, "Acme")
    url = client.application.extensions["sceau"]["settings"].base_url + list_path
    unsigned["credentialStatus"] = {
        "id": f"{url}#7",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "7",
        "statusListCredential": url,
    }
    issued = client.post("/credentials/issue", json={"credential": unsigned}, headers=acme.auth)
    assert issued.status_code == 201, issued.json
    report = client.post(
        "/api/v1/verify", json={"credential": issued.json["verifiableCredential"]}
    ).json
    assert _steps(report)["proof"] == "ok"
    assert _steps(report)["status"] == "status_list_unavailable"


def test_a_revoked_credential_with_its_status_written_as_an_iri_stays_revoked(
    issue, client, acme, ada_request
) -> None:
    """Found by the red team: the same signed RDF, `credentialStatus` written as its IRI, and the
    status step read no status at all: "valid", from a registered body."""
    issued = issue(acme, ada_request)
    uuid = issued["id"].rsplit("/", 1)[1]
    revoked = client.post(
        f"/api/v1/credentials/{uuid}/revoke", json={"reason": "x"}, headers=acme.auth
    )
    assert revoked.status_code == 200
    credential = client.get(f"/c/{uuid}.json").json
    iri = "https://www.w3.org/2018/credentials#credentialStatus"
    disguised = {(iri if k == "credentialStatus" else k): v for k, v in credential.items()}
    for path, body in (
        ("/api/v1/verify", {"credential": disguised}),
        ("/credentials/verify", {"verifiableCredential": disguised}),
    ):
        report = client.post(path, json=body).json
        assert report["verified"] is False, (path, report)
    report = client.post("/api/v1/verify", json={"credential": disguised}).json
    assert _steps(report)["context"] == "not_compact"
    assert report["issuer"]["name"] is None  # nothing the forger wrote is shown

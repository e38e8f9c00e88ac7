"""Publishing: DID documents, profiles, programs, status lists; revoking and key rotation."""

from __future__ import annotations

from click.testing import CliRunner

PROGRAM = {
    "code": "WLD-1",
    "name": "Welding, level 1",
    "description": "Arc welding on steel.",
    "criteria": "Practical exam 12/20 or more.",
    "achievementType": "Certification",
    "alignments": [{"targetName": "RNCP 1234", "targetUrl": "https://www.francecompetences.fr/"}],
    "validityDays": 365,
}


def test_did_document(issue, client, acme) -> None:
    doc = client.get("/issuers/acme/did.json").json
    assert doc["@context"] == [
        "https://www.w3.org/ns/did/v1",
        "https://w3id.org/security/multikey/v1",
    ]
    assert doc["id"] == acme.did
    types = sorted(vm["type"] for vm in doc["verificationMethod"])
    assert types == ["JsonWebKey", "Multikey"]
    assert sorted(doc["assertionMethod"]) == sorted(vm["id"] for vm in doc["verificationMethod"])
    assert all(isinstance(a, str) for a in doc["assertionMethod"])
    assert client.get("/issuers/nobody/did.json").status_code == 404


def test_profile_json_and_page(issue, client, acme) -> None:
    profile = client.get("/issuers/acme", headers={"Accept": "application/json"}).json
    assert (
        profile["id"] == acme.did
        and profile["type"] == ["Profile"]
        and profile["name"] == "Acme Certification"
    )
    page = client.get("/issuers/acme", headers={"Accept": "text/html"})
    assert (
        page.status_code == 200
        and b"Acme Certification" in page.data
        and page.mimetype == "text/html"
    )


def test_program_created_served_and_used(issue, client, acme, settings) -> None:
    created = client.post("/api/v1/programs", json=PROGRAM, headers=acme.auth)
    assert created.status_code == 201, created.json
    url = f"{settings.base_url}/achievements/acme/WLD-1"
    assert created.json["achievement"]["id"] == url
    served = client.get("/achievements/acme/WLD-1", headers={"Accept": "application/json"}).json
    assert served["name"] == "Welding, level 1" and served["alignment"][0]["type"] == ["Alignment"]
    assert (
        client.get("/achievements/acme/WLD-1", headers={"Accept": "text/html"}).mimetype
        == "text/html"
    )
    duplicate = client.post("/api/v1/programs", json=PROGRAM, headers=acme.auth)
    assert duplicate.status_code == 409
    issued = issue(
        acme, {"recipient": {"email": "a@example.org"}, "achievement": {"code": "WLD-1"}}
    )
    credential = issued["credential"]
    assert credential["credentialSubject"]["achievement"]["id"] == url
    assert "validUntil" in credential  # from validityDays


def test_status_list_etag_304_and_revocation(issue, client, acme, ada_request) -> None:
    issued = issue(acme, ada_request)
    status = issued["credential"]["credentialStatus"]
    path = status["statusListCredential"].split("//", 1)[1].split("/", 1)[1]
    first = client.get("/" + path)
    assert first.status_code == 200 and first.headers["ETag"]
    assert "max-age=" in first.headers["Cache-Control"]
    assert first.json["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert first.json["issuer"] == acme.did
    again = client.get("/" + path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    uuid = issued["id"].rsplit("/", 1)[1]
    revoked = client.post(
        f"/api/v1/credentials/{uuid}/revoke",
        json={"reason": "Fraud at the exam"},
        headers=acme.auth,
    )
    assert revoked.status_code == 200 and revoked.json["revoked"] is True
    after = client.get("/" + path, headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != first.headers["ETag"]
    assert "Fraud" not in after.get_data(as_text=True)
    verdict = client.post("/api/v1/verify", json={"credential": issued["credential"]}).json
    assert verdict["verified"] is False
    assert {s["id"]: s["code"] for s in verdict["steps"]}["status"] == "revoked"
    twice = client.post(
        f"/api/v1/credentials/{uuid}/revoke", json={"reason": "again"}, headers=acme.auth
    )
    assert twice.status_code == 409
    missing_reason = client.post(f"/api/v1/credentials/{uuid}/revoke", json={}, headers=acme.auth)
    assert missing_reason.status_code == 400


def test_rotation_keeps_old_credentials_verifiable(
    issue, client, acme, ada_request, settings, monkeypatch
) -> None:
    before = issue(acme, ada_request)
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SCEAU_INSTANCE_DIR", str(settings.instance_dir))
    monkeypatch.setenv("SCEAU_BASE_URL", settings.base_url)
    result = CliRunner().invoke(
        __import__("wsgi").cli, ["keys", "rotate", "--org", "acme"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    doc = client.get("/issuers/acme/did.json").json
    assert len(doc["verificationMethod"]) == 4
    after = issue(acme, ada_request)
    assert (
        after["credential"]["proof"][0]["verificationMethod"]
        != before["credential"]["proof"][0]["verificationMethod"]
    )
    for issued in (before, after):
        assert (
            client.post("/api/v1/verify", json={"credential": issued["credential"]}).json[
                "verified"
            ]
            is True
        )
        assert client.post("/api/v1/verify", json={"jwt": issued["jwt"]}).json["verified"] is True


def test_credential_content_negotiation(issue, client, acme, ada_request) -> None:
    issued = issue(acme, ada_request)
    uuid = issued["id"].rsplit("/", 1)[1]
    as_json = client.get(f"/c/{uuid}", headers={"Accept": "application/vc+ld+json"})
    assert as_json.mimetype == "application/vc+ld+json" and as_json.json == issued["credential"]
    assert client.get(f"/c/{uuid}.json").json == issued["credential"]
    jwt = client.get(f"/c/{uuid}.jwt")
    assert jwt.mimetype == "text/plain" and jwt.get_data(as_text=True) == issued["jwt"]
    assert (
        client.get(f"/c/{uuid}", headers={"Accept": "text/plain"}).get_data(as_text=True)
        == issued["jwt"]
    )
    page = client.get(f"/c/{uuid}", headers={"Accept": "text/html"})
    assert page.mimetype == "text/html"
    assert 'class="verdict ok"' in page.get_data(as_text=True)
    assert client.get("/c/00000000-0000-0000-0000-000000000000.json").status_code == 404

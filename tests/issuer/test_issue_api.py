"""POST /api/v1/credentials: issuing, idempotency, and every kind of bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from sqlalchemy import func, select

from core.credentials.schema import schema_problems
from core.db.models import Credential

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def _count(runtime: Any) -> int:
    with runtime.unit() as deps:
        return int(deps.session.scalar(select(func.count()).select_from(Credential)) or 0)


def test_issue_returns_signed_credential_and_jwt(client, acme, ada_request, settings) -> None:
    response = client.post("/api/v1/credentials", json=ada_request, headers=acme.auth)
    assert response.status_code == 201, response.json
    body = response.json
    assert re.fullmatch(rf"{settings.base_url}/c/{UUID}", body["id"])
    credential = body["credential"]
    assert credential["id"] == body["id"]
    assert (
        credential["issuer"]["id"]
        == acme.did
        == f"did:web:127.0.0.1%3A{settings.base_url.rsplit(':', 1)[1]}:issuers:acme"
    )
    assert credential["issuer"]["type"] == ["Profile"]
    proof = credential["proof"][0]
    assert proof["cryptosuite"] == "eddsa-rdfc-2022" and proof["proofValue"].startswith("z")
    assert proof["verificationMethod"].startswith(acme.did + "#z6Mk")
    subject = credential["credentialSubject"]
    identity = subject["identifier"][0]
    assert identity["hashed"] is True and identity["identityHash"].startswith("sha256$")
    assert "ada@example.org" not in json.dumps(credential)
    assert subject["result"][0]["value"] == "15"
    assert credential["credentialStatus"]["type"] == "BitstringStatusListEntry"
    assert int(credential["credentialStatus"]["statusListIndex"]) < 131072
    assert body["jwt"].count(".") == 2
    assert schema_problems(credential) == []


def test_every_issued_credential_validates_against_the_ob_schema(client, acme, ada_request) -> None:
    schema = json.loads(Path("schemas/ob_v3p0_achievementcredential_schema.json").read_text())
    ada_request["evidence"] = [
        {"name": "Practical test report", "narrative": "Weld seams inspected."}
    ]
    ada_request["achievement"]["alignments"] = [
        {"targetName": "RNCP 1234", "targetUrl": "https://www.francecompetences.fr/"}
    ]
    ada_request["validUntil"] = "2030-01-01T00:00:00Z"
    credential = client.post("/api/v1/credentials", json=ada_request, headers=acme.auth).json[
        "credential"
    ]
    jsonschema.Draft201909Validator(schema).validate(credential)


def test_idempotency_key_returns_the_same_credential(client, acme, ada_request, runtime) -> None:
    headers = {**acme.auth, "Idempotency-Key": "abc-1"}
    first = client.post("/api/v1/credentials", json=ada_request, headers=headers)
    second = client.post("/api/v1/credentials", json=ada_request, headers=headers)
    assert first.status_code == 201 and second.status_code == 200
    assert second.headers["Idempotent-Replayed"] == "true"
    assert (
        first.json["id"] == second.json["id"]
        and first.json["credential"] == second.json["credential"]
    )
    assert _count(runtime) == 1
    ada_request["recipient"]["name"] = "Someone Else"
    third = client.post("/api/v1/credentials", json=ada_request, headers=headers)
    assert third.status_code == 409 and third.json["error"]["code"] == "idempotency_key_reused"
    assert _count(runtime) == 1


def _post_raw(client, acme, data: bytes | str, content_type: str = "application/json"):
    return client.post(
        "/api/v1/credentials", data=data, headers={**acme.auth, "Content-Type": content_type}
    )


def test_bad_inputs_get_4xx_and_write_nothing(client, acme, ada_request, runtime) -> None:
    cases: list[tuple[Any, int, str]] = []
    cases.append((_post_raw(client, acme, b'{"recipient": '), 400, "malformed_json"))
    missing = dict(ada_request)
    del missing["recipient"]
    cases.append(
        (
            client.post("/api/v1/credentials", json=missing, headers=acme.auth),
            400,
            "invalid_request",
        )
    )
    wrong = json.loads(json.dumps(ada_request))
    wrong["recipient"]["email"] = "not-an-email"
    cases.append(
        (client.post("/api/v1/credentials", json=wrong, headers=acme.auth), 400, "invalid_request")
    )
    unknown = {**ada_request, "achievement": {"code": "NOPE"}}
    cases.append(
        (
            client.post("/api/v1/credentials", json=unknown, headers=acme.auth),
            404,
            "unknown_program",
        )
    )
    control = json.loads(json.dumps(ada_request))
    control["recipient"]["name"] = "Ada\x07Lovelace"
    cases.append(
        (
            client.post("/api/v1/credentials", json=control, headers=acme.auth),
            400,
            "control_characters",
        )
    )
    undefined = json.loads(json.dumps(ada_request))
    undefined["achievement"]["favouriteColour"] = "blue"
    cases.append(
        (
            client.post("/api/v1/credentials", json=undefined, headers=acme.auth),
            422,
            "undefined_term",
        )
    )
    cases.append(
        (
            client.post(
                "/api/v1/credentials",
                json=ada_request,
                headers={"Authorization": "Bearer sceau_nope_x"},
            ),
            401,
            "unauthenticated",
        )
    )
    cases.append((client.post("/api/v1/credentials", json=ada_request), 401, "unauthenticated"))
    big = json.loads(json.dumps(ada_request))
    big["achievement"]["description"] = "x" * (1024 * 1024 + 10)
    cases.append((client.post("/api/v1/credentials", json=big, headers=acme.auth), 413, ""))
    cases.append(
        (
            _post_raw(client, acme, "recipient=ada", "application/x-www-form-urlencoded"),
            400,
            "unsupported_media_type",
        )
    )
    for response, status, code in cases:
        assert response.status_code == status, (status, code, response.json)
        error = response.json["error"]
        assert error["message"]
        if code:
            assert error["code"] == code
    assert _count(runtime) == 0


def test_errors_name_each_problem(client, acme) -> None:
    body = {
        "recipient": {"email": "bad"},
        "achievement": {"name": "x"},
        "results": [{"value": "1"}],
    }
    response = client.post("/api/v1/credentials", json=body, headers=acme.auth)
    assert response.status_code == 400
    paths = {p["path"] for p in response.json["error"]["problems"]}
    assert "recipient.email" in paths and "results.0" in paths


def test_undefined_term_is_named(client, acme, ada_request) -> None:
    ada_request["achievement"]["favouriteColour"] = "blue"
    response = client.post("/api/v1/credentials", json=ada_request, headers=acme.auth)
    assert "favouriteColour" in json.dumps(response.json["error"])


def test_api_key_of_another_org_cannot_revoke(client, acme, create_org, ada_request) -> None:
    other = create_org("other", "Other Body")
    issued = client.post("/api/v1/credentials", json=ada_request, headers=acme.auth).json
    uuid = issued["id"].rsplit("/", 1)[1]
    response = client.post(
        f"/api/v1/credentials/{uuid}/revoke", json={"reason": "x"}, headers=other.auth
    )
    assert response.status_code == 404


def test_a_nested_context_that_drops_data_is_refused_with_its_path(client, acme, ada_request):
    """The review's example: `@vocab: null` would leave `score` outside the signature."""
    ada_request["achievement"]["related"] = [
        {"@context": {"@vocab": None}, "score": "x", "id": "urn:uuid:1", "type": ["Related"]}
    ]
    response = client.post("/api/v1/credentials", json=ada_request, headers=acme.auth)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "jsonld_keyword"
    assert response.json["error"]["problems"] == [
        {"path": "achievement.related[0].@context", "message": "JSON-LD keyword"}
    ]


def test_a_nested_context_defining_its_own_terms_is_refused(client, acme, ada_request):
    ada_request["achievement"]["related"] = [
        {"@context": {"score": "https://evil.example/score"}, "score": "x", "id": "urn:uuid:1"}
    ]
    response = client.post("/api/v1/credentials", json=ada_request, headers=acme.auth)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "jsonld_keyword"


def test_programs_refuse_json_ld_keywords(client, acme):
    program = {
        "code": "P1",
        "name": "Welding",
        "description": "Arc welding.",
        "criteria": "Pass.",
        "related": [{"@context": {"@vocab": None}, "id": "urn:uuid:1", "score": "x"}],
    }
    response = client.post("/api/v1/programs", json=program, headers=acme.auth)
    assert response.status_code == 400
    assert response.json["error"]["problems"] == [
        {"path": "related[0].@context", "message": "JSON-LD keyword"}
    ]


def test_the_vc_api_signs_no_copy_of_a_managed_certificate(client, acme, issue, ada_request):
    """Red team: a revoked certificate re-signed without status by the VC API verified as valid."""
    managed = issue(acme, ada_request)["credential"]
    copy_without_status = {
        k: v for k, v in managed.items() if k not in ("proof", "credentialStatus")
    }
    response = client.post(
        "/credentials/issue", json={"credential": copy_without_status}, headers=acme.auth
    )
    assert response.status_code == 400
    assert [p["path"] for p in response.json["error"]["problems"]] == ["credential.id"]


@pytest.mark.parametrize(
    "spelling",
    [
        "{scheme}://{HOST}/c/{uuid}",
        "{SCHEME}://{host}/c/{uuid}",
        "{scheme}://{host}/%63/{uuid}",
        "{scheme}://{host}//c/{uuid}",
        "{scheme}://{host}/./c/{uuid}",
        "{scheme}://{host}/x/../c/{uuid}",
        "{scheme}://user@{host}/c/{uuid}",
        "http://localhost/c/{uuid}",
        "https://[::1]/c/{uuid}",
        "urn:uuid:{uuid}",
        "https://elsewhere.example/certificates/{UUID}",
        "{scheme}://{host}/c/00000000-0000-4000-8000-000000000000",  # not issued yet, same route
    ],
)
def test_no_spelling_of_a_managed_certificate_id_is_signed(
    client, acme, issue, ada_request, settings, spelling: str
) -> None:
    """Red team, round 2: the refusal compared text, and equivalent URLs went through."""
    managed = issue(acme, ada_request)["credential"]
    uuid = managed["id"].rsplit("/", 1)[1]
    scheme, host = settings.base_url.split("://")
    copy_without_status = {
        k: v for k, v in managed.items() if k not in ("proof", "credentialStatus")
    }
    copy_without_status["id"] = spelling.format(
        scheme=scheme,
        SCHEME=scheme.upper(),
        host=host,
        HOST=host.upper(),
        uuid=uuid,
        UUID=uuid.upper(),
    )
    response = client.post(
        "/credentials/issue", json={"credential": copy_without_status}, headers=acme.auth
    )
    assert response.status_code == 400, copy_without_status["id"]
    assert [p["path"] for p in response.json["error"]["problems"]] == ["credential.id"]


def test_a_managed_certificate_id_made_by_a_prefix_is_not_signed(
    client, acme, issue, ada_request, settings
) -> None:
    """Red team, round 3: a prefix term of an embedded context spelled the id without its full
    UUID ("cert:a5f1-881c8e7eeb37"); the signed RDF named the revoked certificate all the same."""
    managed = issue(acme, ada_request)["credential"]
    uuid = managed["id"].rsplit("/", 1)[1]
    copy_without_status = {
        k: v for k, v in managed.items() if k not in ("proof", "credentialStatus")
    }
    head, tail = uuid[:19], uuid[19:]
    prefix = {"cert": {"@id": f"{settings.base_url}/c/{head}", "@prefix": True}}
    copy_without_status["@context"] = [*managed["@context"], prefix]
    copy_without_status["id"] = f"cert:{tail}"
    response = client.post(
        "/credentials/issue", json={"credential": copy_without_status}, headers=acme.auth
    )
    assert response.status_code == 400, response.json
    assert [p["path"] for p in response.json["error"]["problems"]] == ["credential.id"]

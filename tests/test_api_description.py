"""GET /api/v1/openapi.json: a valid OpenAPI 3.1 description, true to the app (every API route
described, and schemathesis finds no 5xx and no answer outside the description)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from openapi_spec_validator import validate
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode

#: Enough examples per operation to reach the validation paths, few enough for CI (< 3 min).
EXAMPLES = 12
#: The tags whose operations a staff member's personal token drives; the others take the
#: organization's API key (and the verifier none).
STAFF_TAGS = {"workflow"}
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            # Valid by the schema is not always acceptable: the API checks what JSON Schema
            # cannot say (a SIRET's checksum, a program's version...) and answers 400 for it.
            "positive_data_acceptance": {"enabled": False},
            # Invalid data must be refused with a 4xx the operation describes: a body too large
            # is a 413, a state that forbids the action a 409.
            "negative_data_rejection": {
                "expected-statuses": [400, 401, 403, 404, 405, 409, 413, 415, 422]
            },
        }
    }
)


def test_the_description_is_valid_openapi_3_1(client, settings: Any) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    document = response.json
    validate(document)  # raises on anything that is not OpenAPI 3.1
    assert document["openapi"] == "3.1.0"
    assert document["servers"] == [
        {"url": settings.base_url, "description": "This Sceau instance."}
    ]
    schemes = document["components"]["securitySchemes"]
    assert {schemes["apiKey"]["scheme"], schemes["personalToken"]["scheme"]} == {"bearer"}
    # The request bodies are the very schemas the API validates with (schemas/api/).
    issue = document["components"]["schemas"]["IssueCredentialRequest"]
    assert issue["required"] == ["recipient", "achievement"] and "$id" not in issue


def test_every_api_route_is_described(app, client) -> None:
    document = client.get("/api/v1/openapi.json").json
    described = {
        (method.upper(), re.sub(r"\{[^}]+\}", "*", path))
        for path, operations in document["paths"].items()
        for method in operations
    }
    routed = {
        (method, re.sub(r"<[^>]+>", "*", rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(("/api/", "/credentials/"))
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routed == described


def _operations() -> list[tuple[str, str]]:
    """(method, path) of every described operation, read from the file at collection time."""
    import json

    from core.api_description import OPENAPI_FILE

    paths = json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))["paths"]
    return [(method, path) for path, operations in paths.items() for method in operations]


#: Random path parameters (valid and invalid data), then the same with the ids of real
#: resources: a program, an exam session with candidates, an enrollment, a credential.
MODES = ("positive", "negative", "seeded")


def _real_resources(client: Any, workflow: Any, body: Any) -> dict[str, Any]:
    from conftest import ADA

    workflow.program()
    session_id = workflow.session()
    enrollment_id = next(iter(workflow.enroll(session_id).values()))
    issued = client.post("/api/v1/credentials", json=ADA, headers=body.auth("api_key"))
    assert issued.status_code == 201, issued.json
    return {
        "code": "SOUD-1",
        "session_id": session_id,
        "enrollment_id": enrollment_id,
        "credential_id": issued.json["id"].rsplit("/", 1)[1],
    }


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("method", "path"), _operations())
def test_the_app_keeps_to_its_description(
    app: Any, client: Any, workflow: Any, body: Any, method: str, path: str, mode: str
) -> None:
    """No 5xx; every status, content type and body as described (schemathesis' checks)."""
    operation = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=CONFIG)[path][
        method
    ]
    raw = operation.definition.raw
    names = {p["name"] for p in raw.get("parameters", []) if p.get("in") == "path"}
    if mode == "negative" and not raw.get("parameters") and not raw.get("requestBody"):
        pytest.skip("nothing to make invalid")
    if mode == "seeded" and not names - {"version", "year", "job_id"}:
        pytest.skip("no resource of its own to seed")
    headers: dict[str, str] = {}
    if raw.get("security") != []:
        staff = STAFF_TAGS & set(raw.get("tags", []))
        headers = body.auth("manager" if staff else "api_key")
    generation = GenerationMode.NEGATIVE if mode == "negative" else GenerationMode.POSITIVE
    fixed = None
    if mode == "seeded":
        real = _real_resources(client, workflow, body)
        fixed = {name: real[name] for name in names if name in real}

    @given(case=operation.as_strategy(generation_mode=generation, path_parameters=fixed))
    @hypothesis_settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def call(case: Any) -> None:
        case.call_and_validate(headers=headers)

    call()


@pytest.mark.parametrize(
    "fields", [{"url": 5}, {"credential": "{}"}, {"recipient": "ada@example.org"}, {"jwt": ["x"]}]
)
def test_a_verification_field_of_the_wrong_type_is_refused(client, fields: dict[str, Any]) -> None:
    # Found by schemathesis: {"jwt": "...", "url": 5} was verified, the url silently ignored.
    response = client.post("/api/v1/verify", json={"jwt": "not-a-jwt", **fields})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "not_a_credential"  # as tests/verifier say
    assert [p["path"] for p in response.json["error"]["problems"]] == list(fields)

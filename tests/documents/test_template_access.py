"""Who may read and change certificate templates, legal mentions and document options: another
body's program answers 404 to every caller before any role check, then each role gets what the
permission table gives it (the attacks first)."""

from __future__ import annotations

from typing import Any

import pytest
from workflow_support import STAFF, Workflow, make_body

from core.db.models import CertificateTemplate

HTML = "<p>{{ holder.name }} — {{ certification.title }}</p>"
TEMPLATE = {"html": HTML, "css": "p { font-size: 20pt; }"}
MENTIONS = {"legalName": "Acme SAS", "siret": "73282932000074", "language": "fr"}
OPTIONS = {"showResults": False, "level": "5", "framework": "RNCP", "code": "RNCP34567"}


@pytest.fixture
def other(runtime: Any) -> Any:
    return make_body(runtime, "globex")


def _program_routes(code: str) -> list[tuple[str, str, dict[str, Any]]]:
    base = f"/api/v1/programs/{code}"
    return [
        ("GET", f"{base}/template", {}),
        ("PUT", f"{base}/template", {"json": TEMPLATE}),
        ("DELETE", f"{base}/template", {}),
        ("POST", f"{base}/template/preview", {"json": TEMPLATE}),
        ("POST", f"{base}/template/versions/1/activate", {}),
        ("GET", f"{base}/document-options", {}),
        ("PUT", f"{base}/document-options", {"json": OPTIONS}),
    ]


def test_another_bodys_program_is_404_to_every_caller_and_nothing_is_written(
    client, workflow, other, runtime
) -> None:
    workflow.program()
    for who in [*STAFF, "api_key"]:
        for method, url, extra in _program_routes("SOUD-1"):
            response = client.open(url, method=method, headers=other.auth(who), **extra)
            assert response.status_code == 404, (who, method, url, response.json)
            assert response.json["error"]["code"] == "unknown_program"
    # The same answer as for a program that exists nowhere: nothing tells them apart.
    response = client.get("/api/v1/programs/NOWHERE/template", headers=other.auth("admin"))
    assert response.status_code == 404
    with runtime.unit() as deps:
        assert deps.session.query(CertificateTemplate).count() == 0


def test_a_bodys_template_never_reaches_another_body(client, workflow, other) -> None:
    workflow.program()
    mine = client.put(
        "/api/v1/programs/SOUD-1/template", json=TEMPLATE, headers=workflow.body.auth("manager")
    )
    assert mine.status_code == 200, mine.json
    body_template = client.put(
        "/api/v1/organization/template", json=TEMPLATE, headers=workflow.body.auth("admin")
    )
    assert body_template.status_code == 200
    theirs = client.get("/api/v1/organization/template", headers=other.auth("admin")).json
    assert theirs["source"] == "default" and theirs["versions"] == []
    # Version numbers are per body: globex has no version 1 to activate.
    response = client.post(
        "/api/v1/organization/template/versions/1/activate", headers=other.auth("admin")
    )
    assert response.status_code == 404
    Workflow(client, other).program()  # globex's own SOUD-1 sees none of acme's versions
    assert (
        client.get("/api/v1/programs/SOUD-1/template", headers=other.auth("admin")).json["source"]
        == "default"
    )


def test_without_a_valid_token_every_route_is_401(client, workflow, body) -> None:
    workflow.program()
    routes = [
        *_program_routes("SOUD-1"),
        ("GET", "/api/v1/organization/template", {}),
        ("PUT", "/api/v1/organization/mentions", {"json": MENTIONS}),
    ]
    for header in ({}, {"Authorization": "Bearer sceau_pt_0000_forged"}):
        for method, url, extra in routes:
            response = client.open(url, method=method, headers=header, **extra)
            assert response.status_code == 401, (header, method, url)


@pytest.mark.parametrize("who", ["evaluator", "signatory", "auditor"])
def test_roles_that_may_not_change_templates_get_403_before_any_rendering(
    client, workflow, who
) -> None:
    workflow.program()
    auth = workflow.body.auth(who)
    bomb = {
        "html": "{% for a in range(100000) %}{% for b in range(100000) %}x{% endfor %}{% endfor %}"
    }
    for url in ("/api/v1/programs/SOUD-1/template", "/api/v1/organization/template"):
        assert client.put(url, json=bomb, headers=auth).status_code == 403
        assert client.post(f"{url}/preview", json=bomb, headers=auth).status_code == 403
        assert client.delete(url, headers=auth).status_code == 403
        assert client.post(f"{url}/versions/1/activate", headers=auth).status_code == 403
        assert client.get(url, headers=auth).status_code == 200  # reading is every role's
    response = client.put("/api/v1/programs/SOUD-1/document-options", json=OPTIONS, headers=auth)
    assert response.status_code == 403
    response = client.put("/api/v1/organization/mentions", json=MENTIONS, headers=auth)
    assert response.status_code == 403
    # A malformed body does not get past the role check either.
    response = client.put(
        "/api/v1/organization/template",
        data=b"{",
        headers={**auth, "Content-Type": "application/json"},
    )
    assert response.status_code == 403


def test_managers_change_templates_and_options_but_only_admins_the_mentions(
    client, workflow
) -> None:
    workflow.program()
    manager = workflow.body.auth("manager")
    response = client.put("/api/v1/organization/mentions", json=MENTIONS, headers=manager)
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"
    response = client.put("/api/v1/programs/SOUD-1/document-options", json=OPTIONS, headers=manager)
    assert response.status_code == 200, response.json
    for who in ("admin", "api_key"):
        response = client.put(
            "/api/v1/organization/mentions", json=MENTIONS, headers=workflow.body.auth(who)
        )
        assert response.status_code == 200, (who, response.json)
    for who in ("admin", "manager", "api_key"):
        response = client.put(
            "/api/v1/programs/SOUD-1/template", json=TEMPLATE, headers=workflow.body.auth(who)
        )
        assert response.status_code == 200, (who, response.json)
    versions = client.get("/api/v1/programs/SOUD-1/template", headers=manager).json["versions"]
    assert [v["version"] for v in versions] == [3, 2, 1]
    assert [v["createdBy"] for v in versions] == [
        "api:acme",
        "staff:manager@acme.example",
        "staff:admin@acme.example",
    ]

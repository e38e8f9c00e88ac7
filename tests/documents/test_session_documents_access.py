"""Who may have a session's documents (attacks first): another body's staff never reach them
(404 before any role check), the API key takes no part in the workflow (403), each role gets
what its table says, and nothing is made or archived for a refused caller."""

from __future__ import annotations

from typing import Any

import pytest
from session_documents_support import approved_session, signed_session
from sqlalchemy import func, select
from workflow_support import make_body

from core.db.models import Document

#: (method, path) of every documents route of a session.
SESSION_ROUTES = [
    ("GET", "/api/v1/sessions/{session}/minutes.pdf"),
    ("GET", "/api/v1/sessions/{session}/minutes"),
    ("POST", "/api/v1/sessions/{session}/minutes"),
    ("GET", "/api/v1/sessions/{session}/print.pdf"),
    ("GET", "/api/v1/sessions/{session}/addresses.csv"),
]
#: route -> the staff roles that may use it (the others: 403).
ALLOWED = {
    "/api/v1/sessions/{session}/minutes.pdf": {
        "admin",
        "manager",
        "evaluator",
        "signatory",
        "auditor",
    },
    "/api/v1/sessions/{session}/minutes": {"admin", "manager", "evaluator", "signatory", "auditor"},
    "POST /api/v1/sessions/{session}/minutes": {"admin", "manager"},
    "/api/v1/sessions/{session}/print.pdf": {"admin", "manager"},
    "/api/v1/sessions/{session}/addresses.csv": {"admin", "manager"},
}
ROLES = ("admin", "manager", "evaluator", "signatory", "auditor")


def _call(client: Any, method: str, url: str, headers: dict[str, str]) -> Any:
    response = client.open(url, method=method, headers=headers)
    response.get_data()
    response.close()  # a print file streams from a temporary file, which closing removes
    return response


def _documents(runtime: Any) -> int:
    with runtime.unit() as deps:
        return int(deps.session.scalar(select(func.count()).select_from(Document)) or 0)


@pytest.fixture
def signed(workflow: Any, job_worker: Any) -> Any:
    return signed_session(workflow, job_worker)


@pytest.mark.parametrize(("method", "path"), SESSION_ROUTES)
def test_another_bodys_staff_get_404_whatever_their_role(
    method, path, signed, client, runtime
) -> None:
    globex = make_body(runtime, "globex")
    url = path.format(session=signed.id)
    before = _documents(runtime)
    for role in ROLES:
        response = _call(client, method, url, globex.auth(role))
        assert response.status_code == 404, (role, response.status_code)
        assert response.json["error"]["code"] == "not_found"
        assert b"Lovelace" not in response.data and b"%PDF" not in response.data
    assert _documents(runtime) == before  # nothing made for them


@pytest.mark.parametrize(("method", "path"), SESSION_ROUTES)
def test_the_api_key_and_anonymous_callers_get_nothing(
    method, path, signed, client, body, runtime
) -> None:
    url = path.format(session=signed.id)
    assert _call(client, method, url, {}).status_code == 401
    assert (
        _call(client, method, url, {"Authorization": "Bearer sceau_pt_forged"}).status_code == 401
    )
    before = _documents(runtime)
    refused = _call(client, method, url, body.auth("api_key"))
    assert refused.status_code == 403, refused.data[:200]
    assert b"%PDF" not in refused.data
    assert _documents(runtime) == before


@pytest.mark.parametrize(("method", "path"), SESSION_ROUTES)
def test_each_role_gets_what_the_table_says(method, path, signed, client, body) -> None:
    url = path.format(session=signed.id)
    allowed = ALLOWED[f"POST {path}" if method == "POST" else path]
    for role in ROLES:
        response = _call(client, method, url, body.auth(role))
        expected = (201 if method == "POST" else 200) if role in allowed else 403
        assert response.status_code == expected, (role, response.data[:200])


def test_an_unknown_session_is_404(client, body) -> None:
    for method, path in SESSION_ROUTES:
        url = path.format(session="00000000-0000-4000-8000-000000000000")
        assert _call(client, method, url, body.auth("admin")).status_code == 404, path
    assert (
        _call(
            client, "GET", "/api/v1/sessions/not-a-uuid/minutes.pdf", body.auth("admin")
        ).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("method", "path"), [r for r in SESSION_ROUTES if "." in r[1] or r[0] == "POST"]
)
def test_before_the_signature_every_document_is_409(
    method, path, workflow, client, body, runtime
) -> None:
    session, _ids = approved_session(workflow)
    listed = client.get(f"/api/v1/sessions/{session}/minutes", headers=body.auth("admin"))
    assert (listed.status_code, listed.json) == (200, [])
    response = _call(client, method, path.format(session=session), body.auth("admin"))
    assert response.status_code == 409, response.data[:200]
    error = response.json["error"]
    assert error["code"] == "session_not_signed"
    assert "signed" in error["message"] and "approved" in error["message"]
    assert _documents(runtime) == 0


def test_the_annual_report_is_for_auditors_and_admins_of_their_own_body(
    signed, client, body, runtime
) -> None:
    before = _documents(runtime)
    for role in ("manager", "evaluator", "signatory", "api_key"):
        assert client.get("/api/v1/reports/2026.pdf", headers=body.auth(role)).status_code == 403
    assert client.get("/api/v1/reports/2026.pdf").status_code == 401
    assert _documents(runtime) == before
    globex = make_body(runtime, "globex")
    theirs = client.get("/api/v1/reports/2026.pdf", headers=globex.auth("auditor"))
    assert theirs.status_code == 200
    from documents_support import page_texts

    text = "\n".join(page_texts(theirs.data))
    assert "Globex Certification" in text and "Acme" not in text
    assert "SOUD-1" not in text and "Aucune session n'a commencé cette année." in text

"""Another body's sessions and files answer 404 to every role, before any role check."""

from __future__ import annotations

import pytest
from workflow_support import STAFF, Workflow, make_body


@pytest.fixture
def other(runtime):
    return make_body(runtime, "globex")


def _routes(session: str, enrollment: str) -> list[tuple[str, str, dict]]:
    return [
        ("GET", f"/api/v1/sessions/{session}", {}),
        ("GET", f"/api/v1/sessions/{session}/results", {}),
        ("POST", f"/api/v1/sessions/{session}/candidates", {"json": [{"familyName": "X"}]}),
        ("POST", f"/api/v1/sessions/{session}/proposal", {}),
        ("POST", f"/api/v1/sessions/{session}/approval", {}),
        ("PUT", f"/api/v1/enrollments/{enrollment}/eligibility", {"json": {"x": 1}}),
        ("PUT", f"/api/v1/enrollments/{enrollment}/grades", {"json": {"ECR": 99}}),
        ("GET", "/api/v1/programs/SOUD-1", {}),
        ("PUT", "/api/v1/programs/SOUD-1", {"json": {"name": "x"}}),
    ]


def test_every_role_of_another_body_gets_404(workflow, other, client) -> None:
    workflow.program()
    session = workflow.session()
    enrollment = workflow.enroll(session)["ada@example.org"]
    for who in [*STAFF, "api_key"]:
        for method, url, extra in _routes(session, enrollment):
            response = client.open(url, method=method, headers=other.auth(who), **extra)
            assert response.status_code == 404, (who, method, url, response.json)


def test_another_body_can_run_its_own_session_of_a_program_with_the_same_code(
    client, workflow, other
) -> None:
    workflow.program()
    mine = Workflow(client, other)
    mine.program()
    session = mine.session()
    assert len(mine.enroll(session)) == 3
    assert workflow.results(workflow.session()) == {}


def test_no_token_or_a_forged_one_is_401(client, workflow, body) -> None:
    workflow.program()
    session = workflow.session()
    for header in (
        {},
        {"Authorization": "Bearer sceau_pt_0000_forged"},
        {"Authorization": body.auth("manager")["Authorization"] + "x"},
    ):
        response = client.get(f"/api/v1/sessions/{session}", headers=header)
        assert response.status_code == 401, header

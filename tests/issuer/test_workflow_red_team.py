"""Regression tests for what the red team found in the workflow (round 3)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from workflow_support import CSV

from core.db.models import Credential, ExamSession

ONE = "family_name,given_names,birth_date,email\nLovelace,Ada,1990-12-10,ada@example.org\n"


def _approved(workflow: Any, csv: str = ONE) -> tuple[str, dict[str, str]]:
    workflow.program()
    session = workflow.session()
    ids = workflow.enroll(session, csv)
    for enrollment in ids.values():
        workflow.eligible(enrollment)
        workflow.grade(enrollment, {"ECR": 14, "ORA": 14, "PRA": 14})
    workflow.act(session, "proposal", "manager")
    workflow.act(session, "approval", "manager2")
    return session, ids


def test_the_api_key_cannot_squat_the_signatures_idempotency_keys(
    workflow, job_worker, runtime, ada_request
) -> None:
    session, ids = _approved(workflow)
    ada = ids["ada@example.org"]
    for key in (f"enrollment:{ada}", f"sceau:enrollment:{ada}", "SCEAU:x", f"reissue:{ada}"):
        squat = workflow.client.post(
            "/api/v1/credentials",
            json=ada_request,
            headers={**workflow.body.auth("api_key"), "Idempotency-Key": key},
        )
        if key.lower().startswith("sceau:"):
            assert squat.status_code == 400, key
            assert squat.json["error"]["code"] == "invalid_idempotency_key"
    signed = workflow.act(
        session, "signature", "signatory", json={"totp": workflow.body.code("signatory")}
    )
    progress = job_worker.wait(signed.json["job"])
    assert (progress["state"], progress["done"], progress["errors"]) == ("done", 1, [])
    with runtime.unit() as deps:
        assert deps.session.get_one(ExamSession, session).state == "signed"
        row = deps.session.scalars(select(Credential).where(Credential.enrollment_id == ada)).one()
    assert row.recipient_email == "ada@example.org"


def test_statistics_csv_cells_never_start_a_formula(workflow, client, body) -> None:
    workflow.program()
    for name in ("=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(1+1)", "\tx"):
        workflow.session(name=name)
    text = client.get("/api/v1/statistics?format=csv", headers=body.auth("auditor")).get_data(
        as_text=True
    )
    names = [line.split(",")[1] for line in text.removeprefix("\ufeff").splitlines()[1:]]
    assert all(n[:1] not in "=+-@\t\r" for n in names), names
    assert "'=cmd|' /C calc'!A0" in text
    assert (
        client.get("/api/v1/statistics?format=xml", headers=body.auth("auditor")).status_code == 400
    )


def test_control_characters_are_refused_in_session_and_eligibility_text(workflow) -> None:
    workflow.program()
    for field in ("name", "place"):
        response = workflow.client.post(
            "/api/v1/sessions",
            json={
                "program": "SOUD-1",
                "name": "Session",
                "startsOn": "2026-12-01",
                "endsOn": "2026-12-01",
                "place": "Lyon",
                field: "a\u0000b",
            },
            headers=workflow.body.auth("manager"),
        )
        assert response.status_code == 400, field
    session = workflow.session()
    ada = workflow.enroll(session, ONE)["ada@example.org"]
    # (A line separator is white space: it is tidied into a space, like a tab.)
    for justification in ("\u200b" * 12, "a\u0000bcdefghijkl", "abc\u202edefghijkl"):
        response = workflow.eligible(
            ada, fileComplete=False, override={"eligible": True, "justification": justification}
        )
        assert response.status_code == 400, repr(justification)
    document = workflow.eligible(ada, identityDocument="passeport\u0000")
    assert document.status_code == 400


def test_sessions_are_dated_within_the_statistics_years(workflow) -> None:
    workflow.program()
    response = workflow.client.post(
        "/api/v1/sessions",
        json={
            "program": "SOUD-1",
            "name": "x",
            "startsOn": "0001-01-01",
            "endsOn": "0001-01-02",
            "place": "x",
        },
        headers=workflow.body.auth("manager"),
    )
    assert response.status_code == 400


def test_bad_csv_shapes_are_400_with_their_line(workflow) -> None:
    workflow.program()
    session = workflow.session()
    header = "family_name,given_names,birth_date,email\n"
    for body, line in (
        (header + "A\rX,B,1990-01-01,cr1@x.example\n", 2),
        (header + "A," + "x" * 140_000 + ",1990-01-01,big@x.example\n", 2),
        ("family_name,family_name,given_names,birth_date,email\nA,A,B,1990-01-01,a@x.example\n", 1),
        (header + "A,B,1990-01-01,a\u0001b@x.example\n", 2),
        (header + "A\u202eB,C,1990-01-01,c@x.example\n", 2),
    ):
        response = workflow.client.post(
            f"/api/v1/sessions/{session}/candidates",
            data=body.encode(),
            headers={**workflow.body.auth("manager"), "Content-Type": "text/csv"},
        )
        assert response.status_code == 400, body[:80]
        assert response.json["error"]["problems"][0]["line"] == line, response.json
    both = workflow.client.post(
        f"/api/v1/sessions/{session}/candidates",
        json=[
            {
                "familyName": "A",
                "family_name": "B",
                "givenNames": "C",
                "birthDate": "1990-01-01",
                "email": "d@x.example",
            }
        ],
        headers=workflow.body.auth("manager"),
    )
    assert both.status_code == 400


def test_a_known_candidate_under_another_name_is_a_problem_of_its_line(workflow) -> None:
    workflow.program()
    first, second = workflow.session(), workflow.session(name="Autre session")
    workflow.enroll(first, ONE)
    renamed = ONE.replace("Lovelace,Ada", "Byron,Ada")
    response = workflow.client.post(
        f"/api/v1/sessions/{second}/candidates",
        data=renamed.encode(),
        headers={**workflow.body.auth("manager"), "Content-Type": "text/csv"},
    )
    assert response.status_code == 400
    assert response.json["error"]["problems"][0]["line"] == 2


def test_negative_zero_is_a_plain_zero(workflow) -> None:
    workflow.program()
    session = workflow.session()
    ada = workflow.enroll(session, ONE)["ada@example.org"]
    response = workflow.grade(ada, {"ECR": "-0.0", "ORA": -0, "PRA": "-0"})
    assert response.status_code == 200
    assert response.json["scores"] == {"ECR": "0.0", "ORA": "0", "PRA": "0"}


def test_entering_the_first_score_again_settles_a_second_marking_gap(workflow) -> None:
    session, ids = _approved(workflow, CSV)
    # Reopen (a grade change after approval), then a far second marking, then the first again.
    ada = ids["ada@example.org"]
    assert workflow.grade(ada, {"PRA": 15}).status_code == 200
    assert workflow.grade(ada, {"PRA": 2}, marking=2).status_code == 200
    assert workflow.results(session)["ada@example.org"]["review"] != []
    assert workflow.grade(ada, {"PRA": 15}).status_code == 200
    assert workflow.results(session)["ada@example.org"]["review"] == []


def test_the_api_key_reads_no_candidate_data(workflow, client, body) -> None:
    session, _ = _approved(workflow)
    for url in (
        f"/api/v1/sessions/{session}",
        f"/api/v1/sessions/{session}/results",
        f"/api/v1/sessions/{session}/credentials",
        "/api/v1/statistics",
    ):
        assert client.get(url, headers=body.auth("api_key")).status_code == 403, url
    assert client.get("/api/v1/programs/SOUD-1", headers=body.auth("api_key")).status_code == 200


def test_schema_errors_do_not_echo_library_text(workflow) -> None:
    response = workflow.client.post(
        "/api/v1/sessions",
        json={
            "program": True,
            "name": {"a": 1},
            "startsOn": "x",
            "endsOn": "2026-01-01",
            "place": "x",
            "extra": 1,
        },
        headers=workflow.body.auth("manager"),
    )
    assert response.status_code == 400
    messages = " ".join(p["message"] for p in response.json["error"]["problems"])
    for leak in ("True", "{'a': 1}", "is not of type", "does not match"):
        assert leak not in messages, messages

"""The workflow API: a session from import to approved decisions, with four eyes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from workflow_support import CSV

from core.db.models import AuditEvent, Candidate, Enrollment, Grade


def _count(runtime: Any, model: Any) -> int:
    with runtime.unit() as deps:
        return deps.session.scalar(select(func.count()).select_from(model)) or 0


def _prepared(workflow: Any) -> tuple[str, dict[str, str]]:
    workflow.program()
    session = workflow.session()
    return session, workflow.enroll(session)


def test_a_session_goes_from_import_to_approved_decisions(workflow, runtime) -> None:
    session, ids = _prepared(workflow)
    ada, charles, grace = (
        ids["ada@example.org"],
        ids["charles@example.org"],
        ids["grace@example.org"],
    )
    for enrollment in ids.values():
        assert workflow.eligible(enrollment).json == {"eligible": True, "reasons": []}
    assert workflow.grade(ada, {"ECR": 14, "ORA": "13,5", "PRA": 12.5}).status_code == 200
    assert workflow.grade(charles, {"ECR": 18, "ORA": 16, "PRA": 9}).status_code == 200
    assert workflow.grade(grace, {"ECR": 10, "ORA": 10, "PRA": "absent"}).status_code == 200

    results = workflow.results(session)
    # (14 + 13.5*2 + 12.5*3) / 6 = 78.5 / 6 = 13.0833...
    assert results["ada@example.org"]["average"] == "13.08"
    assert results["ada@example.org"]["passed"] is True
    assert results["ada@example.org"]["scores"] == {"ECR": "14", "ORA": "13.5", "PRA": "12.5"}
    assert results["charles@example.org"]["passed"] is False
    assert (
        "épreuve pratique 9/20 < 10 (éliminatoire)"
        in results["charles@example.org"]["explanation"].lower()
    )
    assert results["grace@example.org"]["passed"] is False
    assert "absent" in results["grace@example.org"]["explanation"]

    proposed = workflow.act(session, "proposal", "manager")
    assert proposed.status_code == 200, proposed.json
    assert proposed.json == {"state": "proposed", "passed": 1, "failed": 2}
    refused = workflow.act(session, "approval", "manager")
    assert refused.status_code == 403
    assert refused.json["error"]["code"] == "four_eyes"
    approved = workflow.act(session, "approval", "manager2", json={})
    assert approved.status_code == 200, approved.json
    shown = workflow.client.get(
        f"/api/v1/sessions/{session}", headers=workflow.body.auth("auditor")
    )
    assert shown.json["state"] == "approved"
    assert shown.json["candidates"] == 3
    stored = workflow.results(session, who="auditor")
    assert stored["ada@example.org"]["average"] == "13.08"
    assert stored["ada@example.org"]["state"] == "approved"
    with runtime.unit() as deps:
        actions = list(deps.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))
        actors = set(deps.session.scalars(select(AuditEvent.actor)))
    for action in (
        "session.create",
        "session.enroll",
        "enrollment.eligibility",
        "enrollment.grades",
        "session.propose",
        "session.approve",
    ):
        assert action in actions
    assert {"staff:manager@acme.example", "staff:manager2@acme.example"} <= actors


def test_a_bad_csv_names_each_line_and_imports_nothing(workflow, runtime) -> None:
    workflow.program()
    session = workflow.session()
    bad = CSV + (
        "Turing,Alan Mathison Jr Extra,1912-06-23,alan@example.org,X,7505,ASTRONAUT\n"
        "Noether,,31/12/1990,not-an-address,,,\n"
        "Lovelace,Ada,1990-12-10,ada@example.org,,,\n"
    )
    response = workflow.client.post(
        f"/api/v1/sessions/{session}/candidates",
        data=bad.encode(),
        headers={**workflow.body.auth("manager"), "Content-Type": "text/csv"},
    )
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_candidates"
    by_line: dict[int, set[str]] = {}
    for problem in response.json["error"]["problems"]:
        by_line.setdefault(problem["line"], set()).add(problem["path"])
    assert by_line == {
        5: {"given_names", "sex", "birth_place_insee", "access_route"},
        6: {"given_names", "birth_date", "email"},
        7: {"email"},  # the same person as line 2
    }
    assert _count(runtime, Enrollment) == 0
    assert _count(runtime, Candidate) == 0


def test_candidates_come_as_json_too_and_are_enrolled_once(workflow) -> None:
    workflow.program()
    session = workflow.session()
    people = [
        {
            "familyName": "Curie",
            "givenNames": "Marie",
            "birthDate": "1967-11-07",
            "email": "Marie@Example.org",
            "birthPlaceInsee": "99122",
            "accessRoute": "vae",
        },
    ]
    url = f"/api/v1/sessions/{session}/candidates"
    first = workflow.client.post(url, json=people, headers=workflow.body.auth("manager"))
    assert first.status_code == 201, first.json
    assert first.json["created"] == 1
    assert first.json["enrollments"][0]["email"] == "marie@example.org"
    again = workflow.client.post(url, json=people, headers=workflow.body.auth("manager"))
    assert again.status_code == 400
    assert again.json["error"]["problems"] == [
        {"line": 1, "path": "email", "message": "already enrolled in this session"}
    ]


def test_capacity_is_kept(workflow, runtime) -> None:
    workflow.program()
    session = workflow.session(capacity=2)
    response = workflow.client.post(
        f"/api/v1/sessions/{session}/candidates",
        data=CSV.encode(),
        headers={**workflow.body.auth("manager"), "Content-Type": "text/csv"},
    )
    assert response.status_code == 409
    assert response.json["error"]["code"] == "capacity_exceeded"
    assert _count(runtime, Enrollment) == 0


def test_eligibility_gives_its_reasons_and_an_override_needs_a_justification(workflow) -> None:
    _, ids = _prepared(workflow)
    ada = ids["ada@example.org"]
    response = workflow.eligible(
        ada,
        identityChecked=False,
        prerequisitesMet=[False],
        attendancePercent="72,5",
        fileComplete=False,
    )
    assert response.status_code == 200
    assert response.json == {
        "eligible": False,
        "reasons": [
            "identité non vérifiée",
            "prérequis non rempli : CAP en métallurgie",
            "assiduité 72,5 % < 80 %",
            "dossier incomplet",
        ],
    }
    short = workflow.eligible(ada, override={"eligible": True, "justification": "ok"})
    assert short.status_code == 400
    too_many = workflow.eligible(ada, prerequisitesMet=[True, True])
    assert too_many.status_code == 400
    assert too_many.json["error"]["problems"][0]["path"] == "prerequisitesMet"
    forced = workflow.eligible(
        ada,
        attendancePercent=50,
        override={"eligible": True, "justification": "Absence justifiée par un arrêt maladie"},
    )
    assert forced.json["eligible"] is True
    assert forced.json["reasons"][-1] == "dérogation : Absence justifiée par un arrêt maladie"
    evaluator = workflow.client.put(
        f"/api/v1/enrollments/{ada}/eligibility",
        json={"identityChecked": True, "prerequisitesMet": True, "fileComplete": True},
        headers=workflow.body.auth("evaluator"),
    )
    assert evaluator.status_code == 403


def test_an_ineligible_candidate_is_never_passed(workflow) -> None:
    session, ids = _prepared(workflow)
    ada = ids["ada@example.org"]
    workflow.eligible(ada, fileComplete=False)
    workflow.grade(ada, {"ECR": 20, "ORA": 20, "PRA": 20})
    result = workflow.results(session)["ada@example.org"]
    assert result["passed"] is False
    assert result["average"] == "20.00"
    assert "non éligible" in result["explanation"]


def test_bad_grades_are_refused_and_write_nothing(workflow, runtime) -> None:
    _, ids = _prepared(workflow)
    ada = ids["ada@example.org"]
    for scores, path in (
        ({"ECR": 21}, "ECR"),
        ({"ECR": -1}, "ECR"),
        ({"ECR": "douze"}, "ECR"),
        ({"ECR": 12, "XYZ": 3}, "XYZ"),
        ({"ECR": True}, "ECR"),
    ):
        response = workflow.grade(ada, scores)
        assert response.status_code == 400, scores
        assert path in {p["path"] for p in response.json["error"]["problems"]}
    assert workflow.grade(ada, {"ECR": 12}, marking=3).status_code == 400
    assert workflow.grade(ada, [12]).status_code == 400
    assert _count(runtime, Grade) == 0
    assert workflow.grade(ada, {"ECR": 12}, who="auditor").status_code == 403
    assert workflow.grade(ada, {"ECR": 12}, who="signatory").status_code == 403
    assert workflow.grade(ada, {"ECR": 12}, who="api_key").status_code == 403
    assert workflow.grade(ada, {"ECR": 12}, who="manager").status_code == 200


def test_only_assigned_evaluators_grade_a_session_that_names_them(workflow, body) -> None:
    workflow.program()
    session = workflow.session(evaluators=[body.emails["evaluator"]])
    ada = workflow.enroll(session)["ada@example.org"]
    refused = workflow.grade(ada, {"ECR": 12}, who="evaluator2")
    assert refused.status_code == 403
    assert refused.json["error"]["code"] == "not_assigned"
    assert workflow.grade(ada, {"ECR": 12}, who="evaluator").status_code == 200
    unknown = workflow.client.post(
        "/api/v1/sessions",
        json={
            "program": "SOUD-1",
            "name": "x",
            "startsOn": "2026-12-01",
            "endsOn": "2026-12-01",
            "place": "x",
            "evaluators": [body.emails["auditor"]],
        },
        headers=body.auth("manager"),
    )
    assert unknown.status_code == 400
    assert unknown.json["error"]["problems"][0]["path"] == "evaluators[0]"


def test_proposal_waits_for_every_file(workflow) -> None:
    session, ids = _prepared(workflow)
    workflow.eligible(ids["ada@example.org"])
    workflow.grade(ids["ada@example.org"], {"ECR": 12, "ORA": 12})
    response = workflow.act(session, "proposal", "manager")
    assert response.status_code == 409
    assert response.json["error"]["code"] == "results_incomplete"
    assert len(response.json["error"]["problems"]) == 3
    assert workflow.act(session, "proposal", "evaluator").status_code == 403
    assert workflow.act(session, "approval", "manager2").json["error"]["code"] == "session_open"


def test_a_second_marking_gap_is_reviewed_before_the_proposal(workflow) -> None:
    session, ids = _prepared(workflow)
    for enrollment in ids.values():
        workflow.eligible(enrollment)
        workflow.grade(enrollment, {"ECR": 12, "ORA": 12, "PRA": 12})
    ada = ids["ada@example.org"]
    assert workflow.grade(ada, {"PRA": 14}, marking=2).status_code == 200  # gap 2: fine
    assert workflow.results(session)["ada@example.org"]["review"] == []
    assert workflow.grade(ada, {"PRA": 16}, marking=2).status_code == 200  # gap 4 > 3
    assert workflow.results(session)["ada@example.org"]["review"] == [
        {"assessment": "PRA", "first": "12", "second": "16"}
    ]
    blocked = workflow.act(session, "proposal", "manager")
    assert blocked.status_code == 409
    assert blocked.json["error"]["code"] == "review_pending"
    workflow.grade(ada, {"PRA": 15}, who="manager")  # the settled score
    assert workflow.results(session)["ada@example.org"]["review"] == []
    assert workflow.act(session, "proposal", "manager").status_code == 200


def test_a_change_after_approval_reopens_the_decision(workflow, runtime) -> None:
    session, ids = _prepared(workflow)
    for enrollment in ids.values():
        workflow.eligible(enrollment)
        workflow.grade(enrollment, {"ECR": 12, "ORA": 12, "PRA": 12})
    workflow.act(session, "proposal", "manager")
    workflow.act(session, "approval", "manager2")
    assert workflow.grade(ids["ada@example.org"], {"PRA": 8}).status_code == 200
    results = workflow.results(session)
    assert results["ada@example.org"]["passed"] is False
    assert results["ada@example.org"]["state"] == "registered"
    with runtime.unit() as deps:
        reopen = deps.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "session.reopen")
        )
    assert reopen is not None
    assert reopen.data["was"] == "approved"
    # Proposed again, the same manager may not approve; the other may.
    workflow.act(session, "proposal", "manager2")
    assert workflow.act(session, "approval", "manager2").json["error"]["code"] == "four_eyes"
    assert workflow.act(session, "approval", "manager").status_code == 200


def test_actions_take_no_parameters(workflow) -> None:
    session, _ = _prepared(workflow)
    response = workflow.act(session, "proposal", "manager", json={"force": True})
    assert response.status_code == 400

"""Programs with an evaluation scheme and eligibility rules; every edit adds a version."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from sqlalchemy import select

from core.db.models import AuditEvent

PROGRAM: dict[str, Any] = {
    "code": "SOUD-1",
    "name": "Soudage à l'arc, niveau 1",
    "description": "Soudage à l'arc à électrode enrobée.",
    "criteria": "Moyenne de 12/20, pas de note éliminatoire.",
    "achievementType": "Certification",
    "alignments": [{"targetName": "RNCP 1234", "targetUrl": "https://www.francecompetences.fr/"}],
    "validityDays": 1095,
    "assessments": [
        {"code": "ECR", "name": "Épreuve écrite", "coefficient": 1, "maxScore": 20},
        {"code": "ORA", "name": "Épreuve orale", "coefficient": 1.5, "maxScore": 20},
        {
            "code": "PRA",
            "name": "Épreuve pratique",
            "coefficient": 3,
            "maxScore": 20,
            "eliminatoryBelow": 10,
        },
    ],
    "passMark": 12,
    "blocks": [{"code": "B1", "name": "Souder", "assessments": ["PRA"]}],
    "eligibility": {
        "prerequisites": ["CAP en métallurgie"],
        "minAttendancePercent": 80,
        "requiredDocuments": ["Pièce d'identité"],
    },
}


@pytest.fixture
def program() -> dict[str, Any]:
    return copy.deepcopy(PROGRAM)


def test_a_program_with_its_scheme_is_version_1(client, acme, program) -> None:
    response = client.post("/api/v1/programs", json=program, headers=acme.auth)
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["code"], body["version"], body["currentVersion"]) == ("SOUD-1", 1, 1)
    assert body["assessments"][1] == {
        "code": "ORA",
        "name": "Épreuve orale",
        "coefficient": "1.5",  # exact, as a decimal string
        "maxScore": "20",
    }
    assert body["assessments"][2]["eliminatoryBelow"] == "10"
    assert (body["passMark"], body["outOf"]) == ("12", "20")
    assert body["blocks"] == [{"code": "B1", "name": "Souder", "assessments": ["PRA"]}]
    assert body["eligibility"] == {
        "prerequisites": ["CAP en métallurgie"],
        "minAttendancePercent": "80",
        "requiredDocuments": ["Pièce d'identité"],
    }
    achievement = body["achievement"]
    assert achievement["name"] == "Soudage à l'arc, niveau 1"
    assert not {"assessments", "passMark", "blocks", "eligibility"} & set(achievement)


@pytest.mark.parametrize(
    ("change", "paths"),
    [
        (lambda p: p["assessments"].append(dict(p["assessments"][0])), ["assessments"]),
        (lambda p: p["assessments"][0].update(coefficient=0), ["assessments[0].coefficient"]),
        (
            lambda p: p["assessments"][2].update(eliminatoryBelow=25),
            ["assessments[2].eliminatoryBelow"],
        ),
        (lambda p: p.update(passMark=21), ["passMark"]),
        (lambda p: p["blocks"][0].update(assessments=["NOPE"]), ["blocks[0].assessments"]),
        (
            lambda p: p["eligibility"].update(minAttendancePercent=120),
            ["eligibility.minAttendancePercent"],
        ),
        (lambda p: p.pop("passMark"), ["passMark"]),
        (lambda p: p["assessments"][0].update(maxScore="vingt"), ["assessments[0].maxScore"]),
    ],
    ids=[
        "duplicate-code",
        "zero-coefficient",
        "eliminatory-above-max",
        "pass-mark-above-scale",
        "block-unknown-assessment",
        "attendance-over-100",
        "assessments-without-pass-mark",
        "not-a-number",
    ],
)
def test_an_unusable_scheme_is_refused_with_its_paths(
    client, acme, program, change: Any, paths: list[str]
) -> None:
    change(program)
    response = client.post("/api/v1/programs", json=program, headers=acme.auth)
    assert response.status_code == 400
    error = response.json["error"]
    assert error["code"] == "invalid_scheme"
    assert [p["path"] for p in error["problems"]] == paths
    assert client.get("/api/v1/programs/SOUD-1", headers=acme.auth).status_code == 404


def test_unknown_fields_of_an_assessment_are_refused(client, acme, program) -> None:
    program["assessments"][0]["weight"] = 2
    response = client.post("/api/v1/programs", json=program, headers=acme.auth)
    assert (response.status_code, response.json["error"]["code"]) == (400, "invalid_request")


def test_an_edit_adds_a_version_and_keeps_the_earlier_ones(client, acme, program, runtime) -> None:
    assert client.post("/api/v1/programs", json=program, headers=acme.auth).status_code == 201
    program["passMark"] = 10
    program["name"] = "Soudage à l'arc, niveau 1 (2027)"
    edited = client.put("/api/v1/programs/SOUD-1", json=program, headers=acme.auth)
    assert edited.status_code == 200, edited.json
    assert (edited.json["version"], edited.json["passMark"]) == (2, "10")
    first = client.get("/api/v1/programs/SOUD-1?version=1", headers=acme.auth).json
    assert (first["version"], first["currentVersion"], first["passMark"]) == (1, 2, "12")
    assert first["achievement"]["name"] == "Soudage à l'arc, niveau 1"
    current = client.get("/api/v1/programs/SOUD-1", headers=acme.auth).json
    assert current["achievement"]["name"] == "Soudage à l'arc, niveau 1 (2027)"
    missing = client.get("/api/v1/programs/SOUD-1?version=3", headers=acme.auth)
    assert missing.status_code == 404
    with runtime.unit() as deps:
        events = deps.session.execute(
            select(AuditEvent.action, AuditEvent.data).where(AuditEvent.action.like("program.%"))
        ).all()
    assert [(e.action, e.data) for e in events] == [
        ("program.create", {"version": 1}),
        ("program.version", {"version": 2}),
    ]


def test_issuing_uses_the_current_version(client, acme, issue, program, ada_request) -> None:
    client.post("/api/v1/programs", json=program, headers=acme.auth)
    program["name"] = "Soudage, niveau 1"
    client.put("/api/v1/programs/SOUD-1", json=program, headers=acme.auth)
    ada_request["achievement"] = {"code": "SOUD-1"}
    achievement = issue(acme, ada_request)["credential"]["credentialSubject"]["achievement"]
    assert achievement["name"] == "Soudage, niveau 1"


def test_an_edit_cannot_change_the_code_or_reach_an_unknown_program(client, acme, program) -> None:
    client.post("/api/v1/programs", json=program, headers=acme.auth)
    renamed = client.put(
        "/api/v1/programs/SOUD-1", json={**program, "code": "OTHER"}, headers=acme.auth
    )
    assert (renamed.status_code, renamed.json["error"]["problems"][0]["path"]) == (400, "code")
    unknown = client.put("/api/v1/programs/NOPE", json=program, headers=acme.auth)
    assert unknown.status_code == 404


def test_another_bodys_program_is_not_found(client, acme, create_org, program) -> None:
    client.post("/api/v1/programs", json=program, headers=acme.auth)
    other = create_org(slug="beta", name="Beta Certification")
    assert client.get("/api/v1/programs/SOUD-1", headers=other.auth).status_code == 404
    bad_version = client.get("/api/v1/programs/SOUD-1?version=abc", headers=other.auth)
    assert bad_version.status_code == 404
    edit = client.put("/api/v1/programs/SOUD-1", json=program, headers=other.auth)
    assert edit.status_code == 404
    assert client.get("/api/v1/programs/SOUD-1", headers=acme.auth).json["version"] == 1


def test_a_program_without_a_scheme_still_works(client, acme, program) -> None:
    for key in ("assessments", "passMark", "blocks", "eligibility"):
        program.pop(key)
    response = client.post("/api/v1/programs", json=program, headers=acme.auth)
    assert response.status_code == 201
    assert "assessments" not in response.json


@pytest.mark.parametrize(
    "version",
    ["99999999999999999999999", "9223372036854775808", "0", "-1", "abc", "1.0", "1e3", ""],
)
def test_a_version_that_is_not_a_positive_integer_is_refused(
    client, acme, program, version: str
) -> None:
    """Red team, round 2: a huge number answered 500, anything else the current version."""
    client.post("/api/v1/programs", json=program, headers=acme.auth)
    response = client.get(f"/api/v1/programs/SOUD-1?version={version}", headers=acme.auth)
    assert (response.status_code, response.json["error"]["code"]) == (400, "invalid_request")


@pytest.mark.parametrize("key", ["id", "type"])
def test_a_program_cannot_name_its_own_achievement(client, acme, program, key: str) -> None:
    """Red team, round 2: a body could give its achievement an id in another body's namespace."""
    program[key] = "http://localhost:8000/achievements/beta/X" if key == "id" else ["Achievement"]
    response = client.post("/api/v1/programs", json=program, headers=acme.auth)
    assert response.status_code == 400
    assert response.json["error"]["problems"] == [{"path": key, "message": "set by Sceau"}]


@pytest.mark.parametrize("number", ["١٢", "1_000", "+12", "1E+999999999", "9" * 5000])
def test_scheme_numbers_are_plain_bounded_decimals(client, acme, program, number: str) -> None:
    program["assessments"][0]["coefficient"] = number
    response = client.post("/api/v1/programs", json=program, headers=acme.auth)
    assert response.status_code == 400
    assert [p["path"] for p in response.json["error"]["problems"]] == ["assessments[0].coefficient"]

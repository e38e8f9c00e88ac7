"""After issuance: revoke with a reason, correct-and-reissue, the credentials expiring soon,
and recertification as a new enrollment linked to the credential it renews."""

from __future__ import annotations

from typing import Any

from core.db.models import Credential, Enrollment

CSV_ONE = "family_name,given_names,birth_date,email\nLovelace,Ada,1990-12-10,ada@example.org\n"


def _issued(workflow: Any, job_worker: Any, **program: Any) -> tuple[str, dict[str, Any]]:
    workflow.program(**program)
    session = workflow.session()
    ada = workflow.enroll(session, CSV_ONE)["ada@example.org"]
    workflow.eligible(ada)
    workflow.grade(ada, {"ECR": 14, "ORA": 13, "PRA": 15})
    workflow.act(session, "proposal", "manager")
    workflow.act(session, "approval", "manager2")
    signed = workflow.act(
        session, "signature", "signatory", json={"totp": workflow.body.code("signatory")}
    )
    job_worker.wait(signed.json["job"])
    listed = workflow.client.get(
        f"/api/v1/sessions/{session}/credentials", headers=workflow.body.auth("manager")
    ).json
    return session, listed[0]


def _uuid(url: str) -> str:
    return url.rsplit("/", 1)[1]


def test_a_manager_revokes_with_a_reason_an_evaluator_may_not(workflow, job_worker) -> None:
    _, credential = _issued(workflow, job_worker)
    url = f"/api/v1/credentials/{_uuid(credential['id'])}/revoke"
    client, body = workflow.client, workflow.body
    assert client.post(url, json={"reason": "x"}, headers=body.auth("evaluator")).status_code == 403
    assert client.post(url, json={}, headers=body.auth("manager")).status_code == 400
    done = client.post(url, json={"reason": "fraude avérée"}, headers=body.auth("manager"))
    assert done.status_code == 200
    assert done.json["reason"] == "fraude avérée"


def test_correct_and_reissue(workflow, job_worker, runtime, settings) -> None:
    _, credential = _issued(workflow, job_worker)
    old = _uuid(credential["id"])
    url = f"/api/v1/credentials/{old}/reissue"
    client, body = workflow.client, workflow.body
    assert client.post(url, json={}, headers=body.auth("manager")).status_code == 400
    assert client.post(url, json={"reason": "x"}, headers=body.auth("auditor")).status_code == 403
    response = client.post(
        url,
        json={"reason": "nom mal orthographié", "recipient": {"name": "Ada Lovelace"}},
        headers=body.auth("manager"),
    )
    assert response.status_code == 201, response.json
    new = response.json
    assert new["replaces"] == credential["id"]
    subject = new["credential"]["credentialSubject"]
    assert subject["name"] == "Ada Lovelace"
    assert [r["value"] for r in subject["result"]] == ["14", "13", "15", "14.17"]
    replaces = [e for e in new["credential"]["evidence"] if e.get("id") == credential["id"]]
    assert replaces and replaces[0]["narrative"] == "nom mal orthographié"
    report = client.post("/api/v1/verify", json={"credential": new["credential"]}).json
    assert report["verified"] is True, report
    old_report = client.post(
        "/api/v1/verify", json={"credential": client.get(f"/c/{old}.json").json}
    ).json
    assert {s["id"]: s["code"] for s in old_report["steps"]}["status"] == "revoked"
    with runtime.unit() as deps:
        old_row = deps.session.get_one(Credential, old)
        new_row = deps.session.get_one(Credential, _uuid(new["id"]))
        enrollment = deps.session.get_one(Enrollment, old_row.enrollment_id)
    assert old_row.revocation_reason.startswith(f"superseded by {new['id']}")
    assert new_row.replaces_id == old
    assert new_row.program_version_id == old_row.program_version_id
    assert enrollment.credential_id == new_row.id
    again = client.post(url, json={"reason": "encore"}, headers=body.auth("manager"))
    assert again.status_code == 409


def test_an_api_credential_with_an_inline_achievement_is_reissued_too(
    client, acme, issue, ada_request
) -> None:
    issued = issue(acme, ada_request)
    response = client.post(
        f"/api/v1/credentials/{_uuid(issued['id'])}/reissue",
        json={"reason": "adresse corrigée", "recipient": {"email": "ada@new.example"}},
        headers=acme.auth,
    )
    assert response.status_code == 201, response.json
    achievement = response.json["credential"]["credentialSubject"]["achievement"]
    before = issued["credential"]["credentialSubject"]["achievement"]
    assert achievement["name"] == before["name"]
    assert achievement["criteria"] == before["criteria"]
    assert client.post("/api/v1/verify", json={"jwt": response.json["jwt"]}).json["verified"]


def test_expiring_credentials_and_recertification(workflow, job_worker, body) -> None:
    _, credential = _issued(workflow, job_worker, validityDays=30)
    client = workflow.client
    soon = client.get("/api/v1/credentials/expiring?days=31", headers=body.auth("auditor"))
    assert soon.status_code == 200
    assert [c["id"] for c in soon.json] == [credential["id"]]
    assert (
        client.get("/api/v1/credentials/expiring?days=29", headers=body.auth("auditor")).json == []
    )
    assert (
        client.get("/api/v1/credentials/expiring?days=0", headers=body.auth("auditor")).status_code
        == 400
    )
    session = workflow.session(name="Recertification", startsOn="2027-01-04", endsOn="2027-01-04")
    url = f"/api/v1/sessions/{session}/recertifications"
    response = client.post(
        url, json={"credentials": [credential["id"]]}, headers=body.auth("manager")
    )
    assert response.status_code == 201, response.json
    assert response.json["enrollments"][0]["renews"] == credential["id"]
    assert response.json["enrollments"][0]["email"] == "ada@example.org"
    again = client.post(url, json={"credentials": [credential["id"]]}, headers=body.auth("manager"))
    assert again.status_code == 400
    unknown = client.post(
        url,
        json={"credentials": ["urn:uuid:00000000-0000-0000-0000-000000000000"]},
        headers=body.auth("manager"),
    )
    assert unknown.status_code == 400
    assert (
        client.post(
            url, json={"credentials": [credential["id"]]}, headers=body.auth("evaluator")
        ).status_code
        == 403
    )


def test_another_body_cannot_reissue_or_recertify(workflow, job_worker, runtime) -> None:
    from workflow_support import make_body

    _, credential = _issued(workflow, job_worker)
    other = make_body(runtime, "globex")
    client = workflow.client
    for who in ("manager", "api_key"):
        assert (
            client.post(
                f"/api/v1/credentials/{_uuid(credential['id'])}/reissue",
                json={"reason": "x"},
                headers=other.auth(who),
            ).status_code
            == 404
        )
        assert (
            client.post(
                f"/api/v1/credentials/{_uuid(credential['id'])}/revoke",
                json={"reason": "x"},
                headers=other.auth(who),
            ).status_code
            == 404
        )
    mine = client.post(
        "/api/v1/sessions",
        headers=other.auth("manager"),
        json={
            "program": "SOUD-1",
            "name": "x",
            "startsOn": "2027-01-01",
            "endsOn": "2027-01-01",
            "place": "x",
        },
    )
    assert mine.status_code == 404  # globex has no such program
    assert client.get("/api/v1/credentials/expiring", headers=other.auth("auditor")).json == []

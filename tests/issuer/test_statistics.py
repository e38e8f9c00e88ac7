"""Statistics per program, session and year, from the decisions and the credentials."""

from __future__ import annotations

from datetime import UTC, datetime

from workflow_support import CSV


def _signed_session(workflow, job_worker) -> str:
    workflow.program()
    session = workflow.session()
    extra = "Turing,Alan,1912-06-23,alan@example.org,M,99132,VAE\n"
    ids = workflow.enroll(session, CSV + extra)
    for email, enrollment in ids.items():
        workflow.eligible(enrollment, fileComplete=not email.startswith("alan"))
        pra = 9 if email.startswith("charles") else 16
        workflow.grade(enrollment, {"ECR": 12, "ORA": 14, "PRA": pra})
    workflow.act(session, "proposal", "manager")
    workflow.act(session, "approval", "manager2")
    response = workflow.act(
        session, "signature", "signatory", json={"totp": workflow.body.code("signatory")}
    )
    job_worker.wait(response.json["job"])
    return session


def test_the_figures_of_a_signed_session(workflow, job_worker, client, body) -> None:
    session = _signed_session(workflow, job_worker)
    credentials = client.get(
        f"/api/v1/sessions/{session}/credentials", headers=body.auth("manager")
    ).json
    revoked = client.post(
        f"/api/v1/credentials/{credentials[0]['id'].rsplit('/', 1)[1]}/revoke",
        json={"reason": "erreur de saisie"},
        headers=body.auth("api_key"),
    )
    assert revoked.status_code == 200
    year = datetime.now(UTC).year
    response = client.get(
        "/api/v1/statistics?program=SOUD-1&year=2026", headers=body.auth("auditor")
    )
    assert response.status_code == 200, response.json
    total = response.json["total"]
    assert total["candidates"] == 4
    assert total["eligibilityRate"] == "0.75"
    assert (total["decided"], total["passed"], total["passRate"]) == (4, 2, "0.5")
    # ada, grace: (12 + 28 + 48) / 6 = 14.67; charles (12 + 28 + 27) / 6 = 11.17; alan 14.67
    assert total["meanAverage"] == "13.79"
    bands = {b["from"]: b["count"] for b in total["distribution"]}
    assert (bands["10"], bands["14"]) == (1, 3)
    assert total["assessments"]["PRA"] == {"sat": 4, "passed": 3, "passRate": "0.75"}
    assert (total["issued"], total["revoked"]) == (2, 1)
    assert total["medianDaysToIssuance"] is not None
    assert [s["session"] for s in response.json["sessions"]] == [session]
    assert response.json["programs"][0]["program"] == "SOUD-1"
    empty = client.get(f"/api/v1/statistics?year={year + 5}", headers=body.auth("auditor")).json
    assert empty["total"]["candidates"] == 0
    assert empty["total"]["passRate"] is None


def test_statistics_export_as_csv_and_refuse_bad_filters(workflow, job_worker, client, body):
    session = _signed_session(workflow, job_worker)
    response = client.get("/api/v1/statistics?format=csv", headers=body.auth("auditor"))
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).removeprefix("\ufeff").splitlines()
    assert lines[0].startswith("session,name,program,startsOn,candidates")
    assert lines[1].startswith(f"{session},Session de décembre,SOUD-1,2026-12-01,4,0.75")
    assert client.get("/api/v1/statistics?year=0", headers=body.auth("auditor")).status_code == 400
    assert client.get("/api/v1/statistics?year=x", headers=body.auth("auditor")).status_code == 400
    assert (
        client.get("/api/v1/statistics?program=NOPE", headers=body.auth("auditor")).status_code
        == 404
    )
    assert client.get("/api/v1/statistics").status_code == 401

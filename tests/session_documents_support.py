"""A signed session like the demo's (passed, failed on the eliminatory assessment, failed on
the average, absent, not eligible), with postal addresses, for the tests of its documents."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from workflow_support import Workflow

from core.db.models import Job
from core.documents.bulk import JOB_KIND as DOCUMENTS_JOB

#: The candidates, with their postal addresses; a formula hides in one address line.
CSV = (
    "family_name,usage_name,given_names,birth_date,email,address_line1,address_line2,"
    "postal_code,city,country\n"
    "Lovelace,,Ada Augusta,1990-12-10,ada@example.org,12 rue des Lilas,Bâtiment B,"
    "75011,Paris,France\n"
    "Babbage,,Charles,1985-12-26,charles@example.org,1 Dorset Street,,W1U 4EG,London,"
    "United Kingdom\n"
    'Hopper,,Grace Brewster,1992-12-09,grace@example.org,=HYPERLINK("http://x"),,69001,'
    "Lyon,\n"
    "Turing,,Alan,1912-06-23,alan@example.org,,,,,\n"
    "Curie,,Marie,1967-11-07,marie@example.org,3 place du Panthéon,,75005,Paris,\n"
    "Noether,,Emmy,1982-03-23,emmy@example.org,,,,,\n"
    "Zimmer,Émery,Zoé,1991-05-02,zoe@example.org,8 quai Voltaire,,33000,Bordeaux,\n"
)
GOOD = {"ECR": 14, "ORA": "13,5", "PRA": 12.5}
#: e-mail -> (eligibility changes, scores): what the jury decides of each file.
FILES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "ada@example.org": ({}, GOOD),  # passed: 13.08
    "charles@example.org": ({}, {**GOOD, "PRA": 9}),  # failed: eliminatory PRA
    "grace@example.org": ({}, {"ECR": 16, "ORA": 15, "PRA": 17}),  # passed
    "alan@example.org": ({"fileComplete": False}, GOOD),  # not eligible
    "marie@example.org": ({}, {**GOOD, "ORA": "absent"}),  # absent
    "emmy@example.org": ({}, {"ECR": 10, "ORA": 10, "PRA": 11}),  # failed: average 10.5
    "zoe@example.org": ({}, {"ECR": 12, "ORA": 12, "PRA": 12}),  # passed
}
PASSED = ("ada@example.org", "grace@example.org", "zoe@example.org")


@dataclass
class SignedSession:
    """A session signed and issued, its enrollments and credentials by e-mail."""

    id: str
    enrollments: dict[str, str]
    credentials: dict[str, str]  # e-mail -> credential UUID


def approved_session(workflow: Workflow) -> tuple[str, dict[str, str]]:
    """The session of FILES, proposed by "manager" and approved by "manager2"."""
    workflow.program()
    session = workflow.session(evaluators=[workflow.body.emails["evaluator"]])
    ids = workflow.enroll(session, CSV)
    for email, enrollment in ids.items():
        eligibility, scores = FILES[email]
        assert workflow.eligible(enrollment, **eligibility).status_code == 200
        assert workflow.grade(enrollment, scores).status_code == 200
    assert workflow.act(session, "proposal", "manager").status_code == 200
    assert workflow.act(session, "approval", "manager2").status_code == 200
    return session, ids


def signed_session(workflow: Workflow, job_worker: Any) -> SignedSession:
    """The session of FILES, signed by "signatory", every credential issued."""
    session, ids = approved_session(workflow)
    signed = workflow.act(
        session, "signature", "signatory", json={"totp": workflow.body.code("signatory")}
    )
    assert signed.status_code == 202, signed.json
    assert job_worker.wait(signed.json["job"])["state"] == "done"
    wait_for_documents(job_worker)
    listed = workflow.client.get(
        f"/api/v1/sessions/{session}/credentials", headers=workflow.body.auth("manager")
    ).json
    credentials = {c["email"]: c["id"].rsplit("/", 1)[1] for c in listed}
    assert set(credentials) == set(PASSED)
    return SignedSession(session, ids, credentials)


def wait_for_documents(job_worker: Any) -> None:
    """Wait for the documents jobs that issuing queued (each credential's PDF and badges), so
    that a test never races them."""
    with job_worker.queue.runtime().read_sessions() as session:
        jobs = session.scalars(select(Job.id).where(Job.kind == DOCUMENTS_JOB)).all()
    for job_id in jobs:
        assert job_worker.wait(job_id)["state"] == "done"

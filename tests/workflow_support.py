"""A certification body ready for the workflow: a program with a scheme, one staff member
per role with a personal token, and helpers to drive the workflow API."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pyotp

from core.unit_of_work import Runtime
from issuer.services.organizations import create_organization
from issuer.services.staff import create_personal_token, create_staff

PROGRAM: dict[str, Any] = {
    "code": "SOUD-1",
    "name": "Soudage à l'arc, niveau 1",
    "description": "Soudage à l'arc à électrode enrobée.",
    "criteria": "Moyenne de 12/20, pas de note éliminatoire.",
    "achievementType": "Certification",
    "validityDays": 1095,
    "assessments": [
        {"code": "ECR", "name": "Épreuve écrite", "coefficient": 1, "maxScore": 20},
        {"code": "ORA", "name": "Épreuve orale", "coefficient": 2, "maxScore": 20},
        {
            "code": "PRA",
            "name": "Épreuve pratique",
            "coefficient": 3,
            "maxScore": 20,
            "eliminatoryBelow": 10,
        },
    ],
    "passMark": 12,
    "secondMarkingGap": 3,
    "eligibility": {
        "prerequisites": ["CAP en métallurgie"],
        "minAttendancePercent": 80,
        "requiredDocuments": ["Pièce d'identité"],
    },
}

#: name -> role of the staff every body of the workflow tests has.
STAFF = {
    "admin": "admin",
    "manager": "manager",
    "manager2": "manager",
    "evaluator": "evaluator",
    "evaluator2": "evaluator",
    "signatory": "signatory",
    "auditor": "auditor",
}

CSV = (
    "family_name,given_names,birth_date,email,sex,birth_place_insee,access_route\n"
    "Lovelace,Ada Augusta,1990-12-10,ada@example.org,F,75056,VAE\n"
    "Babbage,Charles,1985-12-26,charles@example.org,M,99132,CANDIDAT_LIBRE\n"
    "Hopper,Grace Brewster,1992-12-09,grace@example.org,F,2A004,\n"
)

ELIGIBLE = {
    "identityChecked": True,
    "identityDocument": "passeport",
    "prerequisitesMet": True,
    "attendancePercent": 95,
    "fileComplete": True,
}


@dataclass
class Body:
    """A body of the workflow tests, and its people."""

    slug: str
    api_key: str
    tokens: dict[str, str] = field(default_factory=dict)
    totp: dict[str, str] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)

    def auth(self, who: str) -> dict[str, str]:
        token = self.api_key if who == "api_key" else self.tokens[who]
        return {"Authorization": f"Bearer {token}"}

    def code(self, who: str, at: datetime | None = None) -> str:
        """A TOTP code of ``who`` (now, or at ``at``)."""
        return pyotp.TOTP(self.totp[who]).at(at or datetime.now(UTC))


def make_body(runtime: Runtime, slug: str = "acme") -> Body:
    """Create the body, its staff and their tokens (committed)."""
    with runtime.unit() as deps:
        created = create_organization(deps, slug=slug, name=f"{slug.title()} Certification")
        body = Body(slug, created.api_key)
        for name, role in STAFF.items():
            email = f"{name}@{slug}.example"
            member = create_staff(
                deps, created.organization, email=email, role=role, name=name, actor="test"
            )
            body.tokens[name] = create_personal_token(deps, member.member, actor="test")
            body.emails[name] = email
            if member.totp_secret:
                body.totp[name] = member.totp_secret
    return body


class Workflow:
    """Drive the workflow API as a body's staff would."""

    def __init__(self, client: Any, body: Body) -> None:
        self.client, self.body = client, body

    def program(self, **changes: Any) -> dict[str, Any]:
        program = {**copy.deepcopy(PROGRAM), **changes}
        response = self.client.post(
            "/api/v1/programs", json=program, headers=self.body.auth("manager")
        )
        assert response.status_code == 201, response.json
        return response.json

    def session(self, **changes: Any) -> str:
        payload = {
            "program": PROGRAM["code"],
            "name": "Session de décembre",
            "startsOn": "2026-12-01",
            "endsOn": "2026-12-03",
            "place": "Lyon",
            **changes,
        }
        response = self.client.post(
            "/api/v1/sessions", json=payload, headers=self.body.auth("manager")
        )
        assert response.status_code == 201, response.json
        return str(response.json["id"])

    def enroll(self, session_id: str, csv: str = CSV) -> dict[str, str]:
        """Import candidates; their enrollment ids by e-mail."""
        response = self.client.post(
            f"/api/v1/sessions/{session_id}/candidates",
            data=csv.encode(),
            headers={**self.body.auth("manager"), "Content-Type": "text/csv"},
        )
        assert response.status_code == 201, response.json
        return {e["email"]: e["id"] for e in response.json["enrollments"]}

    def eligible(self, enrollment: str, **changes: Any) -> Any:
        return self.client.put(
            f"/api/v1/enrollments/{enrollment}/eligibility",
            json={**ELIGIBLE, **changes},
            headers=self.body.auth("manager"),
        )

    def grade(self, enrollment: str, scores: dict[str, Any], who: str = "evaluator", **q: Any):
        query = "".join(f"?{k}={v}" for k, v in q.items())
        return self.client.put(
            f"/api/v1/enrollments/{enrollment}/grades{query}",
            json=scores,
            headers=self.body.auth(who),
        )

    def results(self, session_id: str, who: str = "manager") -> dict[str, dict[str, Any]]:
        response = self.client.get(
            f"/api/v1/sessions/{session_id}/results", headers=self.body.auth(who)
        )
        assert response.status_code == 200, response.json
        return {r["email"]: r for r in response.json}

    def act(self, session_id: str, step: str, who: str, json: Any = None) -> Any:
        return self.client.post(
            f"/api/v1/sessions/{session_id}/{step}", json=json, headers=self.body.auth(who)
        )


def approved_session(workflow: Any, csv: str = CSV) -> tuple[str, dict[str, str]]:
    """A session of ``csv``'s candidates, proposed and approved: charles fails, the rest pass."""
    workflow.program()
    session = workflow.session()
    ids = workflow.enroll(session, csv)
    for enrollment in ids.values():
        assert workflow.eligible(enrollment).status_code == 200
    scores = {"ECR": 14, "ORA": "13,5", "PRA": 12.5}
    for email, enrollment in ids.items():
        failing = {"PRA": 9} if email.startswith("charles") else {}
        assert workflow.grade(enrollment, {**scores, **failing}).status_code == 200
    assert workflow.act(session, "proposal", "manager").status_code == 200
    assert workflow.act(session, "approval", "manager2").status_code == 200
    return session, ids


def sign_session(workflow: Any, session: str, code: str | None = None) -> Any:
    """The signatory signs ``session`` with a fresh TOTP code (or ``code``)."""
    body = workflow.body
    return workflow.act(
        session, "signature", "signatory", json={"totp": code or body.code("signatory")}
    )

"""The demo body of `make run`: every state of the workflow at once, idempotent, its printed
logins work, and no password is ever set in production."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pyotp
from office_support import submit
from sqlalchemy import func, select

from core.db.models import AuditEvent, Candidate, Credential, Enrollment, ExamSession, StaffMember
from core.unit_of_work import Runtime
from issuer.demo import create_demo

STATES = {
    "ineligible",
    "absent",
    "failed_eliminatory",
    "failed_average",
    "passed",
    "awaiting_grades",
    "proposed",
    "approved",
    "issued",
    "revoked",
}


def _counts(runtime: Runtime) -> dict[str, int]:
    models = (AuditEvent, Candidate, Credential, Enrollment, ExamSession, StaffMember)
    with runtime.unit() as deps:
        return {
            m.__name__: deps.session.scalar(select(func.count()).select_from(m)) or 0
            for m in models
        }


def test_the_demo_shows_every_state_once_however_often_it_runs(runtime, client) -> None:
    first = create_demo(runtime)
    counts = _counts(runtime)
    second = create_demo(runtime)
    assert _counts(runtime) == counts  # nothing added, not even an audit event
    assert first["api_key"].startswith("sceau_") and not second["api_key"].startswith("sceau_")
    assert {k: v for k, v in first.items() if k != "api_key"} == {
        k: v for k, v in second.items() if k != "api_key"
    }
    sessions = {s["state"]: s for s in first["sessions"]}
    assert set(sessions) == {"signed", "approved", "proposed", "open"}
    assert sessions["open"]["candidates"] == 20
    assert set(sessions["open"]["files"]) == {
        "ineligible",
        "absent",
        "failed_eliminatory",
        "failed_average",
        "passed",
        "awaiting_grades",
    }
    assert {label for s in first["sessions"] for label in s["files"]} == STATES
    job = sessions["signed"]["job"]
    assert (job["state"], job["done"], job["total"]) == ("done", 3, 3)
    assert counts["StaffMember"] == 6 and counts["Credential"] == 3

    revoked = [c for c in first["credentials"] if c["revoked"]]
    assert len(revoked) == 1 and revoked[0]["reason"] == "Erreur de saisie de la note pratique"
    for entry in first["credentials"]:
        uuid = entry["url"].rsplit("/", 1)[1]
        credential = client.get(f"/c/{uuid}.json").json
        report = client.post("/api/v1/verify", json={"credential": credential}).json
        assert report["verified"] is (not entry["revoked"])
    program = client.get("/achievements/demo/SOUD-1", headers={"Accept": "application/json"})
    assert program.status_code == 200 and program.json["name"] == "Soudage à l'arc, niveau 1"


def _fresh_limits(app: Any) -> None:
    # The app lives for the whole run: give these sign-ins a full budget.
    for limiter in app.extensions.get("limiter", ()):
        limiter.reset()


def test_the_printed_logins_sign_in(runtime, app, client) -> None:
    _fresh_limits(app)
    staff = create_demo(runtime)["staff"]
    login = staff["login"].removeprefix(runtime.settings.base_url)
    assert login == "/staff/demo/login"
    members = {m["email"]: m for m in staff["members"]}
    assert [m["role"] for m in staff["members"]] == [
        "admin",
        "manager",
        "manager",
        "evaluator",
        "signatory",
        "auditor",
    ]
    assert {e for e, m in members.items() if "totpSecret" in m} == {
        "admin@demo.example",
        "signatory@demo.example",
    }

    manager = members["manager@demo.example"]
    fields = {"organization": "demo", "email": manager["email"], "password": manager["password"]}
    signed = submit(client, login, fields)
    assert signed.status_code == 302 and signed.headers["Location"] == "/staff/"
    assert "Marc Manager" in client.get("/staff/").get_data(as_text=True)

    other = app.test_client()  # a second browser, for a member with TOTP
    admin = members["admin@demo.example"]
    fields = {"organization": "demo", "email": admin["email"], "password": admin["password"]}
    assert submit(other, login, fields).headers["Location"] == "/staff/login/code"
    code = pyotp.TOTP(admin["totpSecret"]).at(datetime.now(UTC))
    signed = submit(other, "/staff/login/code", {"code": code})
    assert signed.status_code == 302 and signed.headers["Location"] == "/staff/"


def test_production_sets_no_password(settings, runtime) -> None:
    production = dataclasses.replace(settings, env="production")
    with Runtime(production) as prod:
        out = create_demo(prod)
    members = out["staff"]["members"]
    assert len(members) == 6
    assert all("password" not in m and "totpSecret" not in m for m in members)
    assert all(m["setupUrl"].startswith(f"{settings.base_url}/staff/setup/") for m in members)
    with runtime.unit() as deps:
        hashes = deps.session.scalars(select(StaffMember.password_hash)).all()
    assert hashes == [None] * 6
    # The workflow states are there all the same, signed by the signatory's TOTP key.
    assert {s["state"] for s in out["sessions"]} == {"signed", "approved", "proposed", "open"}

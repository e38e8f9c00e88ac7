"""Helpers of the back-office workflow page tests: a body's program and session made through
the services (as a system job would), and the pages' routes."""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import select
from workflow_support import CSV, PROGRAM

from core.accounts.principal import system_principal
from core.db.models import Enrollment, Organization
from core.unit_of_work import Runtime
from core.workflow.candidates import csv_rows, parse_candidates
from issuer.services.enrollments import enroll_candidates
from issuer.services.programs import create_program, find_program
from issuer.services.sessions import create_session


def open_session(
    runtime: Runtime,
    org: str = "acme",
    *,
    evaluators: tuple[str, ...] = (),
    csv: str | None = CSV,
    program: dict[str, Any] | None = None,
    name: str = "Session de décembre",
) -> tuple[str, dict[str, str]]:
    """A session of ``org`` (its program created if needed) with the candidates of ``csv``:
    the session id and the enrollment ids by e-mail."""
    with runtime.unit() as deps:
        body = deps.session.scalar(select(Organization).where(Organization.slug == org))
        assert body is not None, "create a member of the body first"
        principal = system_principal(body.id, body.slug, "tests")
        payload = copy.deepcopy(program or PROGRAM)
        if find_program(deps, body, payload["code"]) is None:
            create_program(deps, body, payload, actor="test")
        session = create_session(
            deps,
            principal,
            {
                "program": payload["code"],
                "name": name,
                "startsOn": "2026-12-01",
                "endsOn": "2026-12-03",
                "place": "Lyon",
                "evaluators": list(evaluators),
            },
        )
        enrolled: dict[str, str] = {}
        if csv:
            rows = parse_candidates(csv_rows(csv), deps.clock.now().date())
            for enrollment, candidate in enroll_candidates(deps, principal, session.id, rows):
                enrolled[candidate.email] = enrollment.id
        return session.id, enrolled


def enrollment_count(runtime: Runtime, session_id: str) -> int:
    with runtime.unit() as deps:
        return len(
            list(
                deps.session.scalars(select(Enrollment).where(Enrollment.session_id == session_id))
            )
        )


def routes(session_id: str, enrollment_id: str) -> list[tuple[str, str]]:
    """(method, path) of every workflow page that names a session or an enrollment."""
    s, e = session_id, enrollment_id
    return [
        ("GET", f"/staff/sessions/{s}"),
        ("GET", f"/staff/sessions/{s}/candidates/import"),
        ("POST", f"/staff/sessions/{s}/candidates/import"),
        ("GET", f"/staff/sessions/{s}/candidates/new"),
        ("POST", f"/staff/sessions/{s}/candidates/new"),
        ("GET", f"/staff/enrollments/{e}/eligibility"),
        ("POST", f"/staff/enrollments/{e}/eligibility"),
        ("GET", f"/staff/sessions/{s}/grades/ECR"),
        ("POST", f"/staff/sessions/{s}/grades/ECR"),
        ("POST", f"/staff/sessions/{s}/grades/ECR/csv"),
    ]

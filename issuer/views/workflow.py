"""The workflow API (Bearer personal token): sessions, candidates, eligibility, grades,
results, and the four-eyes decision. Views parse, call one service and answer; the request's
unit of work commits (core.web.database)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from core.accounts.principal import Action
from core.errors import InputError
from core.tasks import enqueue, job_progress
from core.urls import credential_url
from core.web.database import after_commit, deps, read_only
from core.web.requests import (
    bearer_token,
    csv_body,
    is_json_request,
    json_body,
    json_object,
    positive_int_arg,
)
from core.workflow.candidates import csv_rows, json_rows, parse_candidates
from issuer.services.archives import export_session_archive
from issuer.services.decisions import approve, propose
from issuer.services.enrollments import enroll_candidates, record_eligibility
from issuer.services.renewal import recertify
from issuer.services.results import record_grades, session_results
from issuer.services.sessions import (
    create_session,
    get_session,
    organization_of,
    session_summary,
)
from issuer.services.signoff import session_credentials, sign
from issuer.services.staff import authenticate_bearer
from issuer.services.statistics import statistics, statistics_rows
from issuer.views.exports import csv_response, zip_response

bp = Blueprint("issuer_workflow", __name__)


def _principal() -> Any:
    return authenticate_bearer(deps(), bearer_token())


def _created(payload: Any) -> Response:
    response = jsonify(payload)
    response.status_code = 201
    return response


def _empty_or_object() -> dict[str, Any]:
    """The body of an action without parameters: nothing, or ``{}``."""
    if not request.content_length and not request.headers.get("Transfer-Encoding"):
        return {}
    body = json_object()
    if body:
        raise InputError("this action takes no parameters", code="invalid_request")
    return body


@bp.post("/api/v1/sessions")
def new_session() -> Response:
    principal = _principal()
    d = deps()
    session = create_session(d, principal, json_body())
    return _created(session_summary(d, session))


@bp.get("/api/v1/sessions/<uuid:session_id>")
@read_only
def show_session(session_id: Any) -> Response:
    principal = _principal()
    d = deps()
    session = get_session(d, principal, str(session_id))
    principal.require(Action.FOLLOW)
    return jsonify(session_summary(d, session))


@bp.post("/api/v1/sessions/<uuid:session_id>/candidates")
def import_candidates(session_id: Any) -> Response:
    principal = _principal()
    d = deps()
    get_session(d, principal, str(session_id))  # another body's session: 404 before the body
    rows = json_rows(json_body()) if is_json_request() else csv_rows(csv_body())
    created = enroll_candidates(
        d, principal, str(session_id), parse_candidates(rows, d.clock.now().date())
    )
    return _created(
        {
            "created": len(created),
            "enrollments": [{"id": e.id, "email": c.email} for e, c in created],
        }
    )


@bp.post("/api/v1/sessions/<uuid:session_id>/recertifications")
def recertifications(session_id: Any) -> Response:
    principal = _principal()
    d = deps()
    get_session(d, principal, str(session_id))  # another body's session: 404 before the body
    created = recertify(d, principal, str(session_id), json_object().get("credentials"))
    base = d.settings.base_url
    return _created(
        {
            "created": len(created),
            "enrollments": [
                {
                    "id": e.id,
                    "email": e.candidate.email,
                    "renews": credential_url(base, e.renews_credential_id or ""),
                }
                for e in created
            ],
        }
    )


@bp.put("/api/v1/enrollments/<uuid:enrollment_id>/eligibility")
def eligibility(enrollment_id: Any) -> Response:
    principal = _principal()
    eligible, reasons = record_eligibility(deps(), principal, str(enrollment_id), json_body())
    return jsonify({"eligible": eligible, "reasons": reasons})


@bp.put("/api/v1/enrollments/<uuid:enrollment_id>/grades")
def grades(enrollment_id: Any) -> Response:
    principal = _principal()
    raw = request.args.get("marking", "1")
    marking = int(raw) if raw in ("1", "2") else 0
    result = record_grades(deps(), principal, str(enrollment_id), json_body(), marking)
    return jsonify(result)


@bp.get("/api/v1/sessions/<uuid:session_id>/results")
@read_only
def results(session_id: Any) -> Response:
    principal = _principal()
    return jsonify(session_results(deps(), principal, str(session_id)))


@bp.post("/api/v1/sessions/<uuid:session_id>/proposal")
def proposal(session_id: Any) -> Response:
    principal = _principal()
    _empty_or_object()
    outcome = propose(deps(), principal, str(session_id))
    return jsonify(outcome)


@bp.post("/api/v1/sessions/<uuid:session_id>/approval")
def approval(session_id: Any) -> Response:
    principal = _principal()
    _empty_or_object()
    outcome = approve(deps(), principal, str(session_id))
    return jsonify(outcome)


@bp.post("/api/v1/sessions/<uuid:session_id>/signature")
def signature(session_id: Any) -> Response:
    principal = _principal()
    d = deps()
    body = json_object()
    job_id, queue = sign(d, principal, str(session_id), body.get("totp"))
    if queue:
        settings = d.settings
        after_commit(lambda: enqueue(settings, job_id))  # the worker must find the job
    response = jsonify({"job": job_id})
    response.status_code = 202
    return response


@bp.get("/api/v1/jobs/<uuid:job_id>")
@read_only
def job(job_id: Any) -> Response:
    principal = _principal()
    d = deps()
    progress = job_progress(d, organization_of(d, principal), str(job_id))
    principal.require(Action.FOLLOW)
    return jsonify(progress)


@bp.get("/api/v1/sessions/<uuid:session_id>/credentials")
@read_only
def credentials(session_id: Any) -> Response:
    principal = _principal()
    return jsonify(session_credentials(deps(), principal, str(session_id)))


@bp.get("/api/v1/statistics")
@read_only
def figures() -> Response:
    principal = _principal()
    year = positive_int_arg("year")
    found = statistics(deps(), principal, program=request.args.get("program"), year=year)
    form = request.args.get("format", "json")
    if form not in ("json", "csv"):
        raise InputError(
            "format is json or csv",
            code="invalid_request",
            problems=[{"path": "format", "message": "json or csv"}],
        )
    if form == "csv":  # cells a spreadsheet would run as formulas are quoted
        return csv_response(statistics_rows(found), "statistics.csv")
    return jsonify(found)


# Not read-only: a certificate PDF that the queue has not made yet is made and archived now.
@bp.get("/api/v1/sessions/<uuid:session_id>/archive.zip")
def archive(session_id: Any) -> Response:
    principal = _principal()
    d = deps()
    return zip_response(
        lambda out: export_session_archive(d, principal, str(session_id), out),
        f"session-{session_id}.zip",
    )

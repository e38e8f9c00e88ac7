"""The documents API (Bearer personal token): a signed session's jury minutes, its print file
and address list, and the annual activity report, as sealed or print-ready files."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from core.clock import isoformat_z
from core.documents.archive import archive_store
from core.web.database import deps, read_only
from core.web.requests import bearer_token, positive_int_arg
from issuer.services.minutes import (
    MinutesVersion,
    minutes_versions,
    new_minutes_version,
    session_minutes,
)
from issuer.services.postal import address_rows, write_print_file
from issuer.services.report_documents import annual_report_document
from issuer.services.staff import authenticate_bearer
from issuer.views.downloads import archived_pdf, spooled_pdf
from issuer.views.exports import csv_response

bp = Blueprint("issuer_documents", __name__)


def _principal() -> Any:
    return authenticate_bearer(deps(), bearer_token())


@bp.after_request
def private(response: Response) -> Response:
    # Names, results and addresses: never kept by a shared cache.
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _version_json(session_id: str, found: MinutesVersion) -> dict[str, Any]:
    url = f"{deps().settings.base_url}/api/v1/sessions/{session_id}/minutes.pdf"
    return {
        "version": found.number,
        "sha256": found.document.sha256,
        "size": found.document.size,
        "createdAt": isoformat_z(found.document.created_at),
        "url": f"{url}?version={found.number}",
    }


@bp.get("/api/v1/sessions/<uuid:session_id>/minutes.pdf")
def minutes_pdf(session_id: Any) -> Response:
    principal = _principal()
    d = deps()
    store = archive_store(d.settings)
    version = positive_int_arg("version")
    found = session_minutes(d, principal, str(session_id), store, version=version)
    return archived_pdf(store, found.document, f"jury-minutes-v{found.number}.pdf")


@bp.get("/api/v1/sessions/<uuid:session_id>/minutes")
@read_only
def minutes_list(session_id: Any) -> Response:
    principal = _principal()
    found = minutes_versions(deps(), principal, str(session_id))
    return jsonify([_version_json(str(session_id), v) for v in found])


@bp.post("/api/v1/sessions/<uuid:session_id>/minutes")
def minutes_new(session_id: Any) -> Response:
    principal = _principal()
    d = deps()
    found = new_minutes_version(d, principal, str(session_id), archive_store(d.settings))
    response = jsonify(_version_json(str(session_id), found))
    response.status_code = 201
    return response


@bp.get("/api/v1/sessions/<uuid:session_id>/print.pdf")
def print_pdf(session_id: Any) -> Response:
    principal = _principal()
    d = deps()
    store = archive_store(d.settings)
    return spooled_pdf(
        lambda out: write_print_file(d, principal, str(session_id), store, out),
        d.settings.instance_dir / "tmp",
        f"certificates-{session_id}.pdf",
    )


@bp.get("/api/v1/sessions/<uuid:session_id>/addresses.csv")
@read_only
def addresses_csv(session_id: Any) -> Response:
    principal = _principal()
    rows = address_rows(deps(), principal, str(session_id))
    return csv_response(rows, f"addresses-{session_id}.csv")


@bp.get("/api/v1/reports/<int:year>.pdf")
def annual_report_pdf(year: int) -> Response:
    principal = _principal()
    d = deps()
    store = archive_store(d.settings)
    document = annual_report_document(d, principal, year, store)
    return archived_pdf(store, document, f"annual-report-{year}.pdf")

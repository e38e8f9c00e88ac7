"""The back office's audit log page (the organization's own events, filtered and paged), its CSV
export, and the check of the hash chain; for administrators and auditors."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from core.accounts.principal import Action, Principal
from core.web.database import deps, read_only
from core.web.requests import positive_int_arg
from issuer.services.audit_log import AuditFilters, audit_page, audit_rows, check_chain
from issuer.views.auth import staff_required
from issuer.views.exports import csv_response
from issuer.views.pages import install_pages

bp = Blueprint("office_audit", __name__, template_folder="../templates")
install_pages(bp)


@bp.get("/staff/audit")
@read_only
@staff_required(Action.READ_AUDIT)
def log(principal: Principal) -> Any:
    filters = AuditFilters.parse(request.args)
    found = audit_page(deps(), principal, filters, positive_int_arg("page") or 1)
    return render_template("office/audit.html", page=found, filters=filters)


@bp.get("/staff/audit.csv")
@read_only
@staff_required(Action.READ_AUDIT)
def export(principal: Principal) -> Any:
    rows = audit_rows(deps(), principal, AuditFilters.parse(request.args))
    return csv_response(rows, "audit.csv")


@bp.get("/staff/audit/chain")
@read_only
@staff_required(Action.READ_AUDIT)
def chain(principal: Principal) -> Any:
    return render_template("office/audit_chain.html", check=check_chain(deps(), principal))

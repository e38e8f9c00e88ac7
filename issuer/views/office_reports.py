"""The back office's statistics page (figures, charts, CSV export) and the printable annual
activity report."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from core.accounts.principal import Action, Principal
from core.web.database import deps, read_only
from core.web.requests import positive_int_arg
from issuer.services.reports import annual_report, chart_data, statistics_page
from issuer.services.statistics import statistics, statistics_rows
from issuer.views.auth import staff_required
from issuer.views.exports import csv_response
from issuer.views.pages import install_pages

bp = Blueprint("office_reports", __name__, template_folder="../templates")
install_pages(bp)


def _filters() -> dict[str, Any]:
    """The page's filters; an empty one (the form's "all") means no filter."""
    year = positive_int_arg("year") if request.args.get("year") else None
    return {"program": request.args.get("program") or None, "year": year}


@bp.get("/staff/statistics")
@read_only
@staff_required(Action.READ)
def statistics_view(principal: Principal) -> Any:
    filters = _filters()
    found = statistics_page(deps(), principal, **filters)
    return render_template(
        "office/statistics.html",
        page=found,
        charts=chart_data(found.figures),
        csv_args={k: v for k, v in filters.items() if v is not None},
    )


@bp.get("/staff/statistics.csv")
@read_only
@staff_required(Action.READ)
def statistics_csv(principal: Principal) -> Any:
    found = statistics(deps(), principal, **_filters())
    return csv_response(statistics_rows(found), "statistics.csv")


@bp.get("/staff/reports/<int:year>")
@read_only
@staff_required(Action.READ_AUDIT)
def report(year: int, principal: Principal) -> Any:
    return render_template("office/report.html", report=annual_report(deps(), principal, year))

"""The statistics page (figures, what its filters offer, its charts' data) and the annual
activity report, built on issuer.services.statistics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from core.accounts.principal import Action, Principal
from core.db.models import ExamSession, Organization, Program
from core.deps import Deps
from issuer.services.sessions import organization_of
from issuer.services.statistics import statistics


@dataclass(frozen=True)
class StatisticsPage:
    """The figures for the chosen filters, and the choices the filters offer."""

    figures: dict[str, Any]
    programs: list[tuple[str, str]]  # (code, name) of the organization's programs
    years: list[int]  # the years in which the organization's sessions started, newest first
    names: dict[str, str]  # program code -> name


@dataclass(frozen=True)
class AnnualReport:
    """The year's activity of an organization, per program."""

    year: int
    organization: Organization
    figures: dict[str, Any]
    names: dict[str, str]


def _programs(deps: Deps, org: Organization) -> list[tuple[str, str]]:
    rows = deps.session.execute(
        select(Program.code, Program.name)
        .where(Program.organization_id == org.id)
        .order_by(Program.code)
    )
    return [(code, name) for code, name in rows]


def _years(deps: Deps, org: Organization) -> list[int]:
    starts = deps.session.scalars(
        select(ExamSession.starts_on).where(ExamSession.organization_id == org.id).distinct()
    )
    return sorted({d.year for d in starts}, reverse=True)


def statistics_page(
    deps: Deps, principal: Principal, *, program: str | None, year: int | None
) -> StatisticsPage:
    """The statistics page of the member's organization, for ``program`` and ``year``."""
    figures = statistics(deps, principal, program=program, year=year)
    org = organization_of(deps, principal)
    programs = _programs(deps, org)
    return StatisticsPage(figures, programs, _years(deps, org), dict(programs))


def chart_data(figures: dict[str, Any]) -> dict[str, Any]:
    """What the page's two bar charts draw, from the overall figures: how many averages fall
    in each band of the scale of 20, and each assessment's pass rate in percent."""
    total = figures["total"]
    assessments = total["assessments"]
    return {
        "distribution": {
            "labels": [f"{band['from']}–{band['to']}" for band in total["distribution"]],
            "counts": [band["count"] for band in total["distribution"]],
        },
        "assessments": {
            "labels": list(assessments),
            "rates": [
                None if a["passRate"] is None else float(a["passRate"]) * 100
                for a in assessments.values()
            ],
        },
    }


def annual_report(deps: Deps, principal: Principal, year: int) -> AnnualReport:
    """The annual activity report (auditors and administrators): the year's figures, overall
    and per program."""
    principal.require(Action.READ_AUDIT)
    figures = statistics(deps, principal, year=year)
    org = organization_of(deps, principal)
    return AnnualReport(year, org, figures, dict(_programs(deps, org)))

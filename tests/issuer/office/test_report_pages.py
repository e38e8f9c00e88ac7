"""The statistics page (figures, chart data, CSV export), the annual activity report, and the
audit log page (filters, paging, CSV export, the chain's check)."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from decision_pages_support import make_team, prepared_session
from office_support import sign_in, text
from sqlalchemy import update

from core.audit.log import append
from core.db.models import AuditEvent


@pytest.fixture
def team(staff, runtime, client, clock) -> Any:
    return make_team(staff, runtime, client)


def _client(app: Any, team: Any, who: str, clock: Any) -> Any:
    client = app.test_client()
    assert sign_in(client, team.members[who], at=clock.instant).status_code == 302
    return client


def _proposed(team: Any) -> str:
    session, _ = prepared_session(team)
    assert team.workflow.act(session, "proposal", "manager").status_code == 200
    return session


def _csv(response: Any) -> list[list[str]]:
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_the_statistics_page_shows_figures_and_chart_data(app, team, clock) -> None:
    session = _proposed(team)
    manager = _client(app, team, "manager", clock)
    response = manager.get("/staff/statistics")
    assert response.status_code == 200
    page = text(response)
    assert "Statistiques" in page and "Exporter en CSV" in page
    row = re.search(r'<tr class="total">(.*?)</tr>', page, re.S)
    assert row is not None
    cells = re.findall(r"<td>(.*?)</td>", row.group(1))
    assert cells[:6] == ["3", "100.0 %", "3", "2", "66.67 %", "12.50"]
    assert f'href="/staff/sessions/{session}/decision"' in page
    data = json.loads(
        re.search(
            r'<script type="application/json" id="chart-data">(.*?)</script>', page, re.S
        ).group(1)  # type: ignore[union-attr]
    )
    assert sum(data["distribution"]["counts"]) == 3
    assert data["assessments"]["labels"] == ["ECR", "ORA", "PRA"]
    assert data["assessments"]["rates"][2] == pytest.approx(66.67)
    assert data["text"]["rate"] == "Taux de réussite, en pourcentage"
    assert "/static/vendor/chartjs/chart.umd.js" in page
    assert "onclick" not in page and "<script>" not in page
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "unsafe-eval" not in csp
    filtered = manager.get("/staff/statistics?program=SOUD-1&year=2026")
    assert filtered.status_code == 200
    assert 'href="/staff/statistics.csv?program=SOUD-1&amp;year=2026"' in filtered.get_data(
        as_text=True
    )
    assert "Aucune session" in text(manager.get("/staff/statistics?year=2020"))
    assert manager.get("/staff/statistics?program=").status_code == 200
    assert manager.get("/staff/statistics?year=abc").status_code == 400
    assert manager.get("/staff/statistics?program=NOPE").status_code == 404
    evaluator = _client(app, team, "evaluator", clock)
    assert evaluator.get("/staff/statistics").status_code == 200


def test_the_statistics_csv(app, team, clock) -> None:
    session = _proposed(team)
    auditor = _client(app, team, "auditor", clock)
    response = auditor.get("/staff/statistics.csv?year=2026")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "statistics.csv" in response.headers["Content-Disposition"]
    rows = _csv(response)
    assert rows[0][:4] == ["session", "name", "program", "startsOn"]
    assert rows[1][:5] == [session, "Session de décembre", "SOUD-1", "2026-12-01", "3"]


def test_a_formula_in_a_session_name_is_neutralized_in_the_csv(app, team, clock) -> None:
    team.workflow.program()
    team.workflow.session(name="=HYPERLINK(1)")
    manager = _client(app, team, "manager", clock)
    rows = _csv(manager.get("/staff/statistics.csv"))
    assert rows[1][1] == "'=HYPERLINK(1)"


def test_the_annual_report_is_for_auditors_and_admins(app, team, clock) -> None:
    _proposed(team)
    auditor = _client(app, team, "auditor", clock)
    response = auditor.get("/staff/reports/2026")
    assert response.status_code == 200
    page = text(response)
    assert "Rapport annuel d'activité 2026" in page
    assert "Acme Certification" in page
    assert 'id="program-SOUD-1"' in page
    assert "Soudage à l'arc, niveau 1" in page
    assert "@media print" in (Path(app.static_folder) / "css" / "reports.css").read_text()
    empty = text(auditor.get("/staff/reports/2019"))
    assert "Aucune session n'a commencé cette année." in empty
    assert _client(app, team, "admin", clock).get("/staff/reports/2026").status_code == 200
    for who in ("manager", "evaluator", "signatory"):
        assert _client(app, team, who, clock).get("/staff/reports/2026").status_code == 403, who


def test_the_audit_log_filters_pages_and_exports(app, team, clock, create_org, runtime) -> None:
    session = _proposed(team)
    create_org("globex", name="Globex")  # its events stay out of acme's log
    auditor = _client(app, team, "auditor", clock)
    page = text(auditor.get("/staff/audit"))
    assert "Journal d'audit" in page
    assert "session.propose" in page and "globex" not in page
    assert re.search(r'id="anchor">événement \d+ · <code>[0-9a-f]{64}</code>', page)
    only = text(auditor.get("/staff/audit?action=session."))
    actions = re.findall(r"<td>([a-z_]+\.[a-z_]+)</td>", only)
    assert actions[0] == "session.propose" and actions[-1] == "session.create"
    assert all(a.startswith("session.") for a in actions)
    by_actor = text(auditor.get("/staff/audit?actor=MANAGER@acme&action=session.propose"))
    assert "1 événement(s)" in by_actor
    by_subject = text(auditor.get(f"/staff/audit?subject={session}"))
    assert "session.create" in by_subject and "enrollment.grades" not in by_subject
    today = clock.instant.date()
    later = (today + timedelta(days=1)).isoformat()
    assert ">0 événement(s)" in text(auditor.get(f"/staff/audit?since={later}"))
    assert ">0 événement(s)" not in text(auditor.get(f"/staff/audit?until={today.isoformat()}"))
    assert auditor.get("/staff/audit?since=yesterday").status_code == 400
    for last_day in ("until=9999-12-31", "since=9999-12-31"):  # the calendar's end: no 500
        assert auditor.get(f"/staff/audit?{last_day}").status_code == 200
        assert auditor.get(f"/staff/audit.csv?{last_day}").status_code == 200
    for literal in ("actor=%25", "actor=_", "action=session_", "action=/"):
        assert ">0 événement(s)" in text(auditor.get(f"/staff/audit?{literal}")), literal
    rows = _csv(auditor.get("/staff/audit.csv?action=session."))
    assert rows[0] == ["seq", "at", "actor", "action", "subject", "data", "hash"]
    assert [r[3] for r in rows[1:]] == list(reversed(actions))
    assert json.loads(rows[-1][5])["passed"] == 2
    # paging: 50 events a page, newest first
    with runtime.unit() as deps:
        for i in range(50):
            append(
                deps.session,
                actor="test",
                action="test.event",
                subject=str(i),
                organization="acme",
                now=clock.instant,
            )
    full = text(auditor.get("/staff/audit"))
    total = int(re.search(r"(\d+) événement\(s\)", full).group(1))  # type: ignore[union-attr]
    assert total > 50
    assert len(re.findall(r"<tr data-seq=", full)) == 50
    second = text(auditor.get("/staff/audit?page=2"))
    assert len(re.findall(r"<tr data-seq=", second)) == total - 50
    assert "Événements plus récents" in second


def test_the_chain_check_shows_intact_then_broken(app, team, clock, runtime) -> None:
    _proposed(team)
    admin = _client(app, team, "admin", clock)
    page = text(admin.get("/staff/audit/chain"))
    assert "La chaîne est intacte" in page
    with runtime.unit() as deps:
        deps.session.execute(
            update(AuditEvent).where(AuditEvent.seq == 2).values(actor="staff:mallory")
        )
    broken = text(admin.get("/staff/audit/chain"))
    assert "La chaîne est rompue" in broken
    assert "event 2: its content was altered" in broken


def test_only_admins_and_auditors_read_the_audit_log(app, team, clock) -> None:
    for who in ("manager", "evaluator", "signatory"):
        client = _client(app, team, who, clock)
        for url in ("/staff/audit", "/staff/audit.csv", "/staff/audit/chain"):
            assert client.get(url).status_code == 403, (who, url)
        assert "Journal d'audit" not in text(client.get("/staff/"))
    auditor = _client(app, team, "auditor", clock)
    assert "Journal d'audit" in text(auditor.get("/staff/"))

"""A whole session in a real browser (Debian's Chromium driven by Playwright): candidates
imported and graded, a manager proposes, the same manager's approval is refused (four eyes), a
second manager approves, the signatory signs with a TOTP code, the progress bar reaches the
end and the credentials are listed; then the statistics page draws its charts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from decision_pages_support import make_team, prepared_session
from playwright.sync_api import Browser, BrowserContext, Page, expect

pytestmark = pytest.mark.browser


def _signed_in(
    browser: Browser, live_server: str, member: Any, code: str | None = None
) -> tuple[BrowserContext, Page, list[str]]:
    """A French browser signed in as ``member``; the page, and the console's errors."""
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    # A missing resource, named (the console's message does not say which one).
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(f"{live_server}/staff/{member.org}/login")
    page.fill("#email", member.email)
    page.fill("#password", member.password)
    page.get_by_role("button", name="Se connecter").click()
    if code is not None:
        expect(page).to_have_url(f"{live_server}/staff/login/code")
        page.fill("#code", code)
        page.get_by_role("button", name="Valider").click()
    expect(page).to_have_url(f"{live_server}/staff/")
    return context, page, errors


def test_a_whole_session_from_import_to_sign_off(
    browser, staff, runtime, client, clock, live_server, job_worker, tmp_path
) -> None:
    team = make_team(staff, runtime, client)
    session, _ = prepared_session(team)  # imported, eligible, graded through the API
    decision = f"{live_server}/staff/sessions/{session}/decision"

    context, page, errors = _signed_in(browser, live_server, team.members["manager"])
    page.goto(decision)
    expect(page.locator("h1")).to_contain_text("Session de décembre")
    expect(page.locator("#jury tbody tr")).to_have_count(3)
    page.get_by_role("button", name="Proposer").click()
    expect(page.locator(".flash")).to_contain_text("Décisions proposées : 2 admis, 1 refusé(s).")
    expect(page.locator("#state")).to_have_text("Proposée : en attente d'approbation")
    expect(page.locator("#four-eyes")).to_be_visible()
    page.get_by_role("button", name="Approuver").click()
    expect(page.locator(".flash.error")).to_have_text(
        "Quatre yeux : vous avez proposé ces décisions, vous ne pouvez donc pas les approuver. "
        "Un autre responsable ou administrateur doit les approuver."
    )
    expect(page.locator("#state")).to_have_text("Proposée : en attente d'approbation")
    page.screenshot(path=str(tmp_path / "four-eyes.png"), full_page=True)
    context.close()

    context, page, more = _signed_in(browser, live_server, team.members["manager2"])
    errors += more
    page.goto(decision)
    expect(page.locator("#four-eyes")).to_have_count(0)
    page.get_by_role("button", name="Approuver").click()
    expect(page.locator(".flash")).to_have_text(
        "Décisions approuvées. Un signataire doit maintenant les signer."
    )
    expect(page.locator("#steps")).to_contain_text("Maud Manager")
    context.close()

    signatory = team.members["signatory"]
    context, page, more = _signed_in(browser, live_server, signatory, signatory.code(clock.instant))
    errors += more
    page.goto(decision)
    clock.instant += timedelta(seconds=30)  # the sign-in spent the current code
    page.fill("#code", signatory.code(clock.instant))
    page.get_by_role("button", name="Signer").click()
    expect(page.locator(".flash")).to_have_text(
        "Décisions signées : les attestations sont en cours de délivrance."
    )
    expect(page.locator("#job-progress")).to_be_visible()
    # The page polls /staff/jobs/<id>.json and reloads once the job is over.
    expect(page.locator("#job-state")).to_have_text("Terminé", timeout=30_000)
    # The page reloads once the job is over: read the bar on the reloaded page, not while the
    # reload is under way.
    expect(page.locator("#state")).to_have_text("Signée : attestations délivrées", timeout=30_000)
    expect(page.locator("#job-count")).to_have_text("2 / 2")
    assert page.eval_on_selector("#job-progress", "bar => [bar.value, bar.max]") == [2, 2]
    rows = page.locator("#credentials tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#credentials")).to_contain_text("ada@example.org")
    expect(page.locator("#credentials")).to_contain_text("grace@example.org")
    href = rows.first.locator("a").get_attribute("href")
    assert href is not None and href.startswith(f"{live_server}/c/")
    page.screenshot(path=str(tmp_path / "signed.png"), full_page=True)
    context.close()

    context, page, more = _signed_in(browser, live_server, team.members["manager"])
    errors += more
    page.get_by_role("link", name="Statistiques").click()
    expect(page.locator("h1")).to_have_text("Statistiques")
    # Polled from here: wait_for_function evaluates its text in the page, which the
    # Content-Security-Policy (no 'unsafe-eval') rightly forbids.
    chart = page.locator("#chart-assessments")
    for _ in range(100):
        if chart.evaluate("element => element.chart !== undefined"):
            break
        page.wait_for_timeout(50)
    drawn = page.evaluate(
        "['chart-distribution', 'chart-assessments'].map("
        "id => document.getElementById(id).chart.data.datasets[0].data)"
    )
    assert sum(drawn[0]) == 3
    assert drawn[1][2] == pytest.approx(66.67)
    page.screenshot(path=str(tmp_path / "statistics.png"), full_page=True)
    context.close()
    assert [e for e in errors if "Content Security Policy" in e or "Refused" in e] == []
    assert [e for e in errors if "favicon" not in e and "Failed to load resource" not in e] == []

"""A session in a real browser (Debian's Chromium driven by Playwright): a manager creates it,
imports candidates with the progress bar, records eligibility; an evaluator enters grades; the
manager sees the results."""

from __future__ import annotations

import copy

import pytest
from office_support import PASSWORD, Member
from playwright.sync_api import Page, expect
from sqlalchemy import select
from workflow_support import CSV, PROGRAM

from core.db.models import Organization
from issuer.services.programs import create_program

pytestmark = pytest.mark.browser


def _sign_in(page: Page, server: str, member: Member) -> None:
    page.goto(f"{server}/staff/{member.org}/login")
    page.fill("#email", member.email)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(f"{server}/staff/")


def test_a_session_from_creation_to_results(browser, staff, runtime, live_server, tmp_path):
    manager = staff("manager", name="Marie Gestion")
    evaluator = staff("evaluator", name="Paul Correcteur")
    with runtime.unit() as deps:
        body = deps.session.scalar(select(Organization).where(Organization.slug == "acme"))
        create_program(deps, body, copy.deepcopy(PROGRAM), actor="test")

    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    _sign_in(page, live_server, manager)
    page.get_by_role("link", name="Sessions").first.click()
    page.locator("#new-session").click()
    page.select_option("#program", "SOUD-1")
    page.fill("#name", "Session de décembre")
    page.fill("#starts_on", "2026-12-01")
    page.fill("#ends_on", "2026-12-03")
    page.fill("#place", "Lyon")
    page.select_option("#evaluators", evaluator.email)
    page.get_by_role("button", name="Créer la session").click()
    expect(page.locator(".flash")).to_have_text("La session est créée.")
    expect(page.locator("#session-name")).to_have_text("Session de décembre")
    session_url = page.url

    page.locator("#import-link").click()
    page.set_input_files(
        "#file", files=[{"name": "c.csv", "mimeType": "text/csv", "buffer": CSV.encode()}]
    )
    page.get_by_role("button", name="Importer", exact=True).click()
    expect(page.locator("#import-done")).to_contain_text("3 candidat(s) importé(s).")
    expect(page.locator("#import-progress")).to_have_js_property("value", 100)
    expect(page.locator("#import-percent")).to_have_text("100 %")
    page.screenshot(path=str(tmp_path / "import.png"), full_page=True)

    page.goto(session_url)
    rows = page.locator("#candidates tbody tr")
    expect(rows).to_have_count(3)
    for email in ("ada@example.org", "charles@example.org", "grace@example.org"):
        page.goto(session_url)
        page.locator(f'tr[data-email="{email}"] td.eligibility a').click()
        page.check("#identity_checked")
        page.fill("#identity_document", "passeport")
        page.check("#prerequisite-0")
        page.fill("#attendance", "95")
        page.check("#file_complete")
        page.get_by_role("button", name="Enregistrer la recevabilité").click()
        expect(page.locator("#eligible")).to_have_text("recevable")
        expect(page.locator("#reasons")).to_have_text("Toutes les règles sont respectées.")

    grader = browser.new_context(locale="fr-FR").new_page()
    _sign_in(grader, live_server, evaluator)
    expect(grader.locator("#awaiting")).to_contain_text("3 dossier(s) avec des notes à saisir")
    grader.get_by_role("link", name="3 dossier(s) avec des notes à saisir").click()
    scores = {"ECR": ("14", "8", "12"), "ORA": ("15", "9", "13"), "PRA": ("16", "7", "absent")}
    for code, (ada, charles, grace) in scores.items():
        grader.goto(f"{session_url}/grades/{code}")
        grader.fill('tr[data-email="ada@example.org"] input[inputmode]', ada)
        grader.fill('tr[data-email="charles@example.org"] input[inputmode]', charles)
        if grace == "absent":
            grader.check('tr[data-email="grace@example.org"] input[type=checkbox]')
        else:
            grader.fill('tr[data-email="grace@example.org"] input[inputmode]', grace)
        grader.get_by_role("button", name="Enregistrer les notes").click()
        expect(grader.locator(".flash")).to_have_text("3 note(s) enregistrée(s).")
    grader.context.close()

    page.goto(session_url)
    ada_row = page.locator('tr[data-email="ada@example.org"]')
    expect(ada_row.locator("td.average")).to_have_text("15.33")
    expect(ada_row.locator("td.passed")).to_have_text("admis")
    charles_row = page.locator('tr[data-email="charles@example.org"]')
    expect(charles_row.locator("td.passed")).to_have_text("ajourné")
    expect(page.locator('tr[data-email="grace@example.org"] td.passed')).to_have_text("ajourné")
    page.screenshot(path=str(tmp_path / "results.png"), full_page=True)
    page.goto(f"{live_server}/staff/")
    expect(page.locator("#awaiting")).to_contain_text("Résultats prêts à proposer")
    context.close()

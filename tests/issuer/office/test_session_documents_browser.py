"""A signed session's documents in a real browser (Debian's Chromium driven by Playwright): the
session page's buttons download the jury minutes and the print file, and the documents page
makes a new version of the minutes."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from decision_pages_support import make_team, prepared_session
from documents_support import page_texts
from playwright.sync_api import expect
from session_documents_support import wait_for_documents

pytestmark = pytest.mark.browser


def test_the_session_page_downloads_the_minutes_and_the_print_file(
    browser, staff, runtime, client, clock, live_server, job_worker, tmp_path
) -> None:
    team = make_team(staff, runtime, client)
    session, _ = prepared_session(team)
    workflow = team.workflow
    assert workflow.act(session, "proposal", "manager").status_code == 200
    assert workflow.act(session, "approval", "manager2").status_code == 200
    code = workflow.body.code("signatory", clock.instant + timedelta(seconds=30))
    job_worker.wait(
        workflow.act(session, "signature", "signatory", json={"totp": code}).json["job"]
    )
    wait_for_documents(job_worker)

    manager = team.members["manager"]
    context = browser.new_context(locale="fr-FR", accept_downloads=True)
    page = context.new_page()
    page.goto(f"{live_server}/staff/{manager.org}/login")
    page.fill("#email", manager.email)
    page.fill("#password", manager.password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(f"{live_server}/staff/")

    page.goto(f"{live_server}/staff/sessions/{session}")
    with page.expect_download() as minutes:
        page.get_by_role("link", name="Procès-verbal du jury (PDF)").click()
    assert minutes.value.suggested_filename == "jury-minutes-v1.pdf"
    text = "\n".join(page_texts(Path(minutes.value.path()).read_bytes()))
    assert "Procès-verbal de délibération du jury" in text and "Sam Signatory" in text

    with page.expect_download() as printed:
        page.get_by_role("link", name="Certificats à imprimer (PDF)").click()
    pages = page_texts(Path(printed.value.path()).read_bytes())
    assert len(pages) == 2 and "Grace Brewster Hopper" in pages[0]

    page.locator("#documents-link").click()
    expect(page.locator("#versions tbody tr")).to_have_count(1)
    page.get_by_role("button", name="Établir une nouvelle version du procès-verbal").click()
    expect(page.locator(".flash")).to_have_text(
        "La version 2 du procès-verbal est établie et archivée."
    )
    expect(page.locator("#versions tbody tr")).to_have_count(2)
    page.screenshot(path=str(tmp_path / "documents.png"), full_page=True)
    context.close()

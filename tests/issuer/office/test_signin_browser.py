"""The back office's sign-in in a real browser (Debian's Chromium driven by Playwright): setup
link, password and TOTP, sign-in, dashboard, language switch, sign-out."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from office_support import PASSWORD
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_setup_sign_in_dashboard_and_sign_out(browser, staff, clock, live_server, tmp_path):
    admin = staff("admin", ready=False)
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.goto(f"{live_server}/staff/setup/{admin.setup_token}")
    expect(page.locator("h1")).to_have_text("Activer votre compte")
    expect(page.locator("#totp-qr")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text()
    assert secret == admin.totp_secret
    totp = pyotp.TOTP(secret)  # what the authenticator app computes
    page.fill("#code", totp.at(clock.instant))
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.screenshot(path=str(tmp_path / "setup.png"), full_page=True)
    page.get_by_role("button", name="Activer mon compte").click()

    expect(page).to_have_url(f"{live_server}/staff/acme/login")
    expect(page.locator(".flash")).to_have_text("Votre compte est prêt : connectez-vous.")
    expect(page.locator("#organization")).to_have_value("acme")
    page.fill("#email", admin.email)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Se connecter").click()

    expect(page).to_have_url(f"{live_server}/staff/login/code")
    page.fill("#code", totp.at(clock.instant + timedelta(seconds=30)))
    page.get_by_role("button", name="Valider").click()

    expect(page).to_have_url(f"{live_server}/staff/")
    expect(page.locator("#greeting")).to_have_text("Bonjour Ada Lovelace")
    expect(page.locator("#whoami")).to_have_text("Acme Certification — Administrateur")
    expect(page.locator("#awaiting")).to_contain_text("Rien ne vous attend")
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    page.get_by_role("link", name="EN", exact=True).click()
    expect(page.locator("#greeting")).to_have_text("Hello Ada Lovelace")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server}/staff/login")
    expect(page.locator(".flash")).to_have_text("You are signed out.")
    page.goto(f"{live_server}/staff/")
    expect(page).to_have_url(f"{live_server}/staff/login?next=/staff/")
    context.close()

"""The template editor in a real browser (Debian's Chromium driven by Playwright): a manager
types a template, sees the preview image, sees a broken one refused in red with the text kept,
saves, and the next certificate uses it."""

from __future__ import annotations

import copy

import pytest
from documents_support import page_texts
from office_support import PASSWORD, Member
from playwright.sync_api import Page, expect
from sqlalchemy import select
from workflow_support import PROGRAM

from core.db.models import Organization
from issuer.services.organizations import create_organization
from issuer.services.programs import create_program

pytestmark = pytest.mark.browser

TEMPLATE = "<h1>{{ labels.title }}</h1>\n<p>NAVIGATEUR {{ holder.name }}</p>"


@pytest.fixture
def body_key(runtime, staff) -> str:
    """The API key of the body "acme" (created here; its staff member joins it later)."""
    with runtime.unit() as deps:
        created = create_organization(deps, slug="acme", name="Acme Certification")
    return created.api_key


def _sign_in(page: Page, server: str, member: Member) -> None:
    page.goto(f"{server}/staff/{member.org}/login")
    page.fill("#email", member.email)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(f"{server}/staff/")


def test_type_preview_and_save_a_template(browser, staff, runtime, live_server, body_key, tmp_path):
    manager = staff("manager", name="Marie Gestion")
    with runtime.unit() as deps:
        org = deps.session.scalar(select(Organization).where(Organization.slug == "acme"))
        create_program(deps, org, copy.deepcopy(PROGRAM), actor="test")

    page = browser.new_context(locale="fr-FR").new_page()
    _sign_in(page, live_server, manager)
    page.get_by_role("link", name="Documents").click()
    expect(page.locator("#documents-title")).to_contain_text("Documents de Acme Certification")
    page.locator('#program-list a[href$="/SOUD-1/documents"]').click()
    expect(page.locator("#template-source")).to_contain_text("modèle par défaut de Sceau")

    page.fill("#html", "<p>{% if %}</p>")
    page.get_by_role("button", name="Aperçu").click()
    error = page.locator("#template-error")
    expect(error).to_contain_text("Modèle HTML, ligne 1")
    expect(error).to_have_css("color", "rgb(138, 28, 28)")  # in red
    expect(page.locator("#html")).to_have_value("<p>{% if %}</p>")  # kept to be fixed

    page.fill("#html", TEMPLATE)
    page.fill("#css", "h1 { color: #1f3a68; }")
    page.get_by_role("button", name="Aperçu").click()
    image = page.locator("#preview-image")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.complete && img.naturalWidth") == 910
    expect(page.locator("#preview figcaption")).to_contain_text("le certificat a 1 page(s)")
    page.screenshot(path=str(tmp_path / "preview.png"), full_page=True)

    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.locator(".flash.ok")).to_contain_text("La version 1 du modèle est enregistrée")
    expect(page.locator("#versions tbody tr")).to_have_count(1)
    expect(page.locator("#template-source")).to_contain_text("son propre modèle, version 1")

    issued = page.request.post(
        f"{live_server}/api/v1/credentials",
        data={
            "recipient": {"email": "ada@example.org", "name": "Ada Lovelace"},
            "achievement": {"code": "SOUD-1"},
        },
        headers={"Authorization": f"Bearer {body_key}"},
    )
    assert issued.status == 201, issued.text()
    pdf = page.request.get(issued.json()["id"] + ".pdf")
    assert pdf.status == 200
    assert "NAVIGATEUR Ada Lovelace" in page_texts(pdf.body())[0]

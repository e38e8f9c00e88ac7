"""The public credential page in a real browser (Debian's Chromium driven by Playwright)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_page_shows_a_verified_credential_and_its_downloads(
    issue, browser, client, acme, ada_request, live_server, tmp_path
) -> None:
    issued = issue(acme, ada_request)
    page = browser.new_page()
    page.goto(issued["id"])
    assert page.title() == "Welding, level 1 — Acme Certification"
    verdict = page.locator("#verdict")
    assert "verdict ok" in (verdict.get_attribute("class") or "")
    assert "Authentique" in verdict.inner_text()
    for step in ("parse", "proof", "issuer", "dates", "status"):
        assert page.locator(f'tr[data-step="{step}"]').inner_text().count("✔") == 1
    assert "Ada Lovelace" in page.locator("main").inner_text()
    page.screenshot(path=str(tmp_path / "credential.png"), full_page=True)
    for link, content_type in (("JSON-LD", "application/vc+ld+json"), ("VC-JWT", "text/plain")):
        href = page.get_by_role("link", name=link).get_attribute("href") or ""
        downloaded = page.request.get(page.url.rsplit("/c/", 1)[0] + href)
        assert downloaded.ok and downloaded.headers["content-type"].startswith(content_type)
    assert page.request.get(issued["id"] + ".json").json()["id"] == issued["id"]
    page.close()


def test_page_shows_revocation_and_its_reason(
    issue, browser, client, acme, ada_request, live_server
) -> None:
    issued = issue(acme, ada_request)
    uuid = issued["id"].rsplit("/", 1)[1]
    client.post(
        f"/api/v1/credentials/{uuid}/revoke",
        json={"reason": "Fraude à l'examen"},
        headers=acme.auth,
    )
    page = browser.new_page()
    page.goto(issued["id"])
    assert "verdict ko" in (page.locator("#verdict").get_attribute("class") or "")
    assert "Fraude à l'examen" in page.locator("main").inner_text()
    assert "revoked" in page.locator('tr[data-step="status"]').inner_text()
    page.close()


def test_page_of_a_credential_whose_key_was_compromised_names_no_issuer(
    issue, browser, sceau, acme, ada_request, live_server, runtime
) -> None:
    issued = issue(acme, ada_request)
    kid = issued["credential"]["proof"][0]["verificationMethod"].rsplit("#", 1)[1]
    assert sceau("keys", "compromise", "--org", acme.slug, "--key", kid).exit_code == 0
    page = browser.new_page()
    page.goto(issued["id"])
    assert page.title() == "Certificat non authentique"
    main = page.locator("main").inner_text()
    assert "Falsifié ou altéré" in page.locator("#verdict").inner_text()
    assert "Acme Certification" not in main and "Ada Lovelace" not in main
    assert "key_compromised" in page.locator('tr[data-step="proof"]').inner_text()
    for step in ("issuer", "dates", "status"):
        assert "skipped" in page.locator(f'tr[data-step="{step}"]').inner_text()
    page.close()

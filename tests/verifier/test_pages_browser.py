"""The verifier's home page in a real browser (Debian's Chromium driven by Playwright): every
kind of file uploaded through the page, the paste door, the recipient check, the size check
before sending, the language switch; each reads the verdict on the result page."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

import pypdfium2
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser: Any, live_server: str) -> Any:
    context = browser.new_context(locale="fr-FR")
    opened = context.new_page()
    opened.goto(f"{live_server}/")
    yield opened
    context.close()


@pytest.fixture
def ada(issue: Any, acme: Any, ada_request: dict[str, Any]) -> dict[str, Any]:
    return issue(acme, ada_request)


def _uuid(issued: dict[str, Any]) -> str:
    return str(issued["id"]).rsplit("/", 1)[1]


def _download(client: Any, path: str) -> bytes:
    response = client.get(path)
    assert response.status_code == 200, response.data[:300]
    return bytes(response.data)


def _photo_of_page_one(pdf: bytes) -> bytes:
    """What a phone's camera would send: page 1 of the certificate as a JPEG."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        pdf_page = document[0]
        bitmap = pdf_page.render(scale=150 / 72)
        image = bitmap.to_pil().convert("RGB")
        bitmap.close()
        pdf_page.close()
    finally:
        document.close()
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _upload(page: Any, name: str, mime: str, data: bytes) -> None:
    page.set_input_files("#file", files=[{"name": name, "mimeType": mime, "buffer": data}])
    page.get_by_role("button", name="Vérifier", exact=True).click()


def _verdict(page: Any) -> Any:
    return page.locator("#verdict")


def test_each_kind_of_file_uploaded_through_the_page_is_valid(page, client, ada, tmp_path):
    uuid = _uuid(ada)
    files = [
        ("ada.json", "application/json", json.dumps(ada["credential"]).encode(), "json"),
        ("ada.jwt", "text/plain", _download(client, f"/c/{uuid}.jwt"), "jwt"),
        ("badge.png", "image/png", _download(client, f"/c/{uuid}.png"), "png"),
        ("badge.svg", "image/svg+xml", _download(client, f"/c/{uuid}.svg"), "svg"),
        ("certificate.pdf", "application/pdf", _download(client, f"/c/{uuid}.pdf"), "pdf"),
    ]
    pdf = files[-1][2]
    files.append(("photo.jpg", "image/jpeg", _photo_of_page_one(pdf), "photo"))
    home = page.url
    for name, mime, data, source in files:
        page.goto(home)
        _upload(page, name, mime, data)
        expect(_verdict(page)).to_have_attribute("data-verdict", "valid")
        expect(_verdict(page)).to_contain_text("Valide : ce certificat est authentique")
        expect(page.locator("#holder")).to_have_text("Ada Lovelace")
        expect(page.locator("#certification")).to_contain_text("Welding, level 1")
        expect(page.locator("#issuer-registered")).to_be_visible()
        expect(page.locator('li[data-step="proof"]')).to_have_attribute("data-code", "ok")
        assert page.locator("li.check.ko").count() == 0, (source, page.inner_text("main"))
        page.screenshot(path=str(tmp_path / f"result-{source}.png"), full_page=True)
        # A photo (its QR code) finds the genuine credential: compare it with the paper.
        expect(page.locator("#compare")).to_have_count(1 if source == "photo" else 0)
    # The PDF's own step: its seal and its attachment were checked.
    page.goto(home)
    _upload(page, "certificate.pdf", "application/pdf", pdf)
    expect(page.locator('li[data-step="document"]')).to_have_attribute("data-code", "ok")


def test_a_revoked_credential_uploaded_says_revoked(page, client, acme, ada) -> None:
    revoked = client.post(
        f"/api/v1/credentials/{_uuid(ada)}/revoke", json={"reason": "fraud"}, headers=acme.auth
    )
    assert revoked.status_code == 200
    _upload(page, "ada.json", "application/json", json.dumps(ada["credential"]).encode())
    expect(_verdict(page)).to_have_attribute("data-verdict", "revoked")
    expect(_verdict(page)).to_contain_text("Révoqué")
    expect(page.locator('li[data-step="status"]')).to_have_attribute("data-code", "revoked")


def test_a_tampered_credential_uploaded_is_forged_and_names_nobody(page, ada) -> None:
    forged = json.loads(json.dumps(ada["credential"]))
    forged["credentialSubject"]["name"] = "Mallory Forger"
    _upload(page, "ada.json", "application/json", json.dumps(forged).encode())
    expect(_verdict(page)).to_have_attribute("data-verdict", "forged")
    expect(_verdict(page)).to_contain_text("Altéré ou falsifié")
    main = page.inner_text("main")
    assert "Mallory" not in main and "Acme Certification" not in main
    expect(page.locator("#facts")).to_have_count(0)


def test_a_pasted_jwt_is_verified(page, client, ada) -> None:
    jwt = _download(client, f"/c/{_uuid(ada)}.jwt").decode()
    page.get_by_label("Un certificat JSON, un VC-JWT ou un lien de certificat").fill(jwt)
    page.get_by_role("button", name="Vérifier", exact=True).click()
    expect(_verdict(page)).to_have_attribute("data-verdict", "valid")
    expect(page.locator("main")).to_contain_text("Lu depuis : un VC-JWT.")


def test_a_pasted_credential_link_is_verified(page, ada) -> None:
    page.get_by_label("Un certificat JSON, un VC-JWT ou un lien de certificat").fill(ada["id"])
    page.get_by_role("button", name="Vérifier", exact=True).click()
    expect(_verdict(page)).to_have_attribute("data-verdict", "valid")


def test_the_recipient_check_on_the_result_page(page, ada) -> None:
    _upload(page, "ada.json", "application/json", json.dumps(ada["credential"]).encode())
    expect(_verdict(page)).to_have_attribute("data-verdict", "valid")
    check = page.locator("#recipient-check")
    check.get_by_label("Adresse e-mail du titulaire").fill("ada@example.org")
    check.get_by_role("button", name="Vérifier le titulaire").click()
    expect(page.locator("#recipient-result")).to_have_attribute("data-code", "match")
    expect(page.locator("#recipient-result")).to_contain_text("Correspondance")
    check = page.locator("#recipient-check")  # offered again: another person, another check
    check.get_by_label("Adresse e-mail du titulaire").fill("eve@example.org")
    check.get_by_role("button", name="Vérifier le titulaire").click()
    expect(page.locator("#recipient-result")).to_have_attribute("data-code", "no_match")
    expect(_verdict(page)).to_have_attribute("data-verdict", "valid")


def test_the_recipient_typed_on_the_home_page(page, ada) -> None:
    page.get_by_label("Nom du titulaire").fill("ada lovelace")
    _upload(page, "ada.json", "application/json", json.dumps(ada["credential"]).encode())
    expect(page.locator("#recipient-result")).to_have_attribute("data-code", "match")


def test_a_file_too_large_is_refused_before_sending(page, live_server) -> None:
    limit = int(page.locator("#verify-form").get_attribute("data-max-bytes") or "0")
    assert limit > 0
    requests: list[str] = []
    page.on("request", lambda request: requests.append(f"{request.method} {request.url}"))
    page.set_input_files(
        "#file",
        files=[{"name": "big.pdf", "mimeType": "application/pdf", "buffer": b"%" * (limit + 1)}],
    )
    status = page.locator("#file-status")
    expect(status).to_be_visible()
    expect(status).to_contain_text("Ce fichier est trop volumineux")
    page.get_by_role("button", name="Vérifier", exact=True).click()
    expect(page.locator("#file")).to_be_focused()
    assert page.url == f"{live_server}/"
    assert not [r for r in requests if r.startswith("POST")]


def test_the_language_switch_and_the_keyboard(page, live_server) -> None:
    errors: list[str] = []

    def console(message: Any) -> None:
        # The browser asks for /favicon.ico on its own; the pages have none (yet).
        if message.type == "error" and not message.location["url"].endswith("/favicon.ico"):
            errors.append(f"{message.text} {message.location['url']}")

    page.on("console", console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.reload()  # with the listeners: the scripts run under the CSP without a complaint
    expect(page.locator("h1")).to_have_text("Vérifier un certificat")
    page.get_by_role("link", name="EN", exact=True).click()
    expect(page.locator("h1")).to_have_text("Verify a certificate")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(f"{live_server}/")  # the choice sticks (cookie)
    expect(page.locator("h1")).to_have_text("Verify a certificate")
    # The drop zone is a real file input, reached with the keyboard like every field.
    focused = []
    for _ in range(8):
        page.keyboard.press("Tab")
        focused.append(page.evaluate("document.activeElement.id"))
    assert "file" in focused and "text" in focused
    unlabelled = page.evaluate(
        """[...document.querySelectorAll('input:not([type=hidden]), textarea, select')]
            .filter((field) => field.labels.length === 0).map((field) => field.id)"""
    )
    assert unlabelled == []
    assert errors == []


def test_the_scanner_opens_the_result_of_a_credential_link(page, live_server, ada) -> None:
    # What verify-scan.js does once a QR code is read (no camera here): open /verify?url=...
    page.goto(f"{live_server}/verify?url={ada['id']}")
    expect(_verdict(page)).to_have_attribute("data-verdict", "valid")
    page.get_by_role("link", name="EN", exact=True).click()
    expect(_verdict(page)).to_contain_text("Valid: this certificate is authentic")


def _camera_showing_qr(text: str, path: Any) -> Any:
    """A Y4M video (Chromium's fake camera) of a QR code holding ``text``: what the phone sees."""
    import qrcode
    from PIL import Image

    code = qrcode.make(text, box_size=6, border=4).get_image().convert("L")
    frame = Image.new("L", (640, 480), 255)
    frame.paste(code.resize((400, 400)), (120, 40))
    y = frame.tobytes()
    chroma = bytes([128]) * (320 * 240)  # 4:2:0, grey
    header = b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n"
    path.write_bytes(header + (b"FRAME\n" + y + chroma + chroma) * 3)
    return path


@contextmanager
def _camera_page(browser: Any, video: Any, locale: str = "en-GB") -> Iterator[Any]:
    """A page of a Chromium whose (fake) camera films ``video``, camera access granted."""
    from conftest import CHROMIUM, CHROMIUM_FLAGS

    camera_browser = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=[
            *CHROMIUM_FLAGS,
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        context = camera_browser.new_context(locale=locale, permissions=["camera"])
        yield context.new_page()
        context.close()
    finally:
        camera_browser.close()


def test_the_scanner_reads_a_qr_code_from_the_camera_and_opens_the_result(
    browser, live_server, ada, tmp_path
) -> None:
    video = _camera_showing_qr(ada["id"], tmp_path / "camera.y4m")
    with _camera_page(browser, video) as page:
        fetched: list[str] = []
        page.on("request", lambda request: fetched.append(request.url))
        page.goto(f"{live_server}/")
        has_detector = page.evaluate("'BarcodeDetector' in window")
        assert f"{live_server}/static/vendor/jsqr/jsQR.js" not in fetched  # only when needed
        page.get_by_role("button", name="Open the camera").click()
        expect(page).to_have_url(f"{live_server}/verify?url={quote(ada['id'], safe='')}")
        expect(page.locator("#verdict")).to_have_attribute("data-verdict", "valid")
        # Debian's Chromium has no BarcodeDetector on Linux: the vendored decoder read the code.
        decoder_used = f"{live_server}/static/vendor/jsqr/jsQR.js" in fetched
        assert decoder_used or has_detector


@pytest.mark.parametrize("content", ["javascript:alert(1)", "just some text"])
def test_the_scanner_follows_only_web_addresses(browser, live_server, tmp_path, content) -> None:
    video = _camera_showing_qr(content, tmp_path / "camera.y4m")
    with _camera_page(browser, video) as page:
        page.goto(f"{live_server}/")
        page.get_by_role("button", name="Open the camera").click()
        expect(page.locator("#scan-status")).to_have_text("This QR code holds no web address.")
        assert page.url == f"{live_server}/"
        expect(page.get_by_role("button", name="Close the camera")).to_be_visible()


def test_the_result_prints_without_its_forms_and_switches_language(page, ada) -> None:
    _upload(page, "ada.json", "application/json", json.dumps(ada["credential"]).encode())
    expect(_verdict(page)).to_have_attribute("data-verdict", "valid")
    page.emulate_media(media="print")
    expect(page.locator("#verdict")).to_be_visible()
    expect(page.locator("#checks")).to_be_visible()
    expect(page.locator("#recipient-check")).to_be_hidden()
    expect(page.get_by_role("button", name="Imprimer ce résultat")).to_be_hidden()
    expect(page.locator("header nav.lang")).to_be_hidden()
    page.emulate_media(media="screen")
    # A result reached by POST: the switch opens this service's credential by its link.
    page.get_by_role("link", name="EN", exact=True).click()
    expect(_verdict(page)).to_contain_text("Valid: this certificate is authentic")
    expect(page.locator("#holder")).to_have_text("Ada Lovelace")


def test_a_file_dropped_on_the_zone_is_verified(page, ada) -> None:
    text = json.dumps(ada["credential"])
    dropped = page.evaluate_handle(
        """(text) => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([text], "ada.json", {type: "application/json"}));
            return transfer;
        }""",
        text,
    )
    zone = page.locator("label.dropzone")
    zone.dispatch_event("dragenter", {"dataTransfer": dropped})
    expect(zone).to_have_class(re.compile(r"\bdragging\b"))
    zone.dispatch_event("drop", {"dataTransfer": dropped})
    expect(zone).not_to_have_class(re.compile(r"\bdragging\b"))
    assert page.evaluate("document.getElementById('file').files[0].name") == "ada.json"
    page.get_by_role("button", name="Vérifier", exact=True).click()
    expect(_verdict(page)).to_have_attribute("data-verdict", "valid")

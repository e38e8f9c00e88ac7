"""An employer downloads the certificate PDF from the credential page (Chromium via Playwright)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from documents_support import attachments, check_seal, instance_ca

pytestmark = pytest.mark.browser


def test_the_pdf_downloads_from_the_credential_page_sealed_with_the_credential_inside(
    issue, browser, acme, ada_request, live_server, runtime, tmp_path
) -> None:
    issued = issue(acme, ada_request)
    page = browser.new_page(accept_downloads=True)
    page.goto(issued["id"])
    with page.expect_download() as waiting:
        page.get_by_role("link", name="Certificat PDF").click()
    download = waiting.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    json_served = page.context.request.get(issued["id"] + ".json").body()
    page.close()
    assert download.suggested_filename.endswith(".pdf")
    pdf = path.read_bytes()
    assert pdf.startswith(b"%PDF-")
    # pyHanko runs its own event loop: not in this thread, where Playwright's is running.
    with ThreadPoolExecutor(1) as thread:
        seal = thread.submit(check_seal, pdf, instance_ca(runtime)).result()
    assert seal.intact and seal.valid and seal.coverage == "ENTIRE_FILE"
    assert attachments(pdf)["credential.json"]["data"] == json_served

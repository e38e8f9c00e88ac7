"""The certificate PDF door of POST /api/v1/verify: the seal, the attached credential and the
QR code of page 1 are held against each other (the document step)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from intake_support import (
    issued_pdf,
    seal_with,
    self_made_seal,
    steps,
    unsealed,
    verify_file,
    with_attachments,
)

from core.db.models import Organization
from core.documents.seal_keys import active_seal, open_seal
from core.keys.directory import find_org


@pytest.fixture
def ada(issue: Any, acme: Any, ada_request: dict[str, Any]) -> dict[str, Any]:
    return issue(acme, ada_request)


@pytest.fixture
def ada_pdf(client: Any, ada: dict[str, Any]) -> bytes:
    return issued_pdf(client, ada["id"])


@pytest.fixture
def bob(issue: Any, acme: Any, ada_request: dict[str, Any]) -> dict[str, Any]:
    bob_request = copy.deepcopy(ada_request)
    bob_request["recipient"] = {"email": "bob@example.org", "name": "Bob Martin"}
    return issue(acme, bob_request)


def _document(report: dict[str, Any]) -> dict[str, Any]:
    return next(s for s in report["steps"] if s["id"] == "document")


def test_the_genuine_pdf_is_verified_with_its_document_step(client, ada, ada_pdf) -> None:
    response = verify_file(client, ada_pdf, "whatever.txt")  # the name is not the kind
    assert response.status_code == 200, response.json
    report = response.json
    assert report["source"] == "pdf" and report["verified"] is True, report["steps"]
    assert steps(report)["document"] == "ok" and steps(report)["proof"] == "ok"
    assert report["credential"]["id"] == ada["id"]


def _flip_last_byte_of_page_content(pdf: bytes) -> bytes:
    """One byte of page 1's content stream changed (the last byte of its compressed data:
    the page still draws, QR code included)."""
    import io

    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as document:
        contents = document.pages[0].obj["/Contents"]
        number = (contents[0] if isinstance(contents, pikepdf.Array) else contents).objgen[0]
    start = pdf.index(b"\n%d 0 obj" % number) + 1
    end = pdf.index(b"endstream", start)
    position = end - 1
    while pdf[position : position + 1] in (b"\r", b"\n"):
        position -= 1
    changed = bytes([pdf[position] ^ 0x01])
    return pdf[:position] + changed + pdf[position + 1 :]


def test_one_byte_of_the_page_content_changed_breaks_the_seal(client, ada_pdf) -> None:
    tampered = _flip_last_byte_of_page_content(ada_pdf)
    report = verify_file(client, tampered).json
    assert report["verified"] is False
    document = _document(report)
    assert (document["code"], document["seal"], document["content"]) == (
        "seal_invalid",
        "seal_invalid",
        "ok",
    )
    assert steps(report)["proof"] == "ok"  # the attachment itself is genuine


def _swapped(pdf: bytes, other: dict[str, Any]) -> bytes:
    files = {
        "credential.json": json.dumps(other["credential"]).encode(),
        "credential.jwt": other["jwt"].encode(),
    }
    return with_attachments(pdf, files)


def test_an_attachment_swapped_for_another_genuine_credential_is_a_mismatch(
    client, ada_pdf, bob
) -> None:
    report = verify_file(client, _swapped(ada_pdf, bob)).json
    assert report["verified"] is False
    assert steps(report)["proof"] == "ok"  # Bob's credential is genuine...
    document = _document(report)
    # ...but it is not the credential Ada's certificate names in its QR code.
    assert document["code"] == "attachment_mismatch" and document["seal"] == "seal_invalid"


def test_a_swap_sealed_again_with_the_bodys_own_seal_is_still_a_mismatch(
    client, runtime, acme, ada_pdf, bob
) -> None:
    """Even the body's own seal (an insider, a stolen key) cannot make the swap pass."""
    with runtime.unit() as deps:
        org = find_org(deps.session, acme.slug)
        assert isinstance(org, Organization)
        row = active_seal(deps, org)
        assert row is not None
        seal = open_seal(deps, row)
    forged = seal_with(seal, _swapped(unsealed(ada_pdf), bob))
    report = verify_file(client, forged).json
    document = _document(report)
    assert (document["code"], document["seal"]) == ("attachment_mismatch", "ok")
    assert report["verified"] is False


def test_a_pdf_sealed_again_with_a_self_made_certificate_is_untrusted(client, ada_pdf) -> None:
    forged = seal_with(self_made_seal(), unsealed(ada_pdf))
    report = verify_file(client, forged).json
    assert steps(report)["document"] == "seal_untrusted" and report["verified"] is False


def test_a_pdf_without_seal_says_so(client, ada_pdf) -> None:
    report = verify_file(client, unsealed(ada_pdf)).json
    assert steps(report)["document"] == "no_seal" and report["verified"] is False


def test_a_pdf_sealed_by_another_body_of_this_service_is_untrusted(
    client, create_org, issue, ada_request, ada_pdf, runtime
) -> None:
    """Another body's seal chains to the same instance CA: still not the issuer's seal."""
    other = create_org("other", "Other Body")
    issue(other, ada_request)  # gives the other body its seal certificate
    with runtime.unit() as deps:
        org = find_org(deps.session, "other")
        assert org is not None
        row = active_seal(deps, org)
        assert row is not None
        seal = open_seal(deps, row)
    report = verify_file(client, seal_with(seal, unsealed(ada_pdf))).json
    assert steps(report)["document"] == "seal_untrusted"


def _page_with_qr(text: str | None) -> bytes:
    """A one-page PDF showing a QR code of ``text`` (or a blank page)."""
    import io

    from PIL import Image

    from core.documents.qr import qr_png

    if text is None:
        picture = Image.new("L", (600, 800), 255)
    else:
        code = Image.open(io.BytesIO(qr_png(text)))
        picture = code.resize((code.width * 8, code.height * 8), Image.Resampling.NEAREST)
    out = io.BytesIO()
    picture.save(out, format="PDF")
    return out.getvalue()


@pytest.mark.parametrize("qr", [None, "https://elsewhere.example/c/1", "not a url"])
def test_a_pdf_whose_qr_does_not_name_its_attachment(client, ada, qr) -> None:
    """A genuine credential attached to a page whose QR code is missing or names another."""
    pdf = with_attachments(
        _page_with_qr(qr), {"credential.json": json.dumps(ada["credential"]).encode()}
    )
    report = verify_file(client, pdf).json
    assert steps(report)["proof"] == "ok"
    assert (_document(report)["code"], _document(report)["seal"]) == ("qr_mismatch", "no_seal")
    assert report["verified"] is False


def test_a_pdf_with_the_right_qr_and_attachment_but_no_seal(client, ada) -> None:
    pdf = with_attachments(
        _page_with_qr(ada["id"]), {"credential.json": json.dumps(ada["credential"]).encode()}
    )
    document = _document(verify_file(client, pdf).json)
    assert (document["code"], document["content"]) == ("no_seal", "ok")


def test_a_pdf_without_attached_credential_is_refused_with_400(client) -> None:
    response = verify_file(client, _page_with_qr("https://elsewhere.example/c/1"))
    assert response.status_code == 400 and response.json["error"]["code"] == "no_credential"


def test_a_jwt_attachment_swapped_alone_is_a_mismatch(client, ada_pdf, bob) -> None:
    """credential.json is Ada's, credential.jwt is Bob's: the PDF is not Ada's as issued."""
    report = verify_file(
        client, with_attachments(ada_pdf, {"credential.jwt": bob["jwt"].encode()})
    ).json
    assert steps(report)["proof"] == "ok"
    assert steps(report)["document"] == "attachment_mismatch" and report["verified"] is False


def _page_with_qrs(*texts: str) -> bytes:
    """A one-page PDF showing one QR code per text, side by side."""
    import io

    from PIL import Image

    from core.documents.qr import qr_png

    codes = [Image.open(io.BytesIO(qr_png(t))) for t in texts]
    codes = [c.resize((c.width * 6, c.height * 6), Image.Resampling.NEAREST) for c in codes]
    page = Image.new("L", (sum(c.width for c in codes) + 40, max(c.height for c in codes)), 255)
    x = 0
    for code in codes:
        page.paste(code, (x, 0))
        x += code.width + 40
    out = io.BytesIO()
    page.save(out, format="PDF")
    return out.getvalue()


def test_another_qr_code_beside_the_credentials_is_ignored(client, ada) -> None:
    page = _page_with_qrs(ada["id"], "https://www.linkedin.com/in/ada")
    pdf = with_attachments(page, {"credential.json": json.dumps(ada["credential"]).encode()})
    assert _document(verify_file(client, pdf).json)["content"] == "ok"


def test_a_page_naming_two_of_our_credentials_is_a_qr_mismatch(client, ada, bob) -> None:
    page = _page_with_qrs(ada["id"], bob["id"] + ".json")
    pdf = with_attachments(page, {"credential.json": json.dumps(ada["credential"]).encode()})
    assert _document(verify_file(client, pdf).json)["code"] == "qr_mismatch"

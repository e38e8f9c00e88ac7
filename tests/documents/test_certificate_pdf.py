"""The certificate PDF: sealed over the whole file, PDF/A-3b, the credential attached, the QR."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from documents_support import attachments, catalog, check_seal, first_page_qr_texts, instance_ca

from core.db.models import Document


@pytest.fixture
def issued(issue: Any, acme: Any, ada_request: dict[str, Any]) -> dict[str, Any]:
    body = issue(acme, ada_request)
    return {
        "id": body["id"],
        "uuid": body["id"].rsplit("/", 1)[1],
        "credential": body["credential"],
    }


def _pdf(client: Any, uuid: str) -> bytes:
    response = client.get(f"/c/{uuid}.pdf")
    assert response.status_code == 200, response.data[:300]
    assert response.content_type == "application/pdf"
    return bytes(response.data)


def test_the_pdf_is_sealed_over_the_whole_file_by_the_bodys_seal(client, issued, runtime) -> None:
    pdf = _pdf(client, issued["uuid"])
    seal = check_seal(pdf, instance_ca(runtime))
    assert (seal.intact, seal.valid, seal.trusted) == (True, True, True)
    assert seal.coverage == "ENTIRE_FILE" and seal.modified == "NONE"
    assert seal.subfilter == "/ETSI.CAdES.detached"  # PAdES
    assert "Acme Certification" in seal.signer_subject
    assert "non qualifié" in seal.signer_subject  # the instance's own CA: says so
    assert not seal.timestamped  # B-B without SCEAU_TSA_URL


def test_the_pdf_is_pdfa3b_with_the_credential_and_jwt_attached(client, issued) -> None:
    pdf = _pdf(client, issued["uuid"])
    root = catalog(pdf)
    xmp = root["/Metadata"].get_object().data.decode()
    assert re.search(r'pdfaid:part(="|>)3', xmp) and re.search(r'pdfaid:conformance(="|>)B', xmp)
    intent = root["/OutputIntents"][0].get_object()
    assert intent["/S"] == "/GTS_PDFA1" and "sRGB" in str(intent["/OutputConditionIdentifier"])
    assert intent["/DestOutputProfile"].get_object().data[:4] != b""  # an ICC profile
    files = attachments(pdf)
    assert set(files) == {"credential.json", "credential.jwt"}
    served_json = client.get(f"/c/{issued['uuid']}.json").data
    served_jwt = client.get(f"/c/{issued['uuid']}.jwt").data
    assert files["credential.json"]["data"] == served_json  # byte-identical
    assert files["credential.jwt"]["data"] == served_jwt
    assert files["credential.json"]["subtype"] == "/application/vc+ld+json"
    assert files["credential.json"]["relationship"] == "/Source"
    assert files["credential.jwt"]["relationship"] == "/Source"
    af = root["/AF"]
    listed = {af.raw_get(i).idnum for i in range(len(af))}
    assert {f["ref"].idnum for f in files.values()} == listed
    assert len(af) == 2  # each file once
    # Every font is embedded (PDF/A): a font program stream on each descendant font.
    for page in root["/Pages"]["/Kids"]:
        for font in page.get_object()["/Resources"]["/Font"].values():
            for descendant in font.get_object()["/DescendantFonts"]:
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                assert "/FontFile2" in descriptor or "/FontFile3" in descriptor


def test_the_attached_credential_verifies(client, issued) -> None:
    pdf = _pdf(client, issued["uuid"])
    attached = json.loads(attachments(pdf)["credential.json"]["data"])
    report = client.post("/api/v1/verify", json={"credential": attached}).json
    assert report["verified"] is True, report
    jwt = attachments(pdf)["credential.jwt"]["data"].decode()
    report = client.post("/api/v1/verify", json={"jwt": jwt}).json
    assert report["verified"] is True, report


def test_the_qr_code_reads_as_the_credential_url(client, issued) -> None:
    pdf = _pdf(client, issued["uuid"])
    assert first_page_qr_texts(pdf) == [issued["id"]]


def _signed_ranges(pdf: bytes) -> list[tuple[int, int]]:
    match = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", pdf)
    assert match is not None
    a, b, c, d = (int(x) for x in match.groups())
    assert a == 0 and c + d == len(pdf)  # the two ranges cover everything but the signature
    return [(a, a + b), (c, c + d)]


def _seal_holds(pdf: bytes, root: Any) -> bool:
    try:
        seal = check_seal(pdf, root)
    except Exception:  # a file that no longer parses is not a sealed file either
        return False
    return seal.intact and seal.valid


def test_one_changed_byte_anywhere_in_the_signed_ranges_breaks_the_seal(
    client, issued, runtime
) -> None:
    pdf = _pdf(client, issued["uuid"])
    root = instance_ca(runtime)
    assert _seal_holds(pdf, root)
    (s1, e1), (s2, e2) = _signed_ranges(pdf)
    attached = pdf.find(b"/Type /EmbeddedFile")
    positions = {s1, s1 + 9, (s1 + e1) // 2, attached + 20, e1 - 1, s2, (s2 + e2) // 2, e2 - 1}
    positions |= set(range(s1 + 200, e1, max(1, (e1 - s1) // 23)))
    for position in sorted(positions):
        altered = bytearray(pdf)
        altered[position] ^= 0x01
        assert not _seal_holds(bytes(altered), root), position


def test_the_pdf_is_made_once_archived_and_served_identical(client, issued, runtime) -> None:
    first = client.get(f"/c/{issued['uuid']}.pdf")
    second = client.get(f"/c/{issued['uuid']}.pdf")
    assert first.data == second.data
    assert "immutable" in second.headers["Cache-Control"]
    etag = second.headers["ETag"]
    assert (
        client.get(f"/c/{issued['uuid']}.pdf", headers={"If-None-Match": etag}).status_code == 304
    )
    with runtime.unit() as deps:
        rows = deps.session.query(Document).filter_by(credential_id=issued["uuid"]).all()
    assert [(r.kind, r.size) for r in rows] == [("certificate_pdf", len(first.data))]


def test_an_archived_pdf_changed_on_disk_is_never_served(client, issued, runtime, settings) -> None:
    client.get(f"/c/{issued['uuid']}.pdf")
    with runtime.unit() as deps:
        row = deps.session.query(Document).filter_by(credential_id=issued["uuid"]).one()
    path = settings.archive_dir / row.storage_key
    data = bytearray(path.read_bytes())
    data[-10] ^= 0x20
    path.write_bytes(bytes(data))
    response = client.get(f"/c/{issued['uuid']}.pdf")
    assert response.status_code == 500
    assert bytes(data) not in response.data


def test_an_unknown_credential_has_no_pdf(client) -> None:
    assert client.get("/c/00000000-0000-4000-8000-000000000000.pdf").status_code == 404


def test_the_credential_page_links_to_the_pdf(client, issued) -> None:
    page = client.get(f"/c/{issued['uuid']}", headers={"Accept": "text/html"}).data.decode()
    for extension in ("pdf", "json", "jwt", "png", "svg"):
        assert f'href="/c/{issued["uuid"]}.{extension}"' in page

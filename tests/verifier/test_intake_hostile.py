"""Hostile uploads to POST /api/v1/verify: each is a clear 4xx with the error envelope, never
a 5xx or a hang (pixel bombs, PDF object floods and stream bombs, SVG entities, damage)."""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

import pytest
from intake_support import allocates, never_ends, verify_file
from PIL import Image

from core.intake.sandbox import FileRefused, run_capped


def _refused(response: Any, code: str, status: int = 400) -> None:
    assert response.status_code == status, response.json
    assert response.json["error"]["code"] == code, response.json


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _huge_png(side: int = 20000) -> bytes:
    """A gray PNG of side×side pixels: 400 megapixels of zeros deflated to a few hundred KiB."""
    deflater = zlib.compressobj(9)
    row = bytes(side + 1)
    idat = b"".join(deflater.compress(row) for _ in range(side)) + deflater.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def test_a_20000_by_20000_png_is_refused_unread(client) -> None:
    _refused(verify_file(client, _huge_png()), "image_too_large")


def test_a_jpeg_claiming_huge_dimensions_is_refused(client) -> None:
    out = io.BytesIO()
    Image.new("RGB", (16, 16)).save(out, format="JPEG")
    jpeg = bytearray(out.getvalue())
    sof = jpeg.index(b"\xff\xc0")
    jpeg[sof + 5 : sof + 9] = struct.pack(">HH", 60000, 60000)  # height, width
    _refused(verify_file(client, bytes(jpeg)), "image_too_large")


def test_a_truncated_jpeg_is_unreadable_not_half_read(client) -> None:
    out = io.BytesIO()
    Image.effect_noise((1200, 900), 60).convert("RGB").save(out, format="JPEG")
    _refused(verify_file(client, out.getvalue()[:5000]), "unreadable_image")


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE svg [
 <!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">
<openbadges:credential>&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;</openbadges:credential></svg>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">
<openbadges:credential>&x;</openbadges:credential></svg>"""


@pytest.mark.parametrize("svg", [BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_svg_entities_are_refused(client, svg: bytes) -> None:
    response = verify_file(client, svg, "badge.svg")
    _refused(response, "unreadable_badge")
    assert "root:" not in response.get_data(as_text=True)


def _raw_pdf(objects: list[bytes], page_content: bytes = b"", filters: bytes = b"") -> bytes:
    """A PDF written by hand: a catalog, one page, its content stream, then ``objects``."""
    body = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d %s >>\nstream\n" % (len(page_content), filters)
        + page_content
        + b"\nendstream",
        *objects,
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, obj in enumerate(body, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(body) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(body) + 1,
        xref,
    )
    return bytes(out)


def test_a_pdf_of_a_hundred_thousand_objects_is_refused(client) -> None:
    flood = _raw_pdf([b"null"] * 100_000)
    assert len(flood) < 10 << 20
    _refused(verify_file(client, flood), "pdf_too_complex")


def test_a_zip_bomb_page_content_is_refused_before_drawing(client) -> None:
    deflater = zlib.compressobj(9)
    bomb = b"".join(deflater.compress(b" " * (1 << 20)) for _ in range(512)) + deflater.flush()
    pdf = _raw_pdf([], bomb, b"/Filter /FlateDecode")  # 512 MiB of spaces, deflated
    assert len(pdf) < 1 << 20
    _refused(verify_file(client, pdf), "pdf_too_complex")


def test_page_content_of_megabytes_of_drawing_is_refused_before_drawing(client) -> None:
    """Found by the red team: 44 KB inflating to 15 MB of fill operators (under the old 16 MiB
    budget) kept pdfium drawing for the whole 10 s cap, a sync web worker waiting on it. A
    certificate's page 1 holds some 11 KB of content; the budget is 1 MiB."""
    operators = b"0 0 m 1 1 l 2 0 l f\n" * ((2 << 20) // 20)
    pdf = _raw_pdf([], zlib.compress(operators, 9), b"/Filter /FlateDecode")
    assert len(pdf) < 100_000
    _refused(verify_file(client, pdf), "pdf_too_complex")


def test_a_page_image_of_a_billion_pixels_is_refused(client) -> None:
    pdf = _raw_pdf(
        [
            b"<< /Type /XObject /Subtype /Image /Width 40000 /Height 40000 /BitsPerComponent 8"
            b" /ColorSpace /DeviceGray /Length 0 >>\nstream\n\nendstream"
        ]
    ).replace(b"/Contents 4 0 R >>", b"/Contents 4 0 R /Resources << /XObject << /I 5 0 R >> >> >>")
    response = verify_file(client, pdf)
    # The page dictionary grew: the xref offsets are off, which qpdf repairs.
    _refused(response, "pdf_too_complex")


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"%PDF-1.7\n" + bytes(2000), "pdf_unreadable"),
        (b"\x89PNG\r\n\x1a\n" + b"garbage", "unreadable_badge"),
        (bytes(range(256)) * 8, "unsupported_file"),
        (b"just some words", "unsupported_file"),
        (b"<html><body>hello</body></html>", "unreadable_badge"),
    ],
)
def test_damaged_or_unknown_files_are_400(client, data: bytes, code: str) -> None:
    _refused(verify_file(client, data), code)


def test_an_empty_form_is_400(client) -> None:
    _refused(client.post("/api/v1/verify", data={"text": " "}), "not_a_credential")


def test_a_parser_stuck_or_starved_costs_only_its_child_process() -> None:
    with pytest.raises(FileRefused, match="took more than 1 s") as stuck:
        run_capped(never_ends, b"", timeout=1)
    assert stuck.value.code == "file_too_complex"
    with pytest.raises(FileRefused) as starved:
        run_capped(allocates, b"")
    assert starved.value.code == "file_too_complex"
    assert run_capped(len, b"abc") == 3  # and the next file is read by a fresh child


def test_a_huge_svg_is_read_in_the_capped_child_not_the_web_worker(client, monkeypatch) -> None:
    """Found by the red team: an 8 MB SVG of two million elements took 2.7 s and ~200 MB of
    the web worker's own memory; PDFs and photos were already read in the capped child."""
    import core.intake.verify as intake_verify

    read_in_child: list[str] = []

    def spy(work: Any, data: bytes, **kwargs: Any) -> Any:
        read_in_child.append(work.__name__)
        return run_capped(work, data, **kwargs)

    monkeypatch.setattr(intake_verify, "run_capped", spy)
    svg = b"<svg xmlns='http://www.w3.org/2000/svg'>" + b"<g/>" * 2_000_000 + b"</svg>"
    response = verify_file(client, svg, filename="badge.svg")
    assert response.status_code == 400, response.data[:300]
    assert response.json["error"]["code"] in ("no_credential", "unreadable_badge")
    assert read_in_child == ["svg_credential"]


def _form_pdf(page_draws: int, levels: int) -> bytes:
    """Page 1 draws form 1 ``page_draws`` times; each form draws the next as often; the last
    fills the page twenty times: page_draws ** levels * 20 fills from a few hundred bytes."""
    fill = b"0 0 m 600 800 l 600 0 l 0 800 l f\n" * 20
    draw = b"/F Do\n" * page_draws
    forms = []
    for level in range(levels):
        last = level == levels - 1
        body = fill if last else draw
        resources = b"" if last else b" /Resources << /XObject << /F %d 0 R >> >>" % (6 + level)
        forms.append(
            b"<< /Type /XObject /Subtype /Form /BBox [0 0 600 800]%s /Length %d >>\nstream\n"
            % (resources, len(body))
            + body
            + b"\nendstream"
        )
    return _raw_pdf(forms, draw).replace(
        b"/Contents 4 0 R >>", b"/Contents 4 0 R /Resources << /XObject << /F 5 0 R >> >> >>"
    )


@pytest.mark.parametrize(("page_draws", "levels"), [(20_000, 1), (100, 2), (30, 3)])
def test_forms_drawn_thousands_of_times_are_refused_before_drawing(
    client, page_draws: int, levels: int
) -> None:
    """Found by the red team (round 3): the content budget counted each stream once, not how
    often it is drawn, and forms inside forms not at all: 864 bytes held a worker for 10 s."""
    pdf = _form_pdf(page_draws, levels)
    assert len(pdf) < 200_000
    _refused(verify_file(client, pdf), "pdf_too_complex")


def test_page_content_of_thousands_of_paintings_is_refused_before_drawing(client) -> None:
    """Found by the red team (round 4): 3,000 full-page fills (1.5 KB, far under the operator
    budget) took 6.4 s to draw at the QR search's resolution; painting is counted apart."""
    fills = b"0 0 m 600 800 l 600 0 l 0 800 l f\n" * 3000
    pdf = _raw_pdf([], zlib.compress(fills, 9), b"/Filter /FlateDecode")
    _refused(verify_file(client, pdf), "pdf_too_complex")


def test_annotation_appearances_count_in_the_drawing_budget(client) -> None:
    """Found by the red team (round 4): pdfium draws page 1's annotations' appearance streams,
    which the budget did not count: forms nested 100 x 100 x 100 inside one drew for 10 s."""
    pdf = _form_pdf(100, 3).replace(
        b"/Contents 4 0 R /Resources << /XObject << /F 5 0 R >> >> >>",
        b"/Contents 4 0 R /Annots [<< /Type /Annot /Subtype /Square /Rect [0 0 600 800]"
        b" /AP << /N 5 0 R >> >>] >>",
    )
    _refused(verify_file(client, pdf), "pdf_too_complex")

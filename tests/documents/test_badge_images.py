"""Uploaded badge images are checked by content; the default badge; SVG <-> PNG."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from core.documents.baking import BadgeImageError, bake_png, unbake_svg
from core.documents.default_badge import default_badge_svg, initials
from core.documents.images import MAX_IMAGE_BYTES, PNG, SVG, check_image
from core.documents.png import SIGNATURE, encode_chunk, read_chunks
from core.documents.raster import png_to_svg, svg_to_png

SVG_OPEN = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'


def png_bytes(size: tuple[int, int] = (64, 64), mode: str = "RGBA", **save: object) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "#336699").save(out, "PNG", **save)
    return out.getvalue()


def test_a_png_is_accepted_and_written_again_without_its_ancillary_chunks() -> None:
    original = png_bytes()
    iend = original.rindex(b"IEND") - 4
    with_text = (
        original[:iend] + encode_chunk(b"tEXt", b"Comment\x00secret location") + original[iend:]
    )
    baked = bake_png(with_text, '{"old": true}')
    checked = check_image(baked, PNG)
    assert (checked.media_type, checked.width, checked.height) == (PNG, 64, 64)
    types = {c.type for c in read_chunks(checked.data, len(checked.data))}
    assert b"tEXt" not in types and b"iTXt" not in types
    assert (
        Image.open(io.BytesIO(checked.data)).tobytes() == Image.open(io.BytesIO(original)).tobytes()
    )


def test_transparency_of_a_palette_png_survives() -> None:
    out = io.BytesIO()
    Image.new("P", (8, 8), 0).save(out, "PNG", transparency=0)
    checked = check_image(out.getvalue(), PNG)
    assert Image.open(io.BytesIO(checked.data)).info.get("transparency") == 0


@pytest.mark.parametrize(
    ("data", "media_type", "reason"),
    [
        (b"", PNG, "empty"),
        (b"x" * (MAX_IMAGE_BYTES + 1), PNG, "at most 1048576 bytes"),
        (png_bytes(), "image/gif", "image/png or image/svg"),
        (png_bytes((2049, 10), mode="L"), PNG, "at most 2048×2048"),
        (png_bytes((10, 3000), mode="L"), PNG, "at most 2048×2048"),
        (b"GIF89a....", PNG, "not a PNG"),
        (png_bytes(), SVG, "UTF-8"),
        (f"{SVG_OPEN}/>".encode(), PNG, "not a PNG"),
    ],
)
def test_bad_images_are_refused(data: bytes, media_type: str, reason: str) -> None:
    with pytest.raises(BadgeImageError, match=reason):
        check_image(data, media_type)


def test_a_png_with_damaged_pixels_is_refused() -> None:
    data = bytearray(png_bytes((200, 200), mode="RGB"))
    chunks = read_chunks(bytes(data), len(data))
    idat = next(c for c in chunks if c.type == b"IDAT")
    # Garble the compressed pixels and give the chunk a right CRC: only decoding can tell.
    data[idat.data_start + 2 : idat.data_end] = b"\x00" * (idat.data_end - idat.data_start - 2)
    fixed = encode_chunk(b"IDAT", bytes(data[idat.data_start : idat.data_end]))
    damaged = bytes(data[: idat.start]) + fixed + bytes(data[idat.end :])
    with pytest.raises(BadgeImageError, match="pixel data is corrupt"):
        check_image(damaged, PNG)


def test_an_animated_png_is_refused() -> None:
    out = io.BytesIO()
    frames = [Image.new("RGB", (8, 8), c) for c in ("red", "blue")]
    frames[0].save(out, "PNG", save_all=True, append_images=frames[1:])
    with pytest.raises(BadgeImageError, match="animated"):
        check_image(out.getvalue(), PNG)


GOOD_SVG = (
    f'{SVG_OPEN} viewBox="0 0 100 80"><defs><linearGradient id="g"/></defs>'
    '<style>.a { fill: url(#g) }</style><rect class="a" width="100" height="80"/>'
    '<use href="#g"/><image xlink:href="data:image/png;base64,iVBORw0KGgo="/></svg>'
)


def test_an_inert_svg_is_accepted_as_uploaded() -> None:
    checked = check_image(GOOD_SVG.encode(), SVG)
    assert (checked.data, checked.width, checked.height) == (GOOD_SVG.encode(), 100.0, 80.0)
    exported = (
        f'{SVG_OPEN} xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"'
        ' inkscape:export-filename="C:\\badges\\b.png" viewBox="0 0 1 1"/>'
    )
    assert check_image(exported.encode(), SVG).width == 1.0  # an editor's path, not CSS
    w3c_dtd = (
        '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">'
    )
    assert check_image(f'{w3c_dtd}{SVG_OPEN} viewBox="0 0 1 1"/>'.encode(), SVG).height == 1.0
    sized = f'{SVG_OPEN} width="300px" height="200"/>'.encode()
    assert (check_image(sized, SVG).width, check_image(sized, SVG).height) == (300.0, 200.0)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("<script>alert(1)</script>", "<script>"),
        ('<a xlink:href="javascript:alert(1)"><rect/></a>', "links outside"),
        ('<image href="https://tracker.example/p.png"/>', "links outside"),
        ('<use xlink:href="other.svg#x"/>', "links outside"),
        ('<image href="data:image/svg+xml;base64,PHN2Zy8+"/>', "links outside"),
        ('<rect onclick="alert(1)"/>', "event attribute"),
        (
            '<foreignObject><div xmlns="http://www.w3.org/1999/xhtml"/></foreignObject>',
            "foreignObject",
        ),
        ('<rect style="fill: url(https://x.example/a.svg#p)"/>', "refer outside"),
        ('<rect fill="url(http://x.example/#g)"/>', "refer outside"),
        ("<style>@import url(https://x.example/a.css);</style>", "load or run"),
        # CSS escapes spell url( or @import without the letters (found by the red team).
        ("<style>rect { fill: u\\72l(https://x.example/a.svg#p) }</style>", "escape"),
        ('<rect style="fill: \\75 rl(https://x.example/#g)"/>', "escape"),
        ("<style>@\\69mport 'https://x.example/a.css';</style>", "escape"),
        ('<set attributeName="xlink:href" to="javascript:alert(1)"/>', "animates a link"),
        (
            '<openbadges:credential xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">'
            "{}</openbadges:credential>",
            "already carries",
        ),
    ],
)
def test_svgs_that_could_run_or_fetch_something_are_refused(body: str, reason: str) -> None:
    svg = f'{SVG_OPEN} viewBox="0 0 10 10">{body}</svg>'
    with pytest.raises(BadgeImageError, match=reason):
        check_image(svg.encode(), SVG)


@pytest.mark.parametrize(
    ("svg", "reason"),
    [
        (
            f'<?xml version="1.0" encoding="ISO-8859-1"?>{SVG_OPEN} viewBox="0 0 1 1"/>',
            "UTF-8",
        ),
        (
            '<!DOCTYPE svg [<!ATTLIST svg onload CDATA "alert(1)">]>'
            f'{SVG_OPEN} viewBox="0 0 1 1"/>',
            "internal subset",
        ),
        (
            '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "https://x.example/evil.dtd">'
            f'{SVG_OPEN} viewBox="0 0 1 1"/>',
            "DTD",
        ),
        (
            f'<?xml-stylesheet href="https://x.example/s.css"?>{SVG_OPEN} viewBox="0 0 1 1"/>',
            "style sheet",
        ),
        (f"{SVG_OPEN}/>", "viewBox"),
        (f'{SVG_OPEN} viewBox="0 0 0 10"/>', "viewBox"),
        (f'{SVG_OPEN} width="100%" height="100%"/>', "viewBox"),
        (f'{SVG_OPEN} viewBox="0 0 1000 1"/>', "viewBox"),
        (f'{SVG_OPEN} xmlns:openbadges="urn:x" viewBox="0 0 1 1"/>', "another namespace"),
    ],
)
def test_svgs_refused_for_their_form(svg: str, reason: str) -> None:
    data = svg.encode("latin-1") if "ISO-8859-1" in svg else svg.encode()
    with pytest.raises(BadgeImageError, match=reason):
        check_image(data, SVG)
    with pytest.raises(BadgeImageError):
        check_image(svg.encode("utf-16"), SVG)


# --- the default badge ------------------------------------------------------------------------


def test_initials_skip_small_words() -> None:
    assert initials("Académie Démo") == "AD"
    assert initials("Centre de Formation aux Métiers de la Soudure") == "CFM"
    assert initials("Sceau") == "S"
    assert initials("l'École des Arts") == "ÉA"
    assert initials("123 !!!") == "✓"


def test_the_default_badge_is_deterministic_and_inert() -> None:
    first = default_badge_svg('Acme <Certification> & "Co"', "acme")
    assert first == default_badge_svg('Acme <Certification> & "Co"', "acme")
    palettes = {default_badge_svg("Acme", key).split('fill="', 1)[1][:7] for key in "abcdefgh"}
    assert len(palettes) > 1  # bodies get different colours
    assert "&lt;Certification&gt; &amp;" in first and "<Certification>" not in first
    checked = check_image(first.encode(), SVG)  # our own upload rules hold for it
    assert (checked.width, checked.height) == (512.0, 512.0)
    long_name = "Institut National de la Formation Professionnelle " * 3
    assert "…" in default_badge_svg(long_name, "x")
    assert default_badge_svg("\x00\x07", "slug").count("slug") >= 1  # nothing printable: the key


def test_svg_to_png_draws_the_default_badge() -> None:
    png = svg_to_png(default_badge_svg("Académie Démo", "demo").encode(), 512, 512)
    image = Image.open(io.BytesIO(png))
    assert (image.format, image.size, image.mode) == ("PNG", (512, 512), "RGBA")
    assert image.getpixel((0, 0))[3] == 0  # transparent around the seal
    assert image.getpixel((256, 40))[3] == 255  # the seal itself
    wide = Image.open(io.BytesIO(svg_to_png(GOOD_SVG.encode(), 100, 80)))
    assert wide.size == (512, 410)


def test_external_urls_are_never_fetched_while_drawing() -> None:
    # Not an upload (those are refused before): the drawing itself fetches nothing either.
    svg = f'{SVG_OPEN} viewBox="0 0 10 10"><image href="http://127.0.0.1:9/x.png"/></svg>'
    png = svg_to_png(svg.encode(), 10, 10)
    assert Image.open(io.BytesIO(png)).size == (512, 512)


def test_png_to_svg_embeds_the_png_and_passes_the_upload_rules() -> None:
    png = png_bytes((40, 20))
    svg = png_to_svg(png, 40, 20)
    checked = check_image(svg.encode(), SVG)
    assert (checked.width, checked.height) == (40.0, 20.0)
    assert unbake_svg(svg.encode()) is None


def _hand_made_png(width: int, height: int, raw: bytes, interlace: int = 0) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, interlace)  # 8-bit grey
    return (
        SIGNATURE
        + encode_chunk(b"IHDR", header)
        + encode_chunk(b"IDAT", zlib.compress(raw))
        + encode_chunk(b"IEND", b"")
    )


def test_pixel_data_must_match_the_header() -> None:
    rows = b"".join(b"\x00" + bytes(range(i, i + 10)) for i in range(10))
    assert check_image(_hand_made_png(10, 10, rows), PNG).width == 10
    with pytest.raises(BadgeImageError, match="incomplete"):
        check_image(_hand_made_png(10, 10, rows[:-1]), PNG)
    with pytest.raises(BadgeImageError, match="larger than its size"):
        check_image(_hand_made_png(10, 10, rows * 400), PNG)  # a small bomb
    with pytest.raises(BadgeImageError, match="corrupt"):
        check_image(_hand_made_png(10, 10, b"\x07" + rows[1:]), PNG)  # filter type 7


def test_an_interlaced_png_is_checked_pass_by_pass() -> None:
    # (width, height) of each of the seven Adam7 passes of a 3×3 image; two are empty.
    shapes = [(1, 1), (0, 1), (1, 0), (1, 1), (2, 1), (1, 2), (3, 1)]
    raw = b"".join((b"\x00" + b"\x80" * w) * h for w, h in shapes if w and h)
    checked = check_image(_hand_made_png(3, 3, raw, interlace=1), PNG)
    assert (checked.width, checked.height) == (3, 3)
    assert Image.open(io.BytesIO(checked.data)).getpixel((1, 1)) == 128


def _use_bomb(levels: int, fan_out: int) -> bytes:
    groups = ['<g id="a0"><rect width="1" height="1"/></g>']
    for level in range(1, levels + 1):
        uses = "".join(f'<use href="#a{level - 1}"/>' for _ in range(fan_out))
        groups.append(f'<g id="a{level}">{uses}</g>')
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><defs>'
        + "".join(groups)
        + f'</defs><use href="#a{levels}"/></svg>'
    ).encode()


def test_nested_use_copies_are_refused() -> None:
    """Found by the red team: 1 KB of nested <use> (ten of ten of ...) hung the renderer."""
    with pytest.raises(BadgeImageError, match="<use>"):
        check_image(_use_bomb(5, 10), SVG)
    with pytest.raises(BadgeImageError, match="<use>"):
        check_image(_use_bomb(1, 60), SVG)  # too many, even flat
    fine = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><defs><g id="d">'
        '<rect width="1" height="1"/></g></defs><use href="#d"/><use href="#d" x="2"/></svg>'
    )
    assert check_image(fine.encode(), SVG).media_type == SVG  # a few plain copies are fine

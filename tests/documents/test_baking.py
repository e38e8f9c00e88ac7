"""Baking and unbaking credentials in PNG and SVG: round trips (hypothesis) and hostile images."""

from __future__ import annotations

import contextlib
import io
import json
import struct
import zlib
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from core.documents.baking import (
    OB_NAMESPACE,
    BadgeImageError,
    bake_png,
    bake_svg,
    unbake_png,
    unbake_svg,
)
from core.documents.png import SIGNATURE, encode_chunk, read_chunks

SVG_NS = 'xmlns="http://www.w3.org/2000/svg"'
# Reproducible runs, nothing written beside the sources (as the other property tests).
PROPERTY: dict[str, Any] = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow],
}


def _png(size: tuple[int, int] = (32, 24), extra: Sequence[tuple[bytes, bytes]] = ()) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (200, 30, 60, 255)).save(out, "PNG")
    data = out.getvalue()
    if not extra:
        return data
    iend = data.rindex(b"IEND") - 4
    return data[:iend] + b"".join(encode_chunk(n, p) for n, p in extra) + data[iend:]


BASE_PNG = _png()


def _itxt(
    text: bytes, *, keyword: bytes = b"openbadgecredential", compressed: bool = False
) -> bytes:
    body = zlib.compress(text) if compressed else text
    return keyword + b"\x00" + (b"\x01\x00" if compressed else b"\x00\x00") + b"\x00\x00" + body


# --- what the spec asks ------------------------------------------------------------------------


def test_a_baked_png_carries_one_uncompressed_itxt_chunk_before_iend() -> None:
    baked = bake_png(BASE_PNG, '{"id": "urn:x"}')
    chunks = read_chunks(baked, len(baked))
    names = [c.type for c in chunks]
    assert names[-2:] == [b"iTXt", b"IEND"]
    payload = baked[chunks[-2].data_start : chunks[-2].data_end]
    # keyword, NUL, compression flag 0, method 0, empty language tag, empty translated keyword
    assert payload == b'openbadgecredential\x00\x00\x00\x00\x00{"id": "urn:x"}'
    # the image itself is untouched
    image = Image.open(io.BytesIO(baked))
    assert image.tobytes() == Image.open(io.BytesIO(BASE_PNG)).tobytes()
    assert image.info["openbadgecredential"] == '{"id": "urn:x"}'


def test_baking_again_replaces_the_credential() -> None:
    twice = bake_png(bake_png(BASE_PNG, '{"a": 1}'), '{"b": 2}')
    assert unbake_png(twice) == '{"b": 2}'
    assert [c.type for c in read_chunks(twice, len(twice))].count(b"iTXt") == 1
    svg = f"<svg {SVG_NS}><rect/></svg>"
    again = bake_svg(bake_svg(svg, '{"a": 1}'), '{"b": 2}')
    assert unbake_svg(again.encode()) == '{"b": 2}' and again.count("openbadges:credential") == 2


def test_a_baked_svg_declares_the_namespace_and_puts_the_credential_first() -> None:
    svg = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<!-- art -->\n'
        f'<svg {SVG_NS} viewBox="0 0 9 9"><circle r="4"/></svg>\n'
    )
    baked = bake_svg(svg, '{"x": "]]> and </openbadges:credential>"}')
    assert baked.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<!-- art -->\n<svg ')
    assert f'xmlns:openbadges="{OB_NAMESPACE}"><openbadges:credential><![CDATA[' in baked
    assert baked.endswith('<circle r="4"/></svg>\n')
    assert unbake_svg(baked.encode()) == '{"x": "]]> and </openbadges:credential>"}'


def test_an_empty_root_and_a_prefixed_root_can_be_baked() -> None:
    for svg in (f"<svg {SVG_NS}/>", '<s:svg xmlns:s="http://www.w3.org/2000/svg"></s:svg>'):
        assert unbake_svg(bake_svg(svg, "{}").encode()) == "{}"


def test_the_jwt_form_is_read_from_the_verify_attribute() -> None:
    svg = (
        f'<svg {SVG_NS} xmlns:openbadges="{OB_NAMESPACE}">'
        '<openbadges:credential verify="aaa.bbb.ccc"></openbadges:credential></svg>'
    )
    assert unbake_svg(svg.encode()) == "aaa.bbb.ccc"


def test_images_without_a_credential_unbake_to_none() -> None:
    assert unbake_png(BASE_PNG) is None
    assert unbake_png(_png(extra=[(b"tEXt", b"Comment\x00hello")])) is None
    assert unbake_svg(f"<svg {SVG_NS}><g/></svg>".encode()) is None
    empty = f'<svg {SVG_NS} xmlns:openbadges="{OB_NAMESPACE}"><openbadges:credential/></svg>'
    assert unbake_svg(empty.encode()) is None


# --- round trips ------------------------------------------------------------------------------

_xml_text = st.text(
    st.characters(codec="utf-8", exclude_characters="\ufffe\uffff"), max_size=40
) | st.sampled_from(["]]>", "]]]]>", "</openbadges:credential>", "<![CDATA[", "&amp;", "\r\n"])
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | _xml_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_xml_text, inner, max_size=4),
    max_leaves=20,
)
_bases = st.sampled_from(
    [
        f"<svg {SVG_NS}/>",
        f'<?xml version="1.0"?><svg {SVG_NS} width="10" height="10"><g><rect/></g></svg>',
        f"\ufeff<!-- c --><svg {SVG_NS}\n  viewBox='0 0 1 1'\n><![CDATA[x]]><?pi y?></svg>",
        f'<svg {SVG_NS} xmlns:openbadges="{OB_NAMESPACE}"><openbadges:credential>'
        "<![CDATA[old]]></openbadges:credential><path d='M0 0'/></svg>",
    ]
)


@settings(max_examples=300, **PROPERTY)
@given(text=st.text(st.characters(codec="utf-8"), max_size=300))
def test_png_round_trip(text: str) -> None:
    baked = bake_png(BASE_PNG, text)
    assert unbake_png(baked) == text
    assert unbake_png(bake_png(baked, text + "!")) == text + "!"


@settings(max_examples=300, **PROPERTY)
@given(value=_json, base=_bases)
def test_svg_round_trip(value: Any, base: str) -> None:
    text = json.dumps(value, ensure_ascii=False, indent=2)
    baked = bake_svg(base, text)
    assert unbake_svg(baked.encode("utf-8")) == text
    assert unbake_svg(bake_svg(baked, "{}").encode("utf-8")) == "{}"


def test_text_an_svg_cannot_carry_is_refused_when_baking() -> None:
    for text in ('{"a": "\ufffe"}', '{"a": "\x01"}', "{\r}"):
        with pytest.raises(BadgeImageError, match="cannot carry"):
            bake_svg(f"<svg {SVG_NS}/>", text)


# --- hostile PNGs -----------------------------------------------------------------------------


def _corrupt_crc(data: bytes) -> bytes:
    return data[:-5] + bytes([data[-5] ^ 1]) + data[-4:]


BAKED = bake_png(BASE_PNG, '{"id": "urn:x"}')
IEND_AT = BAKED.rindex(b"IEND") - 4


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"GIF89a" + b"\x00" * 40, "not a PNG"),
        (SIGNATURE, "truncated"),
        (BAKED[: IEND_AT - 3], "truncated"),  # cut inside the credential chunk
        (BAKED[:IEND_AT], "truncated"),  # no IEND
        (BAKED + b"trailing", "after its IEND"),
        (BAKED[:IEND_AT] + b"\xff\xff\xff\xffIEND", "impossible length"),
        (BAKED[:IEND_AT] + b"\x00\x00\x00\x00I\x00ND\xaeB`\x82", "invalid type"),
        (_corrupt_crc(BAKED[:IEND_AT]) + BAKED[IEND_AT:], "CRC"),
        (SIGNATURE + BAKED[BAKED.index(b"IDAT") - 4 :], "IHDR"),
    ],
)
def test_malformed_pngs_are_refused(data: bytes, reason: str) -> None:
    with pytest.raises(BadgeImageError, match=reason):
        unbake_png(data)


def test_two_credentials_in_one_png_are_refused() -> None:
    twice = _png(extra=[(b"iTXt", _itxt(b'{"a":1}')), (b"iTXt", _itxt(b'{"b":2}'))])
    with pytest.raises(BadgeImageError, match="more than one"):
        unbake_png(twice)


def test_a_decompression_bomb_is_refused_without_inflating_it() -> None:
    bomb = zlib.compress(b" " * (64 << 20), 9)  # 64 MiB of spaces in ~64 KiB
    itxt = _png(extra=[(b"iTXt", b"openbadgecredential\x00\x01\x00\x00\x00" + bomb)])
    with pytest.raises(BadgeImageError, match="inflates past"):
        unbake_png(itxt)
    ztxt = _png(extra=[(b"zTXt", b"openbadgecredential\x00\x00" + bomb)])
    with pytest.raises(BadgeImageError, match="iTXt"):
        unbake_png(ztxt)
    # a bomb under another keyword is never inflated at all
    other = _png(extra=[(b"zTXt", b"Comment\x00\x00" + bomb), (b"iTXt", _itxt(b"{}"))])
    assert unbake_png(other) == "{}"


def test_a_small_compressed_credential_is_read() -> None:
    assert unbake_png(_png(extra=[(b"iTXt", _itxt(b'{"z": 1}', compressed=True))])) == '{"z": 1}'


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"openbadgecredential\x00", "truncated"),
        (b"openbadgecredential\x00\x00\x00no separators", "malformed"),
        (b"openbadgecredential\x00\x02\x00\x00\x00{}", "unknown compression"),
        (b"openbadgecredential\x00\x01\x00\x00\x00not zlib", "corrupt"),
        (b"openbadgecredential\x00\x00\x00\x00\x00\xff\xfe", "not UTF-8"),
    ],
)
def test_malformed_credential_chunks_are_refused(payload: bytes, reason: str) -> None:
    with pytest.raises(BadgeImageError, match=reason):
        unbake_png(_png(extra=[(b"iTXt", payload)]))


def test_size_caps() -> None:
    with pytest.raises(BadgeImageError, match="larger than 100 bytes"):
        unbake_png(BAKED, max_bytes=100)
    with pytest.raises(BadgeImageError, match="larger than 100 bytes"):
        unbake_svg(bake_svg(f"<svg {SVG_NS}/>", "x" * 200).encode(), max_bytes=100)
    huge = "x" * ((1 << 20) + 1)
    with pytest.raises(BadgeImageError, match="larger than"):
        unbake_png(bake_png(BASE_PNG, huge))


@settings(max_examples=300, **PROPERTY)
@given(
    cuts=st.lists(st.tuples(st.integers(0, len(BAKED) - 1), st.integers(0, 255)), max_size=4),
    end=st.integers(0, len(BAKED)),
)
def test_damaged_pngs_give_a_clear_error_or_a_result(cuts: list[tuple[int, int]], end: int) -> None:
    data = bytearray(BAKED)
    for index, value in cuts:
        data[index] = value
    try:
        result = unbake_png(bytes(data[:end]))
    except BadgeImageError:
        return
    assert result is None or isinstance(result, str)


# --- hostile SVGs -----------------------------------------------------------------------------

BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "lollollollollol">'
    + b"".join(
        b'<!ENTITY %s "%s">' % (bytes([98 + i]), b"&%s;" % bytes([97 + i]) * 10) for i in range(9)
    )
    + b"]><svg "
    + SVG_NS.encode()
    + b"><text>&j;</text></svg>"
)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (BILLION_LAUGHS, "entities"),
        (
            b'<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>',
            "entities",
        ),
        (
            b'<!DOCTYPE svg [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]>'
            b'<svg xmlns="http://www.w3.org/2000/svg"/>',
            "entities",
        ),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><g></svg>', "well-formed"),
        (b'<svg xmlns="http://www.w3.org/2000/svg">&undefined;</svg>', "well-formed"),
        (b"\xff\xfe<\x00s\x00", "well-formed"),
        (b"<html><body/></html>", "not an SVG"),
        (b"<svg><g/></svg>", "not an SVG"),  # no SVG namespace
    ],
)
def test_hostile_or_broken_svgs_are_refused(data: bytes, reason: str) -> None:
    with pytest.raises(BadgeImageError, match=reason):
        unbake_svg(data)
    with pytest.raises(BadgeImageError):
        bake_svg(data.decode("utf-8", "replace"), "{}")


def test_an_external_dtd_is_never_fetched() -> None:
    # 127.0.0.1:9 (discard) would hang or fail a fetch; the DTD is simply not read.
    svg = (
        b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://127.0.0.1:9/svg11.dtd">'
        b'<svg xmlns="http://www.w3.org/2000/svg"/>'
    )
    assert unbake_svg(svg) is None
    assert unbake_svg(bake_svg(svg.decode(), "{}").encode()) == "{}"


def test_two_credentials_or_a_nested_one_are_refused() -> None:
    two = (
        f'<svg {SVG_NS} xmlns:openbadges="{OB_NAMESPACE}"><openbadges:credential>a'
        "</openbadges:credential><g><openbadges:credential>b</openbadges:credential></g></svg>"
    )
    with pytest.raises(BadgeImageError, match="more than one"):
        unbake_svg(two.encode())
    with pytest.raises(BadgeImageError, match="inside its drawing"):
        bake_svg(two, "{}")


def test_the_openbadges_prefix_bound_elsewhere_is_refused() -> None:
    with pytest.raises(BadgeImageError, match="another namespace"):
        bake_svg(f'<svg {SVG_NS} xmlns:openbadges="urn:other"/>', "{}")


def test_deep_nesting_is_read_without_crashing() -> None:
    deep = b"<svg " + SVG_NS.encode() + b">" + b"<g>" * 100_000 + b"</g>" * 100_000 + b"</svg>"
    assert unbake_svg(deep) is None


@settings(max_examples=200, **PROPERTY)
@given(data=st.binary(max_size=300) | st.text(max_size=300).map(lambda t: t.encode()))
def test_arbitrary_bytes_never_crash_the_readers(data: bytes) -> None:
    for unbake in (unbake_png, unbake_svg):
        with contextlib.suppress(BadgeImageError):
            unbake(data)


def test_chunk_helpers_agree_with_struct() -> None:
    chunk = encode_chunk(b"tEXt", b"a\x00b")
    assert chunk[:8] == struct.pack(">I", 3) + b"tEXt"
    assert chunk[-4:] == struct.pack(">I", zlib.crc32(b"tEXta\x00b"))

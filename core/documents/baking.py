"""Baking a credential into a badge image, and reading it back (Open Badges 3.0 §5.3).

PNG: one uncompressed ``iTXt`` chunk, keyword ``openbadgecredential``, no language tag, the
credential JSON as its text, just before ``IEND``. SVG: ``xmlns:openbadges`` on the root and
one ``<openbadges:credential>`` as its first child, the JSON in a CDATA section (the VC-JWT
form would use a ``verify`` attribute; Sceau bakes the embedded-proof JSON). Baking an image
that already carries a credential replaces it: the spec allows one only.

The readers take untrusted bytes: sizes are capped, PNG chunks are checked (core.documents.png),
a compressed text is inflated only up to the cap, and XML goes through defusedxml (no entity
expansion, no external entity, no DTD fetched). They answer the credential's text, None when
the image carries none, or raise BadgeImageError.
"""

from __future__ import annotations

import re
import zlib
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from core.documents.png import (
    SIGNATURE,
    BadgeImageError,
    encode_chunk,
    read_chunks,
    text_keyword,
)

__all__ = [
    "OB_NAMESPACE",
    "BadgeImageError",
    "bake_png",
    "bake_svg",
    "unbake_png",
    "unbake_svg",
]

KEYWORD = b"openbadgecredential"
OB_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
_CREDENTIAL_TAG = f"{{{OB_NAMESPACE}}}credential"
#: Largest image the readers open, and largest credential text they return.
MAX_IMAGE_BYTES = 8 << 20
MAX_CREDENTIAL_BYTES = 1 << 20


# --- PNG --------------------------------------------------------------------------------------


def bake_png(png: bytes, credential_json: str) -> bytes:
    """``png`` with ``credential_json`` in an ``openbadgecredential`` iTXt chunk before IEND
    (any credential chunk already there is dropped)."""
    chunks = read_chunks(png, MAX_IMAGE_BYTES)
    payload = KEYWORD + b"\x00\x00\x00\x00\x00" + credential_json.encode("utf-8")
    parts = [SIGNATURE]
    for chunk in chunks[:-1]:
        if text_keyword(png, chunk) != KEYWORD:
            parts.append(png[chunk.start : chunk.end])
    parts.append(encode_chunk(b"iTXt", payload))
    parts.append(png[chunks[-1].start :])
    return b"".join(parts)


def unbake_png(data: bytes, max_bytes: int = MAX_IMAGE_BYTES) -> str | None:
    """The credential text baked in a PNG, or None; BadgeImageError for a malformed PNG, two
    credentials, or a credential text that is compressed past the cap or not UTF-8."""
    found: list[str] = []
    for chunk in read_chunks(data, max_bytes):
        if text_keyword(data, chunk) != KEYWORD:
            continue
        if chunk.type != b"iTXt":
            raise BadgeImageError(
                "the credential is in a tEXt or zTXt chunk: Open Badges 3.0 bakes it in an iTXt"
            )
        found.append(_itxt_text(data[chunk.data_start : chunk.data_end]))
    if len(found) > 1:
        raise BadgeImageError("the PNG carries more than one baked credential")
    return found[0] if found else None


def _itxt_text(payload: bytes) -> str:
    """The text of an ``openbadgecredential`` iTXt chunk (its keyword already matched)."""
    rest = payload[len(KEYWORD) + 1 :]
    if len(rest) < 2:
        raise BadgeImageError("the credential's iTXt chunk is truncated")
    compressed, method = rest[0], rest[1]
    fields = rest[2:].split(b"\x00", 2)
    if len(fields) != 3:
        raise BadgeImageError("the credential's iTXt chunk is malformed")
    text = fields[2]
    if compressed == 1 and method == 0:
        inflater = zlib.decompressobj()
        try:
            text = inflater.decompress(text, MAX_CREDENTIAL_BYTES + 1)
        except zlib.error:
            raise BadgeImageError("the credential's compressed text is corrupt") from None
        if len(text) > MAX_CREDENTIAL_BYTES or inflater.unconsumed_tail:
            raise BadgeImageError(
                f"the credential's text inflates past {MAX_CREDENTIAL_BYTES} bytes"
            )
    elif compressed != 0:
        raise BadgeImageError("the credential's iTXt chunk uses an unknown compression")
    if len(text) > MAX_CREDENTIAL_BYTES:
        raise BadgeImageError(f"the credential's text is larger than {MAX_CREDENTIAL_BYTES} bytes")
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError:
        raise BadgeImageError("the credential's text is not UTF-8") from None


# --- SVG --------------------------------------------------------------------------------------

# Characters XML 1.0 cannot carry; a carriage return would come back as a line feed.
_NOT_XML = re.compile("[^\t\n\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_PROLOG = re.compile(
    r"(?:\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE\s[^\[>]*>)*", re.DOTALL | re.IGNORECASE
)
_NAME = r"[^\s/>=]+"
_ATTRIBUTE = rf"\s+{_NAME}\s*=\s*(?:\"[^\"]*\"|'[^']*')"
_START_TAG = re.compile(rf"<({_NAME})((?:{_ATTRIBUTE})*)\s*(/?)>")
_END_TAG = re.compile(rf"</{_NAME}\s*>")
_OTHER = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|[^<]+", re.DOTALL)
_OB_PREFIX = re.compile(r"\sxmlns:openbadges\s*=\s*(\"[^\"]*\"|'[^']*')")


def parse_svg(data: bytes | str, max_bytes: int = MAX_IMAGE_BYTES) -> Element:
    """The root element of an SVG document, parsed without entities, external entities or a
    DTD's internal subset; BadgeImageError if it is not a well-formed ``<svg>`` document."""
    size = len(data) if isinstance(data, bytes) else len(data.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise BadgeImageError(f"the image is larger than {max_bytes} bytes")
    try:
        root: Element = SafeET.fromstring(data, forbid_dtd=False)
    except DefusedXmlException:
        raise BadgeImageError(
            "the SVG declares entities or external references, which are refused"
        ) from None
    except (ParseError, ValueError):
        raise BadgeImageError("the SVG is not well-formed XML") from None
    if root.tag != f"{{{SVG_NAMESPACE}}}svg":
        raise BadgeImageError("not an SVG image (the root element is not <svg>)")
    return root


def unbake_svg(data: bytes, max_bytes: int = MAX_IMAGE_BYTES) -> str | None:
    """The credential baked in an SVG (the JSON of its CDATA, or the VC-JWT of its ``verify``
    attribute), or None; BadgeImageError for a malformed or hostile SVG or two credentials."""
    root = parse_svg(data, max_bytes)
    found = list(root.iter(_CREDENTIAL_TAG))
    if not found:
        return None
    if len(found) > 1:
        raise BadgeImageError("the SVG carries more than one baked credential")
    element = found[0]
    verify = element.get("verify")
    text = verify if verify and verify.strip() else "".join(element.itertext())
    if not text.strip():
        return None
    if len(text.encode("utf-8")) > MAX_CREDENTIAL_BYTES:
        raise BadgeImageError(f"the credential's text is larger than {MAX_CREDENTIAL_BYTES} bytes")
    return text


def bake_svg(svg: str, credential_json: str) -> str:
    """``svg`` with ``credential_json`` baked in: the OB namespace declared on the root and a
    credential element (CDATA) as its first child; any credential already there is removed.
    The rest of the document is kept as written."""
    if _NOT_XML.search(credential_json) or "\r" in credential_json:
        raise BadgeImageError("the credential holds characters an SVG cannot carry")
    root = parse_svg(svg)
    children = list(root)
    drop = {i for i, child in enumerate(children) if child.tag == _CREDENTIAL_TAG}
    if sum(1 for _ in root.iter(_CREDENTIAL_TAG)) != len(drop):
        raise BadgeImageError("the SVG has a credential element inside its drawing")
    prolog_end = _PROLOG.match(svg, 1 if svg.startswith("\ufeff") else 0)
    start = _START_TAG.match(svg, prolog_end.end() if prolog_end else 0)
    if start is None:
        raise BadgeImageError("the SVG's root element could not be located")
    name, attributes, empty = start.group(1), start.group(2), start.group(3)
    declared = _OB_PREFIX.search(attributes)
    if declared and declared.group(1)[1:-1] != OB_NAMESPACE:
        raise BadgeImageError("the SVG uses the prefix openbadges for another namespace")
    head = f"<{name}{attributes}"
    if not declared:
        head += f' xmlns:openbadges="{OB_NAMESPACE}"'
    cdata = credential_json.replace("]]>", "]]]]><![CDATA[>")
    element = f"<openbadges:credential><![CDATA[{cdata}]]></openbadges:credential>"
    if empty:
        return f"{svg[: start.start()]}{head}>{element}</{name}>{svg[start.end() :]}"
    body = _without_children(svg, start.end(), drop)
    return f"{svg[: start.start()]}{head}>{element}{body}"


def _without_children(svg: str, position: int, drop: set[int]) -> str:
    """The text of ``svg`` from ``position`` (just inside the root) to its end, without the
    root's element children whose indexes are in ``drop``. The document is known to be
    well-formed (parsed before), which is what makes this small scanner exact."""
    if not drop:
        return svg[position:]
    spans: list[tuple[int, int]] = []
    depth, child_start, origin = 0, position, position
    while position < len(svg):
        if svg.startswith("</", position):
            if depth == 0:
                break  # the root's own end tag
            position = _must(_END_TAG.match(svg, position)).end()
            depth -= 1
            if depth == 0:
                spans.append((child_start, position))
        elif svg.startswith("<", position) and not svg.startswith(("<!", "<?"), position):
            start = _must(_START_TAG.match(svg, position))
            if depth == 0:
                child_start = position
            position = start.end()
            if not start.group(3):
                depth += 1
            elif depth == 0:
                spans.append((child_start, position))
        else:
            position = _must(_OTHER.match(svg, position)).end()
    kept, cursor = [], origin
    for index, (begin, end) in enumerate(spans):
        if index in drop:
            kept.append(svg[cursor:begin])
            cursor = end
    kept.append(svg[cursor:])
    return "".join(kept)


def _must(match: re.Match[str] | None) -> re.Match[str]:
    if match is None:
        raise BadgeImageError("the SVG could not be scanned")
    return match

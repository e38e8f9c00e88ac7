"""Checking a badge image that staff upload: PNG or SVG, small, and inert.

Types are told by content, never by the name or the declared type alone. A PNG is opened by
Pillow within a pixel limit and written again, which drops every ancillary chunk (text,
metadata, an old baked credential). An SVG is served from our origin and drawn by wallets,
so one that could run code or fetch anything is refused with the reason: scripts, event
attributes, foreign objects, links or ``url()`` other than to the document itself or to an
embedded raster image, style sheets imports, entities and DTD subsets.
"""

from __future__ import annotations

import io
import math
import re
import struct
import warnings
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from PIL import Image

from core.documents.baking import SVG_NAMESPACE, bake_svg, parse_svg
from core.documents.png import BadgeImageError, check_pixel_data, read_chunks

PNG = "image/png"
SVG = "image/svg+xml"
MEDIA_TYPES = (PNG, SVG)
MAX_IMAGE_BYTES = 1 << 20
MAX_SIDE = 2048

_SCRIPTED_ELEMENTS = {"script", "foreignObject", "iframe", "embed", "object", "handler"}
_LINK = re.compile(r"\A\s*(#|data:image/(png|jpeg|gif|webp);base64,)", re.IGNORECASE)
_URL = re.compile(r"url\(\s*(['\"]?)([^'\")]*)", re.IGNORECASE)
_DOCTYPE = re.compile(r"<!DOCTYPE[^>]*>", re.IGNORECASE)
_EXTERNAL_ID = re.compile(r"\b(SYSTEM|PUBLIC)\b", re.IGNORECASE)
#: The one external DTD an SVG editor writes (Illustrator, old Inkscape): W3C's, never fetched.
_W3C_SVG_DTD = re.compile(
    r'<!DOCTYPE\s+svg\s+PUBLIC\s+"-//W3C//DTD SVG 1\.[01]( Tiny| Basic)?//EN"\s+'
    r'"http://www\.w3\.org/Graphics/SVG/1\.[01]/DTD/svg1[01](-tiny|-basic)?\.dtd"\s*>'
)
_ENCODING = re.compile(rb"\A(?:\xef\xbb\xbf)?<\?xml[^>]*encoding\s*=\s*[\"']([^\"']*)")


@dataclass(frozen=True)
class CheckedImage:
    """An accepted image: the bytes to store, their media type, and the size in pixels
    (for an SVG, of its viewBox or width and height)."""

    data: bytes
    media_type: str
    width: float
    height: float


def check_image(data: bytes, media_type: str) -> CheckedImage:
    """The image to store for an upload declared as ``media_type``; BadgeImageError (a 400
    with the reason) for anything else."""
    if media_type not in MEDIA_TYPES:
        raise BadgeImageError("a badge image is image/png or image/svg+xml")
    if len(data) > MAX_IMAGE_BYTES:
        raise BadgeImageError(f"a badge image is at most {MAX_IMAGE_BYTES} bytes (1 MiB)")
    if not data:
        raise BadgeImageError("the image is empty")
    return _check_png(data) if media_type == PNG else _check_svg(data)


def _check_png(data: bytes) -> CheckedImage:
    # Structure, CRCs, size and pixel data checked before Pillow decodes anything.
    chunks = read_chunks(data, MAX_IMAGE_BYTES)
    header = chunks[0]
    if header.data_end - header.data_start == 13:
        width, height = struct.unpack_from(">II", data, header.data_start)
        if width > MAX_SIDE or height > MAX_SIDE:
            raise BadgeImageError(
                f"the PNG is {width}×{height} pixels; at most {MAX_SIDE}×{MAX_SIDE}"
            )
    width, height = check_pixel_data(data, chunks)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=["PNG"])
            if image.size != (width, height):
                raise BadgeImageError("the PNG could not be decoded")
            if getattr(image, "n_frames", 1) > 1:
                raise BadgeImageError("animated PNGs are not accepted as badge images")
            image.load()
            out = io.BytesIO()
            image.save(out, "PNG")
    except BadgeImageError:
        raise
    except Exception:  # whatever Pillow raises for a damaged file: the reason is ours
        raise BadgeImageError("the PNG could not be decoded") from None
    return CheckedImage(out.getvalue(), PNG, width, height)


def _check_svg(data: bytes) -> CheckedImage:
    declared = _ENCODING.match(data)
    if declared and declared.group(1).lower() not in (b"utf-8", b"utf8"):
        raise BadgeImageError("an SVG badge image must be UTF-8")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise BadgeImageError("an SVG badge image must be UTF-8") from None
    if re.search(r"<!DOCTYPE[^>]*\[", text, re.IGNORECASE):
        raise BadgeImageError("the SVG has a DTD internal subset, which is refused")
    for doctype in _DOCTYPE.findall(text):
        if _EXTERNAL_ID.search(doctype) and not _W3C_SVG_DTD.fullmatch(doctype):
            raise BadgeImageError("the SVG names an external DTD, which is refused")
    if re.search(r"<\?xml-stylesheet", text, re.IGNORECASE):
        raise BadgeImageError("the SVG links a style sheet, which is refused")
    root = parse_svg(data, MAX_IMAGE_BYTES)
    for element in root.iter():
        _check_element(element)
    _check_uses(root)
    bake_svg(text, "{}")  # it must be able to carry a credential
    width, height = svg_size(root)
    return CheckedImage(data, SVG, width, height)


#: More <use> elements than this, or one that copies an element holding a <use>, is refused:
#: nested copies multiply (ten of ten of ten ... is a renderer hanging on a 1 KB file).
MAX_USES = 50


def _check_uses(root: Element) -> None:
    uses = [e for e in root.iter() if _local(str(e.tag)) == "use"]
    if len(uses) > MAX_USES:
        raise BadgeImageError(f"the SVG has more than {MAX_USES} <use> elements, which is refused")
    by_id = {e.get("id"): e for e in root.iter() if e.get("id")}
    for use in uses:
        target = next((v for k, v in use.attrib.items() if _local(k) == "href"), "")
        copied = by_id.get(target.removeprefix("#"))
        if copied is not None and any(_local(str(e.tag)) == "use" for e in copied.iter()):
            raise BadgeImageError("the SVG copies an element that holds a <use>, which is refused")


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _check_element(element: Element) -> None:
    tag = _local(str(element.tag))
    if tag in _SCRIPTED_ELEMENTS:
        raise BadgeImageError(f"the SVG has a <{tag}> element, which is refused")
    if str(element.tag).startswith("{https://purl.imsglobal.org/ob/"):
        raise BadgeImageError("the SVG already carries a baked credential")
    for name, value in element.attrib.items():
        local = _local(name)
        if local.lower().startswith("on"):
            raise BadgeImageError(f"the SVG has an event attribute ({local}), which is refused")
        if local == "href" and not _LINK.match(value):
            raise BadgeImageError("the SVG links outside itself, which is refused")
        if local == "attributeName" and _local(value.split(":")[-1]) == "href":
            raise BadgeImageError("the SVG animates a link, which is refused")
        # SVG's own attributes are read as CSS by renderers; an editor's namespaced ones
        # (inkscape:export-filename="C:\\...") are not, and may hold backslashes.
        _check_style(value, escapes=not name.startswith("{"))
    if tag == "style" and element.text:
        _check_style(element.text)


def _check_style(value: str, *, escapes: bool = True) -> None:
    if escapes and "\\" in value:
        # A CSS escape spells url( or @import without those letters (u\72l(): a badge's
        # styles need none.
        raise BadgeImageError("the SVG's styles use CSS escapes, which are refused")
    lowered = value.lower()
    if "@import" in lowered or "javascript:" in lowered or "expression(" in lowered:
        raise BadgeImageError("the SVG's styles load or run something, which is refused")
    for _quote, target in _URL.findall(value):
        if not _LINK.match(target):
            raise BadgeImageError("the SVG's styles refer outside the image, which is refused")


_NUMBER = re.compile(r"\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(px)?\s*\Z")


def svg_size(root: Element) -> tuple[float, float]:
    """The width and height of an SVG (its viewBox, else its width and height in pixels);
    BadgeImageError when it has neither: it could not be drawn at a known size."""
    if root.tag != f"{{{SVG_NAMESPACE}}}svg":
        raise BadgeImageError("not an SVG image")
    box = (root.get("viewBox") or "").replace(",", " ").split()
    if len(box) == 4:
        try:
            width, height = float(box[2]), float(box[3])
        except ValueError:
            width = height = 0.0
        if _drawable(width, height):
            return width, height
    sizes = [_NUMBER.match(root.get(side) or "") for side in ("width", "height")]
    if sizes[0] and sizes[1]:
        width, height = float(sizes[0].group(1)), float(sizes[1].group(1))
        if _drawable(width, height):
            return width, height
    raise BadgeImageError("the SVG needs a viewBox (or a width and height in pixels)")


def _drawable(width: float, height: float) -> bool:
    """A size an image can be drawn at: positive, finite, and not a hair-thin strip."""
    sides = (width, height)
    return all(math.isfinite(v) and v > 0 for v in sides) and max(sides) / min(sides) <= 20

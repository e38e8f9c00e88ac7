"""The default badge of a certification body: a seal with its initials and its name.

Used when a program has no image of its own, and for credentials issued without a program.
The same name and key always give the same SVG, byte for byte (colours are picked from the
key, text is fitted with the metrics of the fonts shipped with Sceau), so it can be cached
and archived like any other image.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from functools import lru_cache
from xml.sax.saxutils import escape

from PIL import ImageFont

from core.documents.raster import FONTS

SIZE = 512
#: (seal, ribbon) colours; one is chosen per body.
PALETTES = (
    ("#1d3557", "#c9a227"),
    ("#5c1a2b", "#d4a537"),
    ("#1f4d3a", "#c9a227"),
    ("#0f4c5c", "#e3c16f"),
    ("#3b2f5c", "#d9b54a"),
    ("#2b2d42", "#d8b45a"),
)
FONT_FAMILY = "'DejaVu Sans', Verdana, Arial, sans-serif"
_STOPWORDS = {
    "a", "au", "aux", "d", "de", "des", "du", "en", "et", "l", "la", "le", "les", "pour",
    "and", "for", "of", "the",
}  # fmt: skip
_NOT_XML = re.compile("[^\t\n\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS / "DejaVuSans-Bold.ttf"), size)


def _width(text: str, size: int) -> float:
    """Advance width of ``text`` in DejaVu Sans Bold at ``size`` pixels (measured at 100)."""
    return float(_font(100).getlength(text)) * size / 100


def _fitted(text: str, room: float, largest: int) -> int:
    """The largest font size up to ``largest`` at which ``text`` fits in ``room`` pixels."""
    length = _width(text, 100)
    return min(largest, math.floor(100 * room / length)) if length else largest


def initials(name: str) -> str:
    """Up to three initials of a body's name, skipping articles and prepositions."""
    words = re.findall(r"[^\W\d_]+", unicodedata.normalize("NFC", name))
    kept = [w for w in words if w.lower() not in _STOPWORDS] or words
    return "".join(w[0] for w in kept[:3]).upper() or "✓"


def _name_lines(name: str) -> tuple[list[str], int]:
    """The body's name on the ribbon: one line, else two, else shortened; with a font size."""
    room = 330.0
    size = _fitted(name, room, 30)
    if size >= 18:
        return [name], size
    words = name.split()
    best: tuple[list[str], int] | None = None
    for cut in range(1, len(words)):
        lines = [" ".join(words[:cut]), " ".join(words[cut:])]
        fit = min(_fitted(line, room, 22) for line in lines)
        if best is None or fit > best[1]:
            best = (lines, fit)
    if best is not None and best[1] >= 14:
        return best
    shortened = name
    while len(shortened) > 1 and _fitted(shortened + "…", room, 30) < 16:
        shortened = shortened[:-1]
    return [shortened.rstrip() + "…"], _fitted(shortened.rstrip() + "…", room, 30)


def _star(cx: float, cy: float, radius: float) -> str:
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.42
        angle = math.pi / 2 + i * math.pi / 5
        points.append(f"{cx + r * math.cos(angle):.2f},{cy - r * math.sin(angle):.2f}")
    return " ".join(points)


def _rosette(teeth: int = 48, outer: float = 250, inner: float = 236) -> str:
    points = []
    for i in range(teeth * 2):
        r = outer if i % 2 == 0 else inner
        angle = i * math.pi / teeth
        points.append(f"{256 + r * math.sin(angle):.2f},{256 - r * math.cos(angle):.2f}")
    return " ".join(points)


def default_badge_svg(name: str, key: str) -> str:
    """The default badge SVG of the body called ``name`` (``key``, e.g. its slug, picks the
    colours)."""
    name = " ".join(_NOT_XML.sub("", name).split()) or key
    seal, ribbon = PALETTES[hashlib.sha256(key.encode()).digest()[0] % len(PALETTES)]
    letters = initials(name)
    letters_size = _fitted(letters, 260, 124)
    lines, name_size = _name_lines(name)
    first_baseline = 384 - (len(lines) - 1) * name_size * 0.55 + name_size * 0.36
    text = "".join(
        f'<text x="256" y="{first_baseline + i * name_size * 1.1:.1f}" text-anchor="middle" '
        f'font-family="{FONT_FAMILY}" font-weight="bold" font-size="{name_size}" '
        f'fill="{seal}">{escape(line)}</text>'
        for i, line in enumerate(lines)
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="512" height="512" '
        f'viewBox="0 0 {SIZE} {SIZE}" role="img" aria-label="{escape(name, {chr(34): "&quot;"})}">'
        f"<title>{escape(name)}</title>"
        f'<polygon points="{_rosette()}" fill="{seal}"/>'
        f'<circle cx="256" cy="256" r="222" fill="none" stroke="{ribbon}" stroke-width="5"/>'
        f'<circle cx="256" cy="256" r="210" fill="none" stroke="{ribbon}" stroke-width="1.5"/>'
        + "".join(
            f'<polygon points="{_star(x, 128, r)}" fill="{ribbon}"/>'
            for x, r in ((214, 11), (256, 16), (298, 11))
        )
        + f'<text x="256" y="{238 + letters_size * 0.36:.1f}" text-anchor="middle" '
        f'font-family="{FONT_FAMILY}" font-weight="bold" font-size="{letters_size}" '
        f'fill="#ffffff">{escape(letters)}</text>'
        f'<path d="M40 352 L96 352 L96 412 L40 412 L60 382 Z M472 352 L416 352 L416 412 '
        f'L472 412 L452 382 Z" fill="{ribbon}" opacity="0.75"/>'
        f'<rect x="72" y="340" width="368" height="84" rx="6" fill="{ribbon}"/>'
        f"{text}</svg>"
    )

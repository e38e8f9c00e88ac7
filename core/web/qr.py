"""QR codes for pages, drawn here (no outside service ever sees what they carry)."""

from __future__ import annotations

import base64

import qrcode
from qrcode.image.svg import SvgPathImage


def qr_data_uri(text: str) -> str:
    """An SVG QR code of ``text`` as a ``data:`` URI for an <img> (the pages' CSP allows
    ``data:`` images and nothing from elsewhere)."""
    image = qrcode.make(text, image_factory=SvgPathImage, box_size=8, border=2)
    svg: bytes = image.to_string()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")

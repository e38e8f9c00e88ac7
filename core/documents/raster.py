"""Turning one badge image format into the other: SVG to PNG, PNG to SVG.

WeasyPrint cannot rasterize, so an SVG is laid out by WeasyPrint on a one-page PDF of its
size and that page is drawn by pdfium. It takes about a tenth of a second: callers keep the
result (core.documents.badges caches base images per process). Nothing is fetched: the only
URLs WeasyPrint may open are ``data:`` URIs and the fonts shipped with Sceau.
"""

from __future__ import annotations

import base64
import io
import threading
from functools import cache
from pathlib import Path
from typing import Any

FONTS = Path(__file__).resolve().parent / "fonts"
#: The longer side, in pixels, of a PNG made from an SVG.
RASTER_SIDE = 512

_FONT_FACES = "".join(
    f'@font-face{{font-family:"{family}";font-weight:{weight};font-style:normal;'
    f'src:url("{(FONTS / file).as_uri()}")}}'
    for family, weight, file in (
        ("DejaVu Sans", "normal", "DejaVuSans.ttf"),
        ("DejaVu Sans", "bold", "DejaVuSans-Bold.ttf"),
        ("DejaVu Serif", "normal", "DejaVuSerif.ttf"),
        ("DejaVu Serif", "bold", "DejaVuSerif-Bold.ttf"),
    )
)
# pdfium and Pango are not made for concurrent calls from threads of one process.
_LOCK = threading.Lock()


@cache
def _local_only() -> type:
    """A WeasyPrint URL fetcher that opens ``data:`` URIs and the shipped fonts and refuses
    every other URL. (WeasyPrint is imported on first use: it takes seconds to import, and
    most processes never draw an image.)"""
    from weasyprint.urls import URLFetcher

    class LocalOnly(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:") or url.startswith(FONTS.as_uri() + "/"):
                return super().fetch(url, headers)
            raise ValueError("only embedded data and the shipped fonts may be loaded")

    return LocalOnly


def raster_size(width: float, height: float, side: int = RASTER_SIDE) -> tuple[int, int]:
    """Pixel size of an image of ``width``×``height`` drawn with its longer side at ``side``."""
    scale = side / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def svg_to_png(svg: bytes, width: float, height: float, side: int = RASTER_SIDE) -> bytes:
    """A PNG (RGBA, transparent background) of an SVG whose size is ``width``×``height``."""
    pixels_w, pixels_h = raster_size(width, height, side)
    uri = "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
    page = (
        f"<style>{_FONT_FACES}@page{{size:{pixels_w}px {pixels_h}px;margin:0}}"
        f"html,body{{margin:0}}img{{display:block;width:{pixels_w}px;height:{pixels_h}px}}"
        f'</style><img src="{uri}" alt="">'
    )
    import pypdfium2
    from weasyprint import HTML

    with _LOCK:
        pdf = HTML(string=page, url_fetcher=_local_only()()).write_pdf()
        document = pypdfium2.PdfDocument(pdf)
        try:
            first = document[0]
            bitmap = first.render(scale=pixels_w / first.get_width(), fill_color=(0, 0, 0, 0))
            image = bitmap.to_pil()
        finally:
            document.close()
    if image.size != (pixels_w, pixels_h):
        image = image.resize((pixels_w, pixels_h))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def png_to_svg(png: bytes, width: int, height: int) -> str:
    """An SVG that shows a PNG (embedded as a data URI) at its own size."""
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
        f'<image width="{width}" height="{height}" xlink:href="data:image/png;base64,{data}"/>'
        "</svg>"
    )

"""HTML to PDF/A-3b with WeasyPrint: fonts shipped with Sceau, files attached, no network.

Rendering only reads ``data:`` URIs and the ``sceau:`` assets named by the caller (fonts, the
QR code, images): a template cannot make the server fetch a URL or read a file.
"""

from __future__ import annotations

import base64
import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from weasyprint import CSS, HTML, Attachment
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from core.errors import InputError

# WeasyPrint reports each rendering step at INFO: thousands of lines for a session's batch.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

FONTS_DIR = Path(__file__).parent / "fonts"
#: Font files by asset name, e.g. ``sceau:fonts/DejaVuSans.ttf``.
FONT_ASSETS = {f"fonts/{p.name}": p for p in sorted(FONTS_DIR.glob("*.ttf"))}

#: The fonts every document may use, by family: "Sceau Sans" and "Sceau Serif" (DejaVu).
FONT_FACES = (FONTS_DIR / "fonts.css").read_text()


class TemplateError(InputError):
    """A certificate template does not render: bad syntax, a missing value, a refused URL."""

    code = "template_error"
    http_status = 422


@dataclass(frozen=True)
class Asset:
    """Bytes a document may refer to as ``sceau:<name>``."""

    data: bytes
    media_type: str


@dataclass(frozen=True)
class PdfAttachment:
    """A file attached to the PDF/A-3 and listed in the catalog's /AF."""

    name: str
    data: bytes
    media_type: str
    relationship: str = "Source"
    description: str = ""


class _Fetcher(URLFetcher):  # type: ignore[misc]
    """Serves ``data:`` URIs and the named assets; refuses every other URL (and stops)."""

    def __init__(self, assets: Mapping[str, Asset]) -> None:
        super().__init__(allowed_protocols=("data", "sceau"))
        self.assets = assets
        #: Set once the page is laid out: what is fetched after that is a file the document
        #: would attach (``<a rel=attachment>``), and only Sceau attaches files.
        self.closed = False

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        if self.closed:
            raise FatalURLFetchingError("a template may not attach files: only Sceau does")
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if url.startswith("sceau:"):
            name = url.removeprefix("sceau:")
            font = FONT_ASSETS.get(name)
            if font is not None:
                return URLFetcherResponse(url, font.read_bytes(), {"Content-Type": "font/ttf"})
            asset = self.assets.get(name)
            if asset is not None:
                return URLFetcherResponse(url, asset.data, {"Content-Type": asset.media_type})
            raise FatalURLFetchingError(f"unknown asset {url[:100]!r}")
        raise FatalURLFetchingError(
            f"{url[:100]!r} is refused: documents may only use data: URIs and sceau: assets"
        )


_font_config: FontConfiguration | None = None
_font_css: CSS | None = None
#: WeasyPrint (Pango, fontconfig) is not thread-safe, and the font configuration and parsed
#: stylesheets below are shared: one document at a time per process. Workers are processes
#: (`sceau worker`, gunicorn's sync workers), so this only orders threads (the tests' queue
#: consumer runs a documents job and a mail job side by side; both may render).
_rendering = threading.Lock()


def _fonts() -> tuple[FontConfiguration, CSS]:
    # One per process: fontconfig setup and the parsed @font-face rules are reused by every
    # document (WeasyPrint's FontConfiguration caches the font files it was given).
    global _font_config, _font_css
    if _font_config is None or _font_css is None:
        _font_config = FontConfiguration()
        _font_css = CSS(string=FONT_FACES, font_config=_font_config, url_fetcher=_Fetcher({}))
    return _font_config, _font_css


@lru_cache(maxsize=64)
def _stylesheet(text: str) -> CSS:
    # Parsing the stylesheet costs as much as laying out the page, and a batch's certificates
    # share one: parsed once per text. A stylesheet may use data: URIs and the fonts; images
    # that differ per document (the QR code) belong in the HTML.
    font_config, _ = _fonts()
    return CSS(string=text, font_config=font_config, url_fetcher=_Fetcher({}))


def render_pdf(
    html: str,
    *,
    assets: Mapping[str, Asset] | None = None,
    attachments: Sequence[PdfAttachment] = (),
    stylesheets: Sequence[str] = (),
) -> bytes:
    """A PDF/A-3b of ``html`` (XMP identification, sRGB output intent, fonts embedded) with
    ``attachments``; ``assets`` are what the HTML may name as ``sceau:<name>``. Raises
    TemplateError when the HTML or a stylesheet refers to a refused URL."""
    fetcher = _Fetcher(assets or {})
    try:
        with _rendering:
            font_config, font_css = _fonts()
            sheets = [font_css] + [_stylesheet(text) for text in stylesheets]
            document = HTML(string=html, url_fetcher=fetcher, base_url="sceau:/").render(
                font_config=font_config, stylesheets=sheets
            )
            fetcher.closed = True
            return bytes(
                document.write_pdf(
                    pdf_variant="pdf/a-3b",
                    attachments=[_attachment(a) for a in attachments],
                )
            )
    except FatalURLFetchingError as error:
        raise TemplateError(str(error)) from None


def _attachment(item: PdfAttachment) -> Attachment:
    # A data: URI carries the media type into the embedded file's /Subtype.
    encoded = base64.b64encode(item.data).decode()
    return Attachment(
        url=f"data:{item.media_type};base64,{encoded}",
        name=item.name,
        description=item.description,
        relationship=item.relationship,
        url_fetcher=_Fetcher({}),
    )

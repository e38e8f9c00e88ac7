"""Print files: sealed PDFs merged page by page into one document for postal delivery.

A merge cannot keep the seals: each seal covers the bytes of its own file, which the merge
rewrites. The print file is for paper only; each certificate's sealed original stays in the
archive and at its URL. The signature fields the seals leave on the pages are removed, so no
reader shows a seal that could only fail.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO

import pypdfium2
import pypdfium2.raw as pdfium_c

from core.errors import SceauError


class UnreadablePdf(SceauError):
    """A document to merge is not a PDF that PDFium can read."""

    code = "unreadable_pdf"


def _drop_form_fields(document: pypdfium2.PdfDocument) -> None:
    """Remove the widget annotations (the seal's signature field) of every page."""
    for index in range(len(document)):
        page = document[index]
        try:
            for n in reversed(range(pdfium_c.FPDFPage_GetAnnotCount(page.raw))):
                annotation = pdfium_c.FPDFPage_GetAnnot(page.raw, n)
                try:
                    widget = pdfium_c.FPDFAnnot_GetSubtype(annotation) == pdfium_c.FPDF_ANNOT_WIDGET
                finally:
                    pdfium_c.FPDFPage_CloseAnnot(annotation)
                if widget:
                    pdfium_c.FPDFPage_RemoveAnnot(page.raw, n)
        finally:
            page.close()


def merge_pdfs(sources: Iterable[bytes], out: BinaryIO) -> int:
    """Write the pages of every PDF of ``sources``, in order, as one PDF to ``out``; return
    the number of pages. Sources are read one at a time, so only one is held in memory
    beside the merged document's page objects."""
    merged = pypdfium2.PdfDocument.new()
    try:
        for number, data in enumerate(sources, start=1):
            try:
                source = pypdfium2.PdfDocument(data)
            except pypdfium2.PdfiumError:
                raise UnreadablePdf(f"document {number} of the print file is not a PDF") from None
            try:
                # Removed from the source before the copy: pages of the merged document are
                # never loaded, which keeps the merge fast and its memory flat.
                _drop_form_fields(source)
                merged.import_pages(source)
            finally:
                source.close()
        pages = len(merged)
        merged.save(out)
        return pages
    finally:
        merged.close()

"""The parsing of hostile files, run in the capped child process (core.intake.sandbox): a
certificate PDF's limits, seal, attachments and page-1 QR codes; a photo's QR codes."""

from __future__ import annotations

import base64
import io
import zlib
from dataclasses import dataclass
from typing import Any

from core.documents.baking import unbake_svg
from core.documents.pdf_reading import PdfFacts, PdfUnreadable, read_pdf
from core.documents.png import BadgeImageError
from core.errors import InputError

#: Largest picture decoded (pixels): a 20000×20000 PNG is refused from its header, unread.
MAX_IMAGE_PIXELS = 40_000_000
#: Longest side a picture is searched at for a QR code (larger photos are scaled down).
QR_SEARCH_SIDE = 2400
#: What a certificate PDF may hold before it is refused unread.
MAX_PDF_PAGES = 20
MAX_PDF_OBJECTS = 20_000
#: Page 1 is rendered at this many pixels on its long side to find the QR code.
PAGE_RENDER_SIDE = 2200
MAX_ATTACHMENT_BYTES = 1 << 20
#: Largest decoded content of page 1 (its content streams and forms) drawn to find the QR: a
#: certificate holds some 11 KB; 15 MB of fill operators kept pdfium drawing for 10 s.
MAX_PAGE_CONTENT_BYTES = 1 << 20


def _expect(condition: bool) -> None:
    """A check of the child's answer that ``python -O`` keeps (unlike assert)."""
    if not condition:
        raise ValueError("unexpected answer")


@dataclass(frozen=True)
class CertificateFacts:
    """What a certificate PDF holds: its seal and attachments, and the QR codes of page 1."""

    pdf: PdfFacts
    qr_texts: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """The JSON the capped child answers (bytes in base64)."""
        pdf = self.pdf
        return {
            "attachments": {k: base64.b64encode(v).decode() for k, v in pdf.attachments.items()},
            "signatures": pdf.signatures,
            "intact": pdf.intact,
            "whole_file": pdf.whole_file,
            "trusted": pdf.trusted,
            "signer": pdf.signer,
            "signer_sha256": pdf.signer_sha256,
            "qr_texts": list(self.qr_texts),
        }

    @classmethod
    def from_json(cls, untrusted_answer: object) -> CertificateFacts:
        """The facts from the child's answer, its shape checked; InputError otherwise."""
        if not isinstance(untrusted_answer, dict):
            raise InputError("the PDF could not be read", code="pdf_unreadable")
        answer: dict[str, Any] = untrusted_answer
        try:
            attachments = answer["attachments"]
            _expect(isinstance(attachments, dict) and len(attachments) <= 2)
            intact, whole_file, trusted = (answer[k] for k in ("intact", "whole_file", "trusted"))
            _expect(all(isinstance(f, bool) for f in (intact, whole_file, trusted)))
            texts = answer["qr_texts"]
            _expect(isinstance(texts, list) and all(isinstance(t, str) for t in texts))
            _expect(isinstance(answer["signatures"], int))
            pdf = PdfFacts(
                {str(k): base64.b64decode(v, validate=True) for k, v in attachments.items()},
                answer["signatures"],
                intact,
                whole_file,
                trusted,
                str(answer["signer"]),
                str(answer["signer_sha256"]),
            )
        except (KeyError, TypeError, ValueError):
            raise InputError("the PDF could not be read", code="pdf_unreadable") from None
        return cls(pdf, tuple(texts[:16]))


def _qr_texts(image: object) -> tuple[str, ...]:
    import zxingcpp

    qr_codes = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    found = zxingcpp.read_barcodes(image, formats=qr_codes)
    return tuple(dict.fromkeys(code.text for code in found if code.text))


def _search(picture: object) -> tuple[str, ...]:
    """The QR codes of a PIL image, at a bounded size (and once more at half of it)."""
    from PIL import Image

    if not isinstance(picture, Image.Image):
        raise TypeError("not a picture")
    gray = picture.convert("L")
    if max(gray.size) > QR_SEARCH_SIDE:
        gray.thumbnail((QR_SEARCH_SIDE, QR_SEARCH_SIDE))
    texts = _qr_texts(gray)
    if not texts and max(gray.size) > 800:
        half = gray.resize((max(1, gray.width // 2), max(1, gray.height // 2)))
        texts = _qr_texts(half)
    return texts


def photo_qr_texts(untrusted_image: bytes) -> list[str]:
    """The QR codes in a photo (JPEG, PNG, HEIC); InputError for a picture that cannot be read
    or is larger than MAX_IMAGE_PIXELS."""
    from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

    # WeasyPrint turns truncated images on for the whole process; this child decides alone.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    try:
        import pillow_heif

        pillow_heif.register_heif_opener()
    except ImportError:  # HEIC then reads as unsupported
        pass
    try:
        opened = Image.open(io.BytesIO(untrusted_image))
        width, height = opened.size
        if width * height > MAX_IMAGE_PIXELS:
            raise InputError(
                f"the picture is larger than {MAX_IMAGE_PIXELS} pixels", code="image_too_large"
            )
        opened.load()
        picture: Image.Image = ImageOps.exif_transpose(opened) or opened
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InputError(
            f"the picture is larger than {MAX_IMAGE_PIXELS} pixels", code="image_too_large"
        ) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise InputError("the picture could not be read", code="unreadable_image") from None
    return list(_search(picture))


def _check_limits(untrusted_pdf: bytes) -> None:
    """Pages, objects and page 1's content within the limits (pikepdf reads the structure
    only: no stream is decoded by it)."""
    import pikepdf

    try:
        with pikepdf.open(io.BytesIO(untrusted_pdf)) as pdf:
            if len(pdf.objects) > MAX_PDF_OBJECTS:
                raise _too_complex(f"the PDF has more than {MAX_PDF_OBJECTS} objects")
            if not 1 <= len(pdf.pages) <= MAX_PDF_PAGES:
                raise _too_complex(f"the PDF has no page, or more than {MAX_PDF_PAGES}")
            _check_page_one(pdf.pages[0])
    except (pikepdf.PdfError, ValueError, TypeError):
        raise InputError("the PDF could not be read", code="pdf_unreadable") from None


def _too_complex(message: str) -> InputError:
    return InputError(message, code="pdf_too_complex")


def _bounded_length(stream: Any, budget: int) -> int:
    """The decoded length of a stream, inflated by us and never past ``budget`` (a small
    FlateDecode stream can inflate to gigabytes: a bomb is refused before pdfium draws it)."""
    import pikepdf

    raw = stream.read_raw_bytes()
    filters = stream.get("/Filter")
    names = [str(f) for f in filters] if isinstance(filters, pikepdf.Array) else [str(filters)]
    if filters is None:
        size = len(raw)
    elif names == ["/FlateDecode"]:
        inflater = zlib.decompressobj()
        try:
            size = len(inflater.decompress(raw, budget + 1))
        except zlib.error:
            return 0  # damaged: pdfium draws what it can of it
        if inflater.unconsumed_tail:
            size = budget + 1
    else:
        raise _too_complex("page 1 of the PDF uses a filter the verifier does not draw")
    if size > budget:
        raise _too_complex("page 1 of the PDF has more content than the verifier draws")
    return size


#: Operators page 1 may have drawn, forms counted each time they are drawn (a certificate has
#: about a thousand): `/F Do` twenty thousand times, or forms inside forms, drew for 10 s from
#: under a kilobyte.
MAX_DRAWN_OPERATORS = 200_000
#: Painting operators (fills, strokes, shadings, images drawn) among them: each may cover the
#: whole page at the QR search's resolution (3,000 full-page fills drew for 6.4 s); a
#: certificate has about twenty.
MAX_PAINTINGS = 1_000
_PAINTING = frozenset({"f", "F", "f*", "B", "B*", "b", "b*", "S", "s", "sh", "Do", "EI"})
#: Forms inside forms inside page 1 (a certificate has none).
MAX_FORM_DEPTH = 3


def _drawn_operators(
    stream: Any, resources: Any, depth: int, seen: dict[Any, int], budget: list[int]
) -> int:
    """The operators drawing ``stream`` runs, each form it draws counted as often as it is
    drawn (memoized per form; every form's decoded bytes out of one ``budget``, and its
    painting operators out of ``budget[1]``); InputError beyond the limits."""
    import pikepdf

    if depth > MAX_FORM_DEPTH:
        raise _too_complex("page 1 of the PDF nests forms too deep")
    xobjects = resources.get("/XObject") if isinstance(resources, pikepdf.Dictionary) else None
    total = 0
    for instruction in pikepdf.parse_content_stream(stream):
        total += 1
        operator, operands = str(instruction.operator), instruction.operands
        if operator in _PAINTING:
            budget[1] -= 1
            if budget[1] < 0:
                raise _too_complex("page 1 of the PDF paints too much")
        if operator == "Do" and operands and xobjects is not None:
            form = xobjects.get(str(operands[0]))
            if isinstance(form, pikepdf.Stream) and form.get("/Subtype") == "/Form":
                key = form.objgen
                if key not in seen or key == (0, 0):
                    budget[0] -= _bounded_length(form, budget[0])
                    seen[key] = _drawn_operators(
                        form, form.get("/Resources", resources), depth + 1, seen, budget
                    )
                total += seen[key]
        if total > MAX_DRAWN_OPERATORS:
            raise _too_complex("page 1 of the PDF draws too much")
    return total


def _check_page_one(page: Any) -> None:
    """Page 1's content streams, forms and images are within the limits before it is drawn."""
    import pikepdf

    budget = MAX_PAGE_CONTENT_BYTES
    contents = page.obj.get("/Contents")
    streams = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
    resources = page.obj.get("/Resources")
    xobjects = resources.get("/XObject") if resources is not None else None
    for _name, xobject in xobjects.items() if xobjects is not None else []:
        if not isinstance(xobject, pikepdf.Stream):
            continue
        if xobject.get("/Subtype") == "/Image":
            width, height = int(xobject.get("/Width", 0)), int(xobject.get("/Height", 0))
            if width * height > MAX_IMAGE_PIXELS:
                raise _too_complex("page 1 of the PDF holds an image too large to draw")
        else:
            streams.append(xobject)
    for stream in streams:
        if isinstance(stream, pikepdf.Stream):
            budget -= _bounded_length(stream, budget)
    # Within the byte budget, each stream is now parsed (never drawn) to count what drawing it
    # costs, forms as often as they are drawn.
    _check_drawing(page, resources)


def _check_drawing(page: Any, resources: Any) -> None:
    """What drawing page 1 costs, its annotations' appearances included (pdfium draws them),
    within MAX_DRAWN_OPERATORS and MAX_PAINTINGS; InputError otherwise."""
    import pikepdf

    budget = [MAX_PAGE_CONTENT_BYTES, MAX_PAINTINGS]
    seen: dict[Any, int] = {}
    drawn = _drawn_operators(page.obj, resources, 0, seen, budget)
    for annotation in page.obj.get("/Annots", pikepdf.Array()):
        appearance = annotation.get("/AP") if isinstance(annotation, pikepdf.Dictionary) else None
        normal = appearance.get("/N") if isinstance(appearance, pikepdf.Dictionary) else None
        states = normal.values() if isinstance(normal, pikepdf.Dictionary) else [normal]
        for form in states:
            if isinstance(form, pikepdf.Stream):
                budget[0] -= _bounded_length(form, budget[0])
                drawn += _drawn_operators(form, form.get("/Resources"), 1, seen, budget)
                if drawn > MAX_DRAWN_OPERATORS:
                    raise _too_complex("page 1 of the PDF draws too much")


def _page_one_qr_texts(untrusted_pdf: bytes) -> tuple[str, ...]:
    import pypdfium2

    document = pypdfium2.PdfDocument(untrusted_pdf)
    try:
        page = document[0]
        width, height = page.get_size()
        if width <= 0 or height <= 0:
            return ()
        scale = min(PAGE_RENDER_SIDE / max(width, height), 8.0)
        bitmap = page.render(scale=scale, grayscale=True)
        return _search(bitmap.to_pil())
    finally:
        document.close()


def certificate_facts(untrusted_pdf: bytes) -> dict[str, Any]:
    """Limits first (pikepdf), then the seal and attachments (pyHanko), then page 1's QR codes
    (pypdfium2 + zxing-cpp), as CertificateFacts' JSON; InputError for a PDF over the limits
    or unreadable."""
    _check_limits(untrusted_pdf)
    try:
        facts = read_pdf(untrusted_pdf, max_attachment_bytes=MAX_ATTACHMENT_BYTES)
    except PdfUnreadable as error:
        raise InputError(error.message, code="pdf_unreadable") from None
    try:
        qr_texts = _page_one_qr_texts(untrusted_pdf)
    except Exception:  # a page that cannot be drawn has no QR code to read
        qr_texts = ()
    return CertificateFacts(facts, qr_texts).to_json()


def svg_credential(untrusted_svg: bytes) -> str | None:
    """The credential baked in an SVG badge, or None (run in the capped child: an 8 MB SVG of
    two million elements costs the parser seconds and hundreds of MB)."""
    try:
        return unbake_svg(untrusted_svg)
    except BadgeImageError as error:
        raise InputError(error.message, code="unreadable_badge") from None

"""Reading sealed PDFs in tests: pyHanko validation, attachments, XMP, the QR of the first page."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from sqlalchemy import select

from core.db.models import SealCertificate


def instance_ca(runtime: Any) -> asn1_x509.Certificate:
    """The instance's own CA certificate: the trust root of its non-qualified seals."""
    with runtime.unit() as deps:
        der = deps.session.scalar(
            select(SealCertificate.certificate_der).where(SealCertificate.role == "ca")
        )
    assert der is not None
    return asn1_x509.Certificate.load(der)


@dataclass
class SealCheck:
    intact: bool
    valid: bool
    trusted: bool
    coverage: str
    modified: str
    signer_subject: str
    subfilter: str
    timestamped: bool
    timestamp_trusted: bool


def check_seal(
    pdf: bytes, trust_root: asn1_x509.Certificate, *more_roots: asn1_x509.Certificate
) -> SealCheck:
    """Validate the one signature of ``pdf`` as a PDF reader does, trusting ``trust_root``."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    signatures = reader.embedded_signatures
    assert len(signatures) == 1, f"{len(signatures)} signatures"
    signature = signatures[0]
    status = validate_pdf_signature(
        signature,
        ValidationContext(trust_roots=[trust_root, *more_roots], allow_fetching=False),
    )
    stamp = status.timestamp_validity
    return SealCheck(
        intact=status.intact,
        valid=status.valid,
        trusted=status.trusted,
        coverage=status.coverage.name,
        modified=status.modification_level.name if status.modification_level else "",
        signer_subject=status.signing_cert.subject.human_friendly,
        subfilter=str(signature.sig_object["/SubFilter"]),
        timestamped=stamp is not None,
        timestamp_trusted=stamp is not None and stamp.trusted,
    )


def catalog(pdf: bytes) -> Any:
    return PdfFileReader(io.BytesIO(pdf), strict=False).root


def attachments(pdf: bytes) -> dict[str, dict[str, Any]]:
    """{name: {"data", "subtype", "relationship"}} of the files embedded in ``pdf``."""
    root = catalog(pdf)
    names = root["/Names"]["/EmbeddedFiles"]["/Names"]
    out = {}
    for i in range(0, len(names), 2):
        spec = names[i + 1].get_object()
        stream = spec["/EF"]["/F"].get_object()
        out[str(spec["/UF"])] = {
            "data": stream.data,
            "subtype": str(stream["/Subtype"]),
            "relationship": str(spec["/AFRelationship"]),
            "ref": names.raw_get(i + 1),
        }
    return out


def first_page_qr_texts(pdf: bytes, dpi: int = 200) -> list[str]:
    """What a phone would read: the QR codes found on the first page rendered at ``dpi``."""
    import pypdfium2
    import zxingcpp

    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        bitmap = page.render(scale=dpi / 72)
        image = bitmap.to_pil()
        bitmap.close()
        page.close()
    finally:
        document.close()
    return [r.text for r in zxingcpp.read_barcodes(image)]


def page_texts(pdf: bytes) -> list[str]:
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    texts = []
    try:
        for page in document:
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range())
            textpage.close()
            page.close()
    finally:
        document.close()
    return texts

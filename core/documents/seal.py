"""The PAdES seal: pyHanko signs the whole PDF with the body's seal certificate.

PAdES B-B by default; B-T when SCEAU_TSA_URL names an RFC 3161 time-stamping service. The
signature is an incremental update, so the sealed file is still the PDF/A-3b it was.
"""

from __future__ import annotations

import io
import threading

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers, timestamps
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko_certvalidator.registry import SimpleCertificateStore

from core.db.models import Organization
from core.deps import Deps
from core.documents.seal_keys import OpenSeal, ensure_seal, open_seal
from core.errors import SceauError


class TimestampUnavailable(SceauError):
    """The time-stamping service of SCEAU_TSA_URL did not answer with a token: no seal is made
    (a B-T seal was asked for), and the caller may try again later."""

    code = "timestamp_unavailable"
    http_status = 503

#: Room kept for the CMS signature: a P-256 or RSA-4096 signature with a chain of a few
#: certificates and a timestamp token fits with margin. Reserving it skips pyHanko's dry run.
SIGNATURE_BYTES = 16384
FIELD_NAME = "Cachet"

_signers: dict[int, signers.SimpleSigner] = {}
_lock = threading.Lock()


def _signer(seal: OpenSeal) -> signers.SimpleSigner:
    with _lock:
        cached = _signers.get(seal.row_id)
    if cached is not None:
        return cached
    certificate = asn1_x509.Certificate.load(seal.certificate.public_bytes(Encoding.DER))
    key = asn1_keys.PrivateKeyInfo.load(
        seal.key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
    )
    chain = [asn1_x509.Certificate.load(c.public_bytes(Encoding.DER)) for c in seal.chain]
    signer = signers.SimpleSigner(
        signing_cert=certificate,
        signing_key=key,
        cert_registry=SimpleCertificateStore.from_certs(chain),
    )
    with _lock:
        _signers[seal.row_id] = signer
    return signer


def seal_pdf(deps: Deps, org: Organization, pdf: bytes, reason: str) -> bytes:
    """``pdf`` sealed by ``org``'s active seal certificate (made on first use)."""
    seal = open_seal(deps, ensure_seal(deps, org))
    return sign_with(seal, pdf, reason=reason, location=org.name, tsa_url=deps.settings.tsa_url)


def sign_with(
    seal: OpenSeal, pdf: bytes, *, reason: str, location: str, tsa_url: str | None
) -> bytes:
    """Sign ``pdf`` as PAdES (B-T with a timestamp from ``tsa_url``, else B-B)."""
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason[:200],
        location=location[:200],
    )
    timestamper = timestamps.HTTPTimeStamper(tsa_url, timeout=10) if tsa_url else None
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    pdf_signer = signers.PdfSigner(metadata, _signer(seal), timestamper=timestamper)
    try:
        out = pdf_signer.sign_pdf(writer, bytes_reserved=SIGNATURE_BYTES)
    except TimestampRequestError as error:
        # The message names the service's answer, never its credentials.
        raise TimestampUnavailable(
            f"the time-stamping service did not answer with a token ({type(error).__name__})"
        ) from None
    return out.getvalue()

"""The PAdES seal: pyHanko signs the whole PDF with the body's seal certificate.

PAdES B-B by default; B-T when SCEAU_TSA_URL names an RFC 3161 time-stamping service. The
signature is an incremental update, so the sealed file is still the PDF/A-3b it was.
"""

from __future__ import annotations

import asyncio
import io
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers, timestamps
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko_certvalidator.registry import SimpleCertificateStore

from core.db.models import Organization
from core.deps import Deps
from core.documents.seal_keys import OpenSeal, active_seal, ensure_seal, open_seal
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

# Keyed by the certificate itself, never by a row id alone (ids can be reused).
_signers: dict[tuple[int, bytes], signers.SimpleSigner] = {}
_lock = threading.Lock()


def _signer(seal: OpenSeal) -> signers.SimpleSigner:
    cache_key = (seal.row_id, seal.certificate.fingerprint(hashes.SHA256()))
    with _lock:
        cached = _signers.get(cache_key)
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
        cert_registry=SimpleCertificateStore.from_certs(chain),  # type: ignore[no-untyped-call]
    )
    with _lock:
        _signers[cache_key] = signer
    return signer


def seal_pdf(
    deps: Deps, org: Organization, pdf: bytes, reason: str, *, seal: OpenSeal | None = None
) -> bytes:
    """``pdf`` sealed by ``seal``, else by ``org``'s active seal certificate (made on first
    use, which writes: a caller without a write transaction passes ``existing_seal``)."""
    if seal is None:
        seal = open_seal(deps, ensure_seal(deps, org))
    return sign_with(seal, pdf, reason=reason, location=org.name, tsa_url=deps.settings.tsa_url)


def existing_seal(deps: Deps, org: Organization) -> OpenSeal | None:
    """The body's usable seal if it has one (reads only), else None."""
    row = active_seal(deps, org)
    if row is None or row.not_after <= deps.clock.now() + timedelta(days=1):
        return None
    return open_seal(deps, row)


def sign_with(
    seal: OpenSeal, pdf: bytes, *, reason: str, location: str, tsa_url: str | None
) -> bytes:
    """Sign ``pdf`` as PAdES (B-T with a timestamp from ``tsa_url``, else B-B)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _sign(seal, pdf, reason=reason, location=location, tsa_url=tsa_url)
    # pyHanko runs an event loop of its own, which cannot start inside a running one (an
    # async server, a browser driver in tests): sign in a thread of its own then.
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(
            _sign, seal, pdf, reason=reason, location=location, tsa_url=tsa_url
        ).result()


def _list_each_attachment_once(writer: IncrementalPdfFileWriter) -> None:
    # WeasyPrint lists each attached file twice in the catalog's /AF; the seal's revision
    # writes the list once (the signature covers this update too).
    if "/AF" not in writer.root:
        return
    listed = writer.root.raw_get("/AF")
    if isinstance(listed, generic.IndirectObject):
        listed = listed.get_object()  # type: ignore[no-untyped-call]
    seen: list[generic.IndirectObject] = []
    for i in range(len(listed)):
        ref = listed.raw_get(i)
        if ref not in seen:
            seen.append(ref)
    if len(seen) != len(listed):
        writer.root["/AF"] = generic.ArrayObject(seen)
        writer.update_root()  # type: ignore[no-untyped-call]


def _sign(seal: OpenSeal, pdf: bytes, *, reason: str, location: str, tsa_url: str | None) -> bytes:
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason[:200],
        location=location[:200],
    )
    timestamper = timestamps.HTTPTimeStamper(tsa_url, timeout=10) if tsa_url else None
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    _list_each_attachment_once(writer)
    pdf_signer = signers.PdfSigner(metadata, _signer(seal), timestamper=timestamper)
    try:
        out = pdf_signer.sign_pdf(writer, bytes_reserved=SIGNATURE_BYTES)
    except TimestampRequestError as error:
        # The message names the service's answer, never its credentials.
        raise TimestampUnavailable(
            f"the time-stamping service did not answer with a token ({type(error).__name__})"
        ) from None
    return bytes(out.getvalue())

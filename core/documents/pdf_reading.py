"""Reading a certificate PDF that may be hostile: the files attached to it (decompressed
within a limit) and whether its one seal is intact, covers the whole file and is trusted."""

from __future__ import annotations

import hashlib
import io
import zlib
from dataclasses import dataclass
from typing import Any

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from core.errors import SceauError

#: Files the name tree may list before the PDF is refused (Sceau attaches two).
_MAX_NAMES = 64
_MAX_DEPTH = 8


class PdfUnreadable(SceauError):
    """A PDF is malformed, or holds what the reader refuses (an attachment over its limit, an
    unsupported filter, two attachments of one name)."""

    code = "pdf_unreadable"
    http_status = 400


@dataclass(frozen=True)
class PdfFacts:
    """What a certificate PDF holds, as far as checking it goes."""

    attachments: dict[str, bytes]  # the attached files asked for, by name
    signatures: int  # how many signatures the PDF has
    intact: bool  # its one seal's signed bytes are unchanged and the signature verifies
    whole_file: bool  # the seal covers the entire file: nothing was added after it
    trusted: bool  # the seal's certificate chains to one of the trust roots given
    signer: str  # the seal certificate's subject
    signer_sha256: str  # the SHA-256 of the seal certificate (DER): whose seal it is


def _inflate(data: bytes, limit: int) -> bytes:
    inflater = zlib.decompressobj()
    out = inflater.decompress(data, limit + 1)
    if len(out) > limit or inflater.unconsumed_tail:
        raise PdfUnreadable(f"an attached file is over {limit} bytes")
    return out


def _stream_bytes(stream: Any, limit: int) -> bytes:
    """An embedded file's bytes, decompressed by us within ``limit`` (a small stream could
    inflate to gigabytes if the library decoded it)."""
    if stream is None:
        raise PdfUnreadable("an attachment has no embedded file")
    filters = _get(stream, "/Filter")
    if isinstance(filters, list) and len(filters) == 1:
        filters = filters[0]
    if "/DecodeParms" in stream:
        raise PdfUnreadable("an attached file uses decoding parameters")
    raw = bytes(stream.encoded_data)
    if filters is None:
        if len(raw) > limit:
            raise PdfUnreadable(f"an attached file is over {limit} bytes")
        return raw
    if str(filters) == "/FlateDecode":
        try:
            return _inflate(raw, limit)
        except zlib.error:
            raise PdfUnreadable("an attached file is not valid compressed data") from None
    raise PdfUnreadable("an attached file uses an unsupported filter")


def _get(node: Any, key: str) -> Any:
    """``node[key]`` with indirect references followed, or None."""
    value = node.get(key) if hasattr(node, "get") else None
    return value.get_object() if value is not None else None


def _name_tree(node: Any, found: list[tuple[str, Any]], depth: int = 0) -> None:
    if depth > _MAX_DEPTH:
        raise PdfUnreadable("the PDF's attachments are nested too deep")
    names = _get(node, "/Names")
    if names is not None:
        for i in range(0, len(names) - 1, 2):
            found.append((str(names[i].get_object()), names[i + 1].get_object()))
            if len(found) > _MAX_NAMES:
                raise PdfUnreadable("the PDF lists too many attachments")
    for kid in _get(node, "/Kids") or []:
        _name_tree(kid.get_object(), found, depth + 1)


def _attachments(root: Any, wanted: tuple[str, ...], limit: int) -> dict[str, bytes]:
    tree = _get(_get(root, "/Names"), "/EmbeddedFiles")
    found: list[tuple[str, Any]] = []
    if tree is not None:
        _name_tree(tree, found)
    out: dict[str, bytes] = {}
    for key, spec in found:
        name = str(_get(spec, "/UF") or _get(spec, "/F") or key)
        if name not in wanted:
            continue
        if name in out:
            raise PdfUnreadable(f"the PDF has two attachments named {name}")
        out[name] = _stream_bytes(_get(_get(spec, "/EF"), "/F"), limit)
    return out


def read_pdf(
    pdf: bytes,
    *,
    attachments: tuple[str, ...] = ("credential.json", "credential.jwt"),
    trust_roots: tuple[bytes, ...] = (),
    max_attachment_bytes: int = 1 << 20,
) -> PdfFacts:
    """The attachments named ``attachments`` and the state of the PDF's seal, trusting the
    DER certificates ``trust_roots``; PdfUnreadable for what cannot be read."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        files = _attachments(reader.root, attachments, max_attachment_bytes)
        signatures = reader.embedded_signatures
        intact = whole = trusted = False
        signer = fingerprint = ""
        if len(signatures) == 1:
            roots = [asn1_x509.Certificate.load(der) for der in trust_roots]
            context = ValidationContext(trust_roots=roots, allow_fetching=False)
            status = validate_pdf_signature(signatures[0], context, skip_diff=True)
            intact = bool(status.intact and status.valid)
            whole = status.coverage is not None and status.coverage.name == "ENTIRE_FILE"
            trusted = bool(status.trusted)
            signer = status.signing_cert.subject.human_friendly
            fingerprint = hashlib.sha256(status.signing_cert.dump()).hexdigest()
    except PdfUnreadable:
        raise
    except Exception:  # any parser fault on hostile bytes: the PDF is unreadable, never a crash
        raise PdfUnreadable("the PDF could not be read") from None
    return PdfFacts(files, len(signatures), intact, whole, trusted, signer, fingerprint)

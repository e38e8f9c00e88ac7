"""Verifying files through POST /api/v1/verify in tests, and forging certificate PDFs."""

from __future__ import annotations

import io
from typing import Any

import pikepdf
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sceau_test_support import self_signed_certificate

from core.documents.seal import sign_with
from core.documents.seal_keys import OpenSeal

_BOUNDARY = "sceau-intake-test"


def multipart(data: bytes, filename: str = "upload", **fields: str) -> tuple[bytes, str]:
    """A multipart/form-data body with ``data`` as its ``file`` field, and its content type.
    (Encoded here: the test client spools a large form to a file it never closes.)"""
    head = f"--{_BOUNDARY}\r\nContent-Disposition: form-data; name="
    parts = [f'{head}"{name}"\r\n\r\n{value}\r\n'.encode() for name, value in fields.items()]
    parts.append(
        f'--{_BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"'
        "\r\nContent-Type: application/octet-stream\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    body = b"".join(parts) + f"--{_BOUNDARY}--\r\n".encode()
    return body, f"multipart/form-data; boundary={_BOUNDARY}"


def verify_file(client: Any, data: bytes, filename: str = "upload", **fields: str) -> Any:
    """POST ``data`` as the ``file`` field of a multipart form (and ``fields`` beside it)."""
    body, content_type = multipart(data, filename, **fields)
    return client.post("/api/v1/verify", data=body, content_type=content_type)


def steps(report: dict[str, Any]) -> dict[str, str]:
    return {s["id"]: s["code"] for s in report["steps"]}


def issued_pdf(client: Any, credential_id: str) -> bytes:
    response = client.get(f"/c/{credential_id.rsplit('/', 1)[1]}.pdf")
    assert response.status_code == 200, response.data[:300]
    return bytes(response.data)


def unsealed(sealed_pdf: bytes) -> bytes:
    """The PDF as it was before its seal: the seal is an incremental update, so the first
    revision (up to its %%EOF) is the unsealed file."""
    end = sealed_pdf.index(b"%%EOF") + len(b"%%EOF")
    while sealed_pdf[end : end + 1] in (b"\r", b"\n"):
        end += 1
    first = sealed_pdf[:end]
    assert b"/ByteRange" not in first
    return first


def with_attachments(pdf: bytes, files: dict[str, bytes]) -> bytes:
    """``pdf`` rewritten (pikepdf) with its attached files ``files`` replaced."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        for name, data in files.items():
            document.attachments[name] = pikepdf.AttachedFileSpec(document, data, filename=name)
        out = io.BytesIO()
        document.save(out)
        return out.getvalue()


def self_made_seal(common_name: str = "Acme Certification") -> OpenSeal:
    """A seal certificate anyone can make: self-signed, with the body's name in it."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, common_name),
        ]
    )
    usage = x509.KeyUsage(True, True, False, False, False, False, False, False, False)
    certificate = self_signed_certificate(key, name, (usage, True))
    return OpenSeal(-1, certificate, (), key, False)


def seal_with(seal: OpenSeal, pdf: bytes) -> bytes:
    return sign_with(seal, pdf, reason="Certificate", location="Anywhere", tsa_url=None)


def never_ends(_data: bytes) -> None:
    """A parser stuck in a loop (run in the capped child)."""
    while True:
        pass


def allocates(data: bytes) -> int:
    """A parser that needs gigabytes (run in the capped child)."""
    return len(bytes(8 << 30)) + len(data)

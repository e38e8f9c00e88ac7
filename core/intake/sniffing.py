"""Telling what an uploaded file or pasted text is from its bytes (never from its name)."""

from __future__ import annotations

import re

from core.errors import InputError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"
# ISO base media brands of HEIF/HEIC stills (phones' photos).
_HEIF_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif")
_JWT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*")
_URL = re.compile(r"https?://\S+", re.IGNORECASE)


def sniff_file(untrusted_file: bytes) -> str:
    """``pdf``, ``png``, ``jpeg``, ``heif`` or ``text`` (to be read by ``sniff_text``)."""
    head = untrusted_file[:1024]
    if b"%PDF-" in head:  # PDF readers accept the header anywhere in the first kilobyte
        return "pdf"
    if head.startswith(PNG_SIGNATURE):
        return "png"
    if head.startswith(_JPEG):
        return "jpeg"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "heif"
    return "text"


def file_text(untrusted_file: bytes) -> str:
    """An uploaded file as text (UTF-8, a BOM allowed); InputError for anything else."""
    try:
        return untrusted_file.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise unsupported() from None


def sniff_text(untrusted_text: str) -> str:
    """``json``, ``svg``, ``url`` or ``jwt``; InputError for text that is none of them."""
    text = untrusted_text.strip()
    if text.startswith(("{", "[")):
        return "json"
    if text.startswith("<"):
        return "svg"
    if _URL.fullmatch(text):
        return "url"
    if _JWT.fullmatch(text):
        return "jwt"
    raise unsupported()


def unsupported() -> InputError:
    return InputError(
        "this file is not a credential Sceau can read: send the certificate PDF, a badge image "
        "(PNG or SVG), a JSON credential, a VC-JWT, or a photo of the certificate's QR code",
        code="unsupported_file",
    )

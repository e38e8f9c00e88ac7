"""Byte encodings used by keys, proofs and JWTs: base58btc, multibase ('z') and base64url."""

from __future__ import annotations

import base64
import binascii
import re

from core.errors import InputError

B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(B58_ALPHABET)}
_B64URL_RE = re.compile(r"\A[A-Za-z0-9_-]*={0,2}\Z")


def b58encode(data: bytes) -> str:
    """Encode bytes in base58 (bitcoin alphabet); each leading zero byte becomes a '1'."""
    zeros = len(data) - len(data.lstrip(b"\0"))
    number = int.from_bytes(data, "big")
    digits: list[str] = []
    while number:
        number, rem = divmod(number, 58)
        digits.append(B58_ALPHABET[rem])
    return "1" * zeros + "".join(reversed(digits))


def b58decode(text: str) -> bytes:
    """Decode base58 (bitcoin alphabet); InputError on any character outside the alphabet."""
    if not isinstance(text, str):
        raise InputError("base58 value must be a string", code="invalid_encoding")
    number = 0
    for char in text:
        value = _B58_INDEX.get(char)
        if value is None:
            raise InputError("invalid base58 character", code="invalid_encoding")
        number = number * 58 + value
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def multibase_encode(data: bytes) -> str:
    """Multibase base58btc: 'z' followed by the base58 encoding."""
    return "z" + b58encode(data)


def multibase_decode(text: str) -> bytes:
    """Decode a multibase base58btc ('z…') string; other bases are an InputError."""
    if not isinstance(text, str) or not text.startswith("z"):
        raise InputError("unsupported multibase encoding (expected 'z')", code="invalid_encoding")
    return b58decode(text[1:])


def b64url_encode(data: bytes) -> str:
    """base64url without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str | bytes) -> bytes:
    """Decode base64url, with or without padding; InputError on anything else."""
    if isinstance(text, bytes):
        try:
            text = text.decode("ascii")
        except UnicodeDecodeError:
            raise InputError("invalid base64url value", code="invalid_encoding") from None
    if not isinstance(text, str) or not _B64URL_RE.match(text):
        raise InputError("invalid base64url value", code="invalid_encoding")
    stripped = text.rstrip("=")
    if len(stripped) % 4 == 1:
        raise InputError("invalid base64url length", code="invalid_encoding")
    padded = stripped + "=" * (-len(stripped) % 4)
    try:
        return base64.urlsafe_b64decode(padded)
    except (binascii.Error, ValueError):
        raise InputError("invalid base64url value", code="invalid_encoding") from None

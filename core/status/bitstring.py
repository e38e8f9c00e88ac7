"""Bitstring Status List v1.0 encoding: GZIP + multibase base64url, with a GZIP-bomb guard."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterable

from core.encoding import b64url_decode, b64url_encode
from core.errors import InputError, StatusListError

MIN_LIST_SIZE = 131_072  # bits (16 KiB): the spec's minimum, for herd privacy
DEFAULT_MAX_BYTES = 2_097_152  # largest decompressed bitstring we accept (16 Mi entries)
_GZIP_WBITS = 16 + zlib.MAX_WBITS


def encode_status_list(set_indexes: Iterable[int], size: int) -> str:
    """'u' + base64url(GZIP(bitstring)) of a ``size``-bit list with ``set_indexes`` set to 1.

    Bit 0 is the most significant bit of byte 0.  ``size`` must be a positive multiple of 8.
    """
    if isinstance(size, bool) or not isinstance(size, int) or size <= 0 or size % 8:
        raise InputError("status list size must be a positive multiple of 8")
    bits = bytearray(size // 8)
    for index in set_indexes:
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < size:
            raise InputError("status list index out of range")
        bits[index >> 3] |= 0x80 >> (index & 7)
    # mtime=0 keeps the output deterministic, so an unchanged list keeps its ETag.
    return "u" + b64url_encode(gzip.compress(bytes(bits), compresslevel=9, mtime=0))


def decode_status_list(encoded: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The bitstring of an ``encodedList`` ('u'-multibase, or leniently plain base64url).

    Decompresses incrementally and stops as soon as the output passes ``max_bytes``, so a
    GZIP bomb costs at most ``max_bytes`` of memory.  Every failure is a StatusListError.
    """
    if not isinstance(encoded, str) or not encoded.strip():
        raise StatusListError("the status list has no encodedList")
    text = encoded.strip()
    # A GZIP stream in base64 starts with "H4s", so a leading 'u' is always the multibase prefix.
    if text.startswith("u"):
        text = text[1:]
    if len(text) > max_bytes * 4 // 3 + 4096:
        raise StatusListError("the encoded status list is too long")
    text = text.replace("+", "-").replace("/", "_")  # tolerate standard base64
    try:
        compressed = b64url_decode(text)
    except InputError:
        raise StatusListError("the status list is not valid base64url") from None
    return _gunzip_bounded(compressed, max_bytes)


def _gunzip_bounded(compressed: bytes, max_bytes: int) -> bytes:
    decompressor = zlib.decompressobj(wbits=_GZIP_WBITS)
    output = bytearray()
    data = compressed
    try:
        while data and not decompressor.eof:
            # max_length >= 1 here (0 would mean "unlimited").
            output += decompressor.decompress(data, max_bytes + 1 - len(output))
            if len(output) > max_bytes:
                raise StatusListError("the status list is larger than allowed")
            data = decompressor.unconsumed_tail
    except zlib.error:
        raise StatusListError("the status list is not valid GZIP") from None
    if not decompressor.eof:
        raise StatusListError("the status list GZIP stream is truncated")
    if decompressor.unused_data:
        raise StatusListError("the status list has data after the GZIP stream")
    if not output:
        raise StatusListError("the status list is empty")
    return bytes(output)


def bit_at(bitstring: bytes, index: int) -> bool:
    """Whether bit ``index`` is set (bit 0 = most significant bit of byte 0)."""
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(bitstring) * 8:
        raise StatusListError(
            "the status list index is outside the list", code="status_index_range"
        )
    return bool(bitstring[index >> 3] & (0x80 >> (index & 7)))

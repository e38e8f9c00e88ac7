"""PNG chunks read and written by hand: the structure checks of baking, never the pixels.

A baked badge comes from anywhere (an upload to the verifier, a wallet), so the reader trusts
nothing: every chunk length is bounded by what is left, every CRC is checked, the datastream
must start with IHDR and end with IEND, and nothing is ever decompressed here.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from core.errors import InputError

SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: The PNG specification's largest chunk length (2^31 - 1).
MAX_CHUNK_LENGTH = 0x7FFFFFFF


class BadgeImageError(InputError):
    """A badge image (PNG or SVG) is malformed, hostile or over its limits, or cannot carry
    a credential; the message says what is wrong, never a library's exception text."""

    code = "invalid_image"


@dataclass(frozen=True)
class Chunk:
    """One chunk: its type and where its data and the whole chunk lie in the datastream."""

    type: bytes
    start: int  # first byte of the length field
    data_start: int
    data_end: int

    @property
    def end(self) -> int:
        return self.data_end + 4  # the CRC


def _is_chunk_type(name: bytes) -> bool:
    return all(65 <= b <= 90 or 97 <= b <= 122 for b in name)


def read_chunks(data: bytes, max_bytes: int) -> list[Chunk]:
    """The chunks of a PNG datastream, checked; BadgeImageError for anything malformed."""
    if len(data) > max_bytes:
        raise BadgeImageError(f"the image is larger than {max_bytes} bytes")
    if not data.startswith(SIGNATURE):
        raise BadgeImageError("not a PNG image (no PNG signature)")
    chunks: list[Chunk] = []
    position = len(SIGNATURE)
    view = memoryview(data)
    while True:
        if position + 8 > len(data):
            raise BadgeImageError("the PNG ends inside a chunk header (truncated)")
        length, name = struct.unpack_from(">I4s", data, position)
        if length > MAX_CHUNK_LENGTH:
            raise BadgeImageError("a PNG chunk declares an impossible length")
        if not _is_chunk_type(name):
            raise BadgeImageError("a PNG chunk has an invalid type")
        data_start = position + 8
        data_end = data_start + length
        if data_end + 4 > len(data):
            raise BadgeImageError(f"the PNG's {name.decode()} chunk is truncated")
        (crc,) = struct.unpack_from(">I", data, data_end)
        if zlib.crc32(view[position + 4 : data_end]) != crc:
            raise BadgeImageError(f"the PNG's {name.decode()} chunk fails its CRC check")
        chunk = Chunk(name, position, data_start, data_end)
        if not chunks and name != b"IHDR":
            raise BadgeImageError("the PNG does not start with its IHDR chunk")
        chunks.append(chunk)
        position = chunk.end
        if name == b"IEND":
            break
    if position != len(data):
        raise BadgeImageError("the PNG has data after its IEND chunk")
    return chunks


def encode_chunk(name: bytes, payload: bytes) -> bytes:
    """A chunk as written in a datastream: length, type, data, CRC."""
    if len(payload) > MAX_CHUNK_LENGTH:
        raise BadgeImageError("the data is too large for a PNG chunk")
    return (
        struct.pack(">I", len(payload))
        + name
        + payload
        + struct.pack(">I", zlib.crc32(name + payload))
    )


def text_keyword(data: bytes, chunk: Chunk) -> bytes | None:
    """The keyword of a tEXt, zTXt or iTXt chunk (None for other chunks)."""
    if chunk.type not in (b"tEXt", b"zTXt", b"iTXt"):
        return None
    end = data.find(b"\x00", chunk.data_start, min(chunk.data_end, chunk.data_start + 80))
    return data[chunk.data_start : end] if end != -1 else None


_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # by colour type
_BIT_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}
# Adam7 passes: first column, first row, column step, row step.
_ADAM7 = (
    (0, 0, 8, 8),
    (4, 0, 8, 8),
    (0, 4, 4, 8),
    (2, 0, 4, 4),
    (0, 2, 2, 4),
    (1, 0, 2, 2),
    (0, 1, 1, 2),
)


def check_pixel_data(data: bytes, chunks: list[Chunk]) -> tuple[int, int]:
    """(width, height) of a PNG whose pixel data inflates to exactly what its header announces,
    every row with a known filter; BadgeImageError otherwise. Pillow alone cannot tell: once
    WeasyPrint is imported it lets truncated images load (ImageFile.LOAD_TRUNCATED_IMAGES)."""
    header = chunks[0]
    if header.data_end - header.data_start != 13:
        raise BadgeImageError("the PNG's IHDR chunk is malformed")
    width, height, depth, colour, compression, filtering, interlace = struct.unpack_from(
        ">IIBBBBB", data, header.data_start
    )
    if (
        depth not in _BIT_DEPTHS.get(colour, ())
        or (compression, filtering) != (0, 0)
        or interlace not in (0, 1)
        or not (width and height)
    ):
        raise BadgeImageError("the PNG's IHDR chunk is malformed")
    bits = _CHANNELS[colour] * depth
    passes = _ADAM7 if interlace else ((0, 0, 1, 1),)
    shapes = [((width - x + dx - 1) // dx, (height - y + dy - 1) // dy) for x, y, dx, dy in passes]
    expected = sum(h * (1 + (w * bits + 7) // 8) for w, h in shapes if w and h)
    inflater = zlib.decompressobj()
    parts: list[bytes] = []
    size = 0
    try:
        for chunk in chunks:
            if chunk.type == b"IDAT":
                part = inflater.decompress(
                    data[chunk.data_start : chunk.data_end], expected + 1 - size
                )
                parts.append(part)
                size += len(part)
                if size > expected or inflater.unconsumed_tail:
                    raise BadgeImageError("the PNG's pixel data is larger than its size")
    except zlib.error:
        raise BadgeImageError("the PNG's pixel data is corrupt") from None
    if size != expected or not inflater.eof:
        raise BadgeImageError("the PNG's pixel data is incomplete")
    pixels = b"".join(parts)
    position = 0
    for w, h in shapes:
        if not (w and h):
            continue
        row = 1 + (w * bits + 7) // 8
        if any(pixels[position + i * row] > 4 for i in range(h)):
            raise BadgeImageError("the PNG's pixel data is corrupt")
        position += h * row
    return width, height

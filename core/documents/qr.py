"""QR codes for documents: a PNG with one pixel per module, scaled sharp by the renderer."""

from __future__ import annotations

import io

import qrcode
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M

#: The quiet zone ISO/IEC 18004 asks for around the symbol, in modules.
QUIET_ZONE = 4
#: A fixed mask pattern: choosing the best of the eight (the standard's penalty score) costs
#: nine times the encoding, and every reader decodes any mask. Tests read the codes back.
MASK_PATTERN = 2


def qr_png(text: str) -> bytes:
    """A QR code of ``text`` (error correction M) as a grayscale PNG, one pixel per module.

    Shown at about 32 mm wide, a credential URL's symbol has modules of about 0.7 mm: enough
    for a phone to read it from paper. The renderer must not smooth it (CSS
    ``image-rendering: pixelated``).
    """
    code = qrcode.QRCode(
        error_correction=ERROR_CORRECT_M,
        border=QUIET_ZONE,
        box_size=1,
        mask_pattern=MASK_PATTERN,
    )
    code.add_data(text.encode())
    code.make(fit=True)
    matrix = code.get_matrix()
    size = len(matrix)
    pixels = bytes(0 if dark else 255 for row in matrix for dark in row)
    out = io.BytesIO()
    Image.frombytes("L", (size, size), pixels).save(out, format="PNG", optimize=False)
    return out.getvalue()

"""The uploads benchmarks.http sends to the verifier: a certificate PDF and a photo of it."""

from __future__ import annotations

import io
import secrets
import statistics
import time


def multipart(field: str, filename: str, media_type: str, data: bytes) -> tuple[bytes, str]:
    """A multipart/form-data body with one file field; (body, its Content-Type header)."""
    boundary = f"sceau-bench-{secrets.token_hex(12)}"
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
        f"Content-Type: {media_type}\r\n\r\n"
    ).encode()
    body = head + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def photo_of(pdf: bytes, *, dpi: int = 150, angle: float = 3.0) -> bytes:
    """A JPEG "photo" of the PDF's first page: rendered at ``dpi``, turned by ``angle``
    degrees on a grey background (a phone never holds the paper straight), quality 85."""
    import pypdfium2
    from PIL import Image

    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        image = page.render(scale=dpi / 72).to_pil().convert("RGB")
    finally:
        document.close()
    turned = image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor="#777")
    out = io.BytesIO()
    turned.save(out, "JPEG", quality=85)
    return out.getvalue()


def qr_milliseconds(photo: bytes, *, repeat: int = 20) -> dict[str, float]:
    """How long finding the QR code in ``photo`` takes as the verifier does it (in its bounded
    parsing process, warm: the JPEG decoded, the code searched, the texts sent back): median
    and worst of ``repeat`` runs, in milliseconds."""
    from core.intake.reading import photo_qr_texts
    from core.intake.sandbox import run_capped

    run_capped(photo_qr_texts, photo)  # starts the parsing process, as a worker's first file
    spent = []
    for _ in range(repeat):
        started = time.perf_counter()
        found = run_capped(photo_qr_texts, photo)
        spent.append(time.perf_counter() - started)
        if not found:
            raise ValueError("no QR code was found in the benchmark's photo")
    return {
        "p50_ms": round(statistics.median(spent) * 1000, 1),
        "max_ms": round(max(spent) * 1000, 1),
    }

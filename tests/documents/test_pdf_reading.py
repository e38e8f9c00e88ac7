"""Reading a hostile certificate PDF: attachments decompressed within a limit, ambiguous
attachments refused, garbage refused; and the worker processes that cap memory and time."""

from __future__ import annotations

import io

import pytest
from pyhanko.pdf_utils import embed
from pyhanko.pdf_utils.writer import PdfFileWriter

from core.documents.pdf_pool import PdfPool
from core.documents.pdf_reading import PdfFacts, PdfUnreadable, read_pdf


def _pdf(*files: tuple[str, bytes], compress: bool = True) -> bytes:
    """An unsealed PDF with ``files`` attached (deflated, as WeasyPrint attaches them)."""
    writer = PdfFileWriter()
    for name, data in files:
        embedded = embed.EmbeddedFileObject.from_file_data(writer, data, compress=compress)
        embed.embed_file(writer, embed.FileSpec(name, file_name=name, embedded_data=embedded))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_attachments_are_read_and_an_unsealed_pdf_says_so() -> None:
    facts = read_pdf(_pdf(("credential.json", b"{}"), ("other.txt", b"x")))
    assert facts.attachments == {"credential.json": b"{}"}
    assert (facts.signatures, facts.intact, facts.whole_file, facts.trusted) == (0,) + (False,) * 3


def test_an_attachment_that_would_inflate_past_the_limit_is_refused() -> None:
    bomb = _pdf(("credential.json", bytes(64 << 20)))  # 64 MiB of zeros, deflated to 64 KiB
    assert len(bomb) < 1 << 20
    with pytest.raises(PdfUnreadable, match="over 1048576 bytes"):
        read_pdf(bomb)


def test_two_attachments_of_one_name_are_ambiguous() -> None:
    with pytest.raises(PdfUnreadable, match=r"two attachments named credential\.json"):
        read_pdf(_pdf(("credential.json", b"{}"), ("credential.json", b'{"a": 1}')))


@pytest.mark.parametrize("data", [b"", b"%PDF-1.7\n" + bytes(100), b"\x00" * 10, b"<html>"])
def test_what_is_not_a_pdf_is_unreadable_never_a_crash(data) -> None:
    with pytest.raises(PdfUnreadable, match="could not be read"):
        read_pdf(data)


def test_the_workers_read_in_order_and_a_starved_worker_costs_only_its_pdf() -> None:
    good = _pdf(("credential.json", b"{}"))
    with PdfPool((), max_attachment_bytes=1000, workers=2) as pool:
        results = list(pool.read([("a", good), ("b", b"garbage"), ("c", good)]))
    assert [k for k, _ in results] == ["a", "b", "c"]
    assert isinstance(results[0][1], PdfFacts) and results[0][1].attachments == {
        "credential.json": b"{}"
    }
    assert results[1][1] == "the PDF could not be read"
    # Workers without memory to spare for a large PDF: each one fails (out of memory, or the
    # worker dies and its task times out), the pool is rebuilt, and the checking process
    # goes on.
    large = _pdf(("credential.json", bytes(4 << 20)), compress=False)
    with PdfPool((), max_attachment_bytes=1000, workers=1, timeout=3, memory=1) as starved:
        outcomes = list(starved.read([("a", large), ("b", large)]))
    assert [k for k, _ in outcomes] == ["a", "b"]
    assert all(isinstance(o, str) for _, o in outcomes), outcomes

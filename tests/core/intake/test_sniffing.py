"""A file's kind comes from its bytes, never from its name."""

from __future__ import annotations

import pytest

from core.errors import InputError
from core.intake.sniffing import sniff_file, sniff_text


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"%PDF-1.7\n...", "pdf"),
        (b"garbage first\n%PDF-1.4\n", "pdf"),
        (b"\x89PNG\r\n\x1a\n....", "png"),
        (b"\xff\xd8\xff\xe0....", "jpeg"),
        (b"\x00\x00\x00\x18ftypheic....", "heif"),
        (b'{"description": "see %PDF-1.7"}', "text"),
        (b"\xef\xbb\xbf  <svg><desc>%PDF-1.7</desc></svg>", "text"),
        (b"eyJhbGciOiJFUzI1NiJ9.e30.sig", "text"),
    ],
)
def test_files_are_sniffed_from_their_bytes(data: bytes, kind: str) -> None:
    assert sniff_file(data) == kind


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (' {"a": 1}', "json"),
        ("<svg/>", "svg"),
        ("https://example.org/c/1 ", "url"),
        ("eyJhbGciOiJFUzI1NiJ9.e30.sig", "jwt"),
    ],
)
def test_texts_are_sniffed(text: str, kind: str) -> None:
    assert sniff_text(text) == kind


@pytest.mark.parametrize("text", ["hello world", "ftp://example.org/x", "a.b c.d", ""])
def test_other_text_is_unsupported(text: str) -> None:
    with pytest.raises(InputError) as refused:
        sniff_text(text)
    assert refused.value.code == "unsupported_file"

"""A hostile ZIP: traversal and absolute names, duplicates, bombs, huge member counts, bad CRCs,
overlapping members, encryption; refused before anything is inflated or written anywhere."""

from __future__ import annotations

import struct
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from archive_support import write_zip

from core.documents.safe_zip import ZipLimits, open_zip, unsafe_name


def _codes(path: Path, limits: ZipLimits | None = None) -> list[tuple[str, str]]:
    opened, problems = open_zip(path, limits or ZipLimits())
    if opened is not None:
        opened.close()
    return [(p.path, p.code) for p in problems]


@pytest.mark.parametrize(
    "name",
    [
        "../evil.json",
        "credentials/../../evil.json",
        "/etc/passwd",
        "C:/Windows/evil.json",
        "C:\\evil.json",
        "credentials\\..\\evil.json",
        "credentials//x.json",
        "./manifest.json",
        "crédentials/x.json",
        "credentials/ x.json",
        "folder/",
    ],
)
def test_a_member_name_that_could_escape_or_deceive_is_refused(tmp_path, name) -> None:
    path = write_zip(tmp_path / "a.zip", {"manifest.json": b"{}", name: b"x"})
    assert (name, "unsafe_name") in _codes(path)
    opened, _ = open_zip(path, ZipLimits())
    assert opened is not None and name not in opened.members and "manifest.json" in opened.members
    opened.close()
    assert not (tmp_path.parent / "evil.json").exists()  # nothing is ever extracted


def test_a_name_hiding_a_nul_byte_is_refused(tmp_path) -> None:
    """zipfile cuts a name at its NUL byte: "x.json<NUL>.pdf" would pass for "x.json"."""
    path = write_zip(tmp_path / "a.zip", {"credentials/x.jsonZ.pdf": b"x"})
    path.write_bytes(path.read_bytes().replace(b"x.jsonZ.pdf", b"x.json\x00.pdf"))
    assert _codes(path) == [("credentials/x.json\x00.pdf", "unsafe_name")]


def test_the_names_sceau_writes_are_safe() -> None:
    for name in (
        "manifest.json",
        "audit/events.json",
        "credentials/0b0f7c4e-2d6a-4c36-9f0e-1b2d3c4e5f60.jwt",
        "documents/jury-minutes-2.pdf",
    ):
        assert unsafe_name(name) is None


def test_duplicate_names_are_refused_both_times(tmp_path) -> None:
    with pytest.warns(UserWarning, match="Duplicate name"):  # zipfile warns, and writes it
        path = write_zip(
            tmp_path / "a.zip",
            [("a.json", b"1"), ("a.json", b"2"), ("B.json", b"3"), ("b.JSON", b"4")],
        )
    codes = _codes(path)
    assert ("a.json", "duplicate_name") in codes and ("b.JSON", "duplicate_name") in codes
    opened, _ = open_zip(path, ZipLimits())
    assert opened is not None and opened.members == {}  # neither copy is read
    opened.close()


def test_a_compression_bomb_is_refused_without_inflating_it(tmp_path) -> None:
    path = tmp_path / "bomb.zip"
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("audit/events.json", "w") as member,
    ):
        for _ in range(200):
            member.write(bytes(1 << 20))  # 200 MiB of zeros: about 200 KiB compressed
    assert path.stat().st_size < 1 << 20
    tracemalloc.start()
    started = time.monotonic()
    codes = _codes(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert codes == [("audit/events.json", "compression_bomb")]
    assert peak < 4 << 20 and time.monotonic() - started < 2


def test_members_over_the_size_limits_are_refused(tmp_path) -> None:
    path = write_zip(tmp_path / "big.zip", {"a.pdf": bytes(range(256)) * 64})
    assert _codes(path, ZipLimits(max_member_bytes=1000)) == [("a.pdf", "member_too_large")]
    assert _codes(path, ZipLimits(max_total_bytes=1000)) == [("", "archive_too_large")]


def test_a_huge_member_count_is_refused_from_the_end_record(tmp_path) -> None:
    path = write_zip(tmp_path / "many.zip", {f"f{i}.json": b"" for i in range(300)})
    assert _codes(path, ZipLimits(max_members=100)) == [("", "too_many_members")]
    assert _codes(path, ZipLimits(max_directory_bytes=1000)) == [("", "too_many_members")]
    assert _codes(path) == []


def test_an_end_record_that_lies_about_the_directory_is_refused(tmp_path) -> None:
    path = write_zip(tmp_path / "a.zip", {"a.json": b"{}"})
    data = bytearray(path.read_bytes())
    end = data.rfind(b"PK\x05\x06")
    struct.pack_into("<L", data, end + 12, 0x7FFFFFFF)  # a 2 GiB central directory
    path.write_bytes(bytes(data))
    assert _codes(path) == [("", "too_many_members")]


def test_a_bad_crc_is_found_when_the_member_is_read(tmp_path) -> None:
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("a.json", b'{"a": "0123456789"}')
    data = bytearray(path.read_bytes())
    data[data.find(b"0123456789")] ^= 1  # one byte of the stored data changed
    path.write_bytes(bytes(data))
    opened, problems = open_zip(path, ZipLimits())
    assert opened is not None and problems == []
    assert opened.read("a.json") is None and opened.digest("a.json") is None
    assert [(p.path, p.code) for p in opened.problems] == [("a.json", "corrupt_member")] * 2
    opened.close()


def test_an_encrypted_member_is_refused(tmp_path) -> None:
    path = write_zip(tmp_path / "a.zip", {"a.json": b"{}"})
    data = bytearray(path.read_bytes())
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<H", data, central + 8, 0x1)  # general purpose flag: encrypted
    path.write_bytes(bytes(data))
    assert _codes(path) == [("a.json", "encrypted_member")]


def test_members_sharing_their_data_are_refused(tmp_path) -> None:
    """The overlapping-files bomb: many directory entries, one compressed stream."""
    path = write_zip(tmp_path / "a.zip", {"a.json": b"1" * 100, "b.json": b"2" * 100})
    data = bytearray(path.read_bytes())
    second = data.find(b"PK\x01\x02", data.find(b"PK\x01\x02") + 4)
    struct.pack_into("<L", data, second + 42, 0)  # b.json's header is a.json's
    path.write_bytes(bytes(data))
    assert ("b.json", "overlapping_members") in _codes(path)


def test_what_is_not_a_zip_is_said_so(tmp_path) -> None:
    for content in (b"", b"not a zip at all", b"PK\x05\x06" + b"\0" * 10):
        path = tmp_path / "x.zip"
        path.write_bytes(content)
        assert _codes(path) == [("", "not_a_zip")]
    whole = write_zip(tmp_path / "whole.zip", {"a.json": b"{}"}).read_bytes()
    (tmp_path / "cut.zip").write_bytes(whole[: len(whole) // 2])
    assert _codes(tmp_path / "cut.zip") == [("", "not_a_zip")]

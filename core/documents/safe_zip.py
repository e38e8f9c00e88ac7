"""Opening a ZIP that may be hostile: a bounded central directory, safe member names, no
compression bombs, no overlapping members, and reads that stop at their declared size.

Nothing here extracts to disk: members are read into memory (bounded) or hashed as a stream.
"""

from __future__ import annotations

import hashlib
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

_EOCD = struct.Struct("<4s4H2LH")
_EOCD_SIGNATURE = b"PK\x05\x06"
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_LOCATOR_SIGNATURE = b"PK\x06\x07"
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
_ZIP64_EOCD_SIGNATURE = b"PK\x06\x06"
#: A local file header's fixed part; the name and extra field follow it.
_LOCAL_HEADER = 30
#: The only characters a member's path may hold: what Sceau writes, and nothing a file system
#: or an extracting tool could read as a drive, a parent folder or a device.
_SAFE_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
_CHUNK = 1 << 20
#: Errors the zipfile module raises on a damaged or hostile member.
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,
    RuntimeError,
    struct.error,
    OverflowError,
)


@dataclass(frozen=True)
class ZipLimits:
    """Bounds on what a ZIP may ask of the reader."""

    max_members: int = 60_000
    max_directory_bytes: int = 16 << 20
    max_member_bytes: int = 256 << 20
    max_total_bytes: int = 16 << 30
    #: Uncompressed over compressed size above which a member is a bomb (text deflates to a
    #: fifth or a tenth; a run of zeros to a thousandth) ...
    max_ratio: int = 100
    #: ... once it is larger than this (tiny members have large ratios legitimately).
    ratio_floor: int = 1 << 20


@dataclass(frozen=True)
class ZipProblem:
    """Something wrong with the ZIP or one of its members; ``path`` is the member's name."""

    path: str
    code: str
    message: str


@dataclass
class OpenedZip:
    """A ZIP whose structure passed the checks: ``members`` are its safe, readable entries by
    name; ``problems`` lists everything refused on the way."""

    zip: zipfile.ZipFile
    members: dict[str, zipfile.ZipInfo]
    #: Every member's name, refused ones included.
    names: set[str]
    limits: ZipLimits
    problems: list[ZipProblem] = field(default_factory=list)

    def close(self) -> None:
        self.zip.close()

    def read(self, name: str, limit: int | None = None) -> bytes | None:
        """The member's bytes (None, with a problem recorded, if it is over ``limit`` or
        damaged: bad CRC, bad compressed data, truncated)."""
        info = self.members[name]
        limit = self.limits.max_member_bytes if limit is None else limit
        if info.file_size > limit:
            self.problems.append(
                ZipProblem(name, "member_too_large", f"{info.file_size} bytes, over {limit}")
            )
            return None
        try:
            with self.zip.open(info) as member:
                # zipfile stops at the declared size and checks the CRC at the end.
                data = member.read(limit + 1)
                if member.read(1):
                    raise zipfile.BadZipFile("longer than declared")
        except ZIP_ERRORS:
            self.problems.append(ZipProblem(name, "corrupt_member", _CORRUPT))
            return None
        return data

    def digest(self, name: str) -> tuple[int, str] | None:
        """(size, SHA-256 hex) of the member, read as a stream; None if it is damaged."""
        sha, size = hashlib.sha256(), 0
        try:
            with self.zip.open(self.members[name]) as member:
                while chunk := member.read(_CHUNK):
                    sha.update(chunk)
                    size += len(chunk)
        except ZIP_ERRORS:
            self.problems.append(ZipProblem(name, "corrupt_member", _CORRUPT))
            return None
        return size, sha.hexdigest()


_CORRUPT = "the member is damaged (bad CRC, bad compressed data or truncated)"


def unsafe_name(name: str) -> str | None:
    """Why a member (or manifest) path is refused, or None for a safe relative path."""
    if not name or len(name) > 255:
        return "an empty or over-long name"
    if name.startswith("/") or "\\" in name or ":" in name:
        return "an absolute or Windows path"
    parts = name.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return "a path that climbs out of the archive or has empty parts"
    if not all(_SAFE_PART.fullmatch(part) for part in parts):
        return "characters other than letters, digits, '.', '_' and '-'"
    return None


def _end_record(handle: IO[bytes], size: int) -> tuple[int, int]:
    """(entries, central directory size) as the end record declares them; ValueError if the
    file has no readable end record."""
    tail_length = min(size, _EOCD.size + 0xFFFF)
    handle.seek(size - tail_length)
    tail = handle.read(tail_length)
    if tail[-_EOCD.size : -_EOCD.size + 4] == _EOCD_SIGNATURE and tail[-2:] == b"\0\0":
        position = len(tail) - _EOCD.size
    else:
        position = tail.rfind(_EOCD_SIGNATURE)
    if position < 0 or position + _EOCD.size > len(tail):
        raise ValueError("no end of central directory")
    _sig, disk, directory_disk, _here, entries, directory_size, offset, _comment = (
        _EOCD.unpack_from(tail, position)
    )
    if disk or directory_disk:
        raise ValueError("a multi-disk archive")
    if entries == 0xFFFF or directory_size == 0xFFFFFFFF or offset == 0xFFFFFFFF:
        locator_at = size - tail_length + position - _ZIP64_LOCATOR.size
        if locator_at < 0:
            raise ValueError("no zip64 locator")
        handle.seek(locator_at)
        signature, _disk, record_at, _disks = _ZIP64_LOCATOR.unpack(
            handle.read(_ZIP64_LOCATOR.size)
        )
        if signature != _ZIP64_LOCATOR_SIGNATURE or record_at + _ZIP64_EOCD.size > size:
            raise ValueError("a bad zip64 locator")
        handle.seek(record_at)
        record = _ZIP64_EOCD.unpack(handle.read(_ZIP64_EOCD.size))
        if record[0] != _ZIP64_EOCD_SIGNATURE:
            raise ValueError("a bad zip64 end record")
        entries, directory_size = record[7], record[8]
    return entries, directory_size


def _structure_problems(
    infos: list[zipfile.ZipInfo], limits: ZipLimits, directory_start: int
) -> tuple[dict[str, zipfile.ZipInfo], list[ZipProblem]]:
    """The members that may be read, and the problems of the others."""
    problems: list[ZipProblem] = []
    refused: set[int] = set()
    seen: dict[str, int] = {}
    for index, info in enumerate(infos):
        name = info.orig_filename
        why = "control characters" if any(ord(c) < 32 or c == "\x7f" for c in name) else None
        why = why or unsafe_name(name)
        folded = name.casefold()
        if why:
            problems.append(ZipProblem(name, "unsafe_name", f"the member's name is {why}"))
        elif folded in seen:
            problems.append(ZipProblem(name, "duplicate_name", "two members have this name"))
            refused.add(seen[folded])
        elif info.flag_bits & 0x1:
            problems.append(ZipProblem(name, "encrypted_member", "the member is encrypted"))
        elif info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            problems.append(
                ZipProblem(name, "unsupported_compression", "only stored or deflated members")
            )
        elif info.file_size > limits.max_member_bytes:
            problems.append(
                ZipProblem(name, "member_too_large", f"{info.file_size} bytes uncompressed")
            )
        elif info.file_size > limits.ratio_floor and info.file_size > limits.max_ratio * max(
            info.compress_size, 1
        ):
            problems.append(
                ZipProblem(
                    name,
                    "compression_bomb",
                    f"{info.compress_size} bytes that would inflate to {info.file_size}",
                )
            )
        else:
            seen.setdefault(folded, index)
            continue
        refused.add(index)
    # Members whose data overlap (one compressed stream counted as many: a "quine" bomb).
    ordered = sorted(range(len(infos)), key=lambda i: infos[i].header_offset)
    for here, after in zip(ordered, [*ordered[1:], None], strict=True):
        info = infos[here]
        end = info.header_offset + _LOCAL_HEADER + len(info.orig_filename.encode())
        end += info.compress_size
        limit = directory_start if after is None else infos[after].header_offset
        if end > limit:
            shared = [here] if after is None else [here, after]
            for index in shared:
                if index not in refused:
                    name = infos[index].orig_filename
                    problems.append(ZipProblem(name, "overlapping_members", "members share data"))
            refused.update(shared)
    members = {infos[i].orig_filename: infos[i] for i in seen.values() if i not in refused}
    return members, problems


def open_zip(path: Path, limits: ZipLimits) -> tuple[OpenedZip | None, list[ZipProblem]]:
    """Open ``path`` if its structure is within ``limits``; otherwise None and the reasons."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            entries, directory_size = _end_record(handle, size)
    except (OSError, ValueError, struct.error):
        return None, [ZipProblem("", "not_a_zip", "the file is not a readable ZIP archive")]
    if entries > limits.max_members or directory_size > limits.max_directory_bytes:
        message = f"{entries} members in a {directory_size}-byte directory: over the limits"
        return None, [ZipProblem("", "too_many_members", message)]
    try:
        archive = zipfile.ZipFile(path)
    except ZIP_ERRORS:
        return None, [ZipProblem("", "not_a_zip", "the file is not a readable ZIP archive")]
    infos = archive.infolist()
    total = sum(info.file_size for info in infos)
    if len(infos) > limits.max_members or total > limits.max_total_bytes:
        archive.close()
        message = f"{len(infos)} members, {total} bytes uncompressed: over the limits"
        return None, [ZipProblem("", "archive_too_large", message)]
    directory_start = int(getattr(archive, "start_dir", size))
    members, problems = _structure_problems(infos, limits, directory_start)
    # The same list: problems met while reading members are added to it.
    names = {info.orig_filename for info in infos}
    return OpenedZip(archive, members, names, limits, problems), problems

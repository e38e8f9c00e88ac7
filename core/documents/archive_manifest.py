"""The manifest of a session archive: reading it (bounded) and checking its shape before
anything it lists is trusted to exist."""

from __future__ import annotations

import re
from typing import Any

from core.credentials.untrusted import parse_untrusted_json
from core.documents.safe_zip import OpenedZip, ZipProblem
from core.documents.session_archive import EVENTS, FORMAT, MANIFEST, VERSION, credential_paths
from core.errors import SceauError

_SHA256 = re.compile(r"[0-9a-f]{64}")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_MANIFEST_BYTES = 64 << 20


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def manifest_problems(manifest: object) -> list[str]:
    """What makes ``manifest`` unusable (its shape; the files are checked afterwards)."""
    if not isinstance(manifest, dict):
        return ["the manifest is not a JSON object"]
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        return [f"not a {FORMAT} of version {VERSION}"]
    problems = []
    for key in ("organization", "session", "audit"):
        if not isinstance(manifest.get(key), dict):
            problems.append(f"{key}: an object is required")
    org, session = manifest.get("organization") or {}, manifest.get("session") or {}
    if not isinstance(org.get("did"), str) or not isinstance(org.get("slug"), str):
        problems.append("organization: did and slug are required")
    if not isinstance(session.get("id"), str):
        problems.append("session.id is required")
    audit = manifest.get("audit") or {}
    if audit.get("path") != EVENTS or not _is_int(audit.get("events")):
        problems.append(f"audit: path {EVENTS} and a count of events are required")
    for key in ("files", "credentials", "unavailable"):
        if not isinstance(manifest.get(key), list):
            problems.append(f"{key}: a list is required")
    for i, entry in enumerate(manifest.get("files") or []):
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("path"), str)
            and _is_int(entry.get("size"))
            and isinstance(entry.get("sha256"), str)
            and _SHA256.fullmatch(entry["sha256"])
        ):
            problems.append(f"files[{i}]: path, size and a hex SHA-256 are required")
    seen: set[str] = set()
    for i, entry in enumerate(manifest.get("credentials") or []):
        files = entry.get("files") if isinstance(entry, dict) else None
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("id"), str)
            and _UUID.fullmatch(entry["id"])
            and isinstance(files, dict)
        ):
            problems.append(f"credentials[{i}]: a UUID id and its files are required")
            continue
        if entry["id"] in seen:
            problems.append(f"credentials[{i}]: listed twice")
        seen.add(entry["id"])
        expected = credential_paths(entry["id"])
        if files.get("json") != expected["json"] or files.get("jwt") != expected["jwt"]:
            problems.append(f"credentials[{i}]: its JSON and JWT are not where they belong")
        if files.get("pdf") not in (None, expected["pdf"]):
            problems.append(f"credentials[{i}]: its PDF is not where it belongs")
    for i, entry in enumerate(manifest.get("unavailable") or []):
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            problems.append(f"unavailable[{i}]: a path is required")
    return problems


def read_manifest(opened: OpenedZip, problems: list[ZipProblem]) -> dict[str, Any] | None:
    """The archive's manifest if it is there and of the right shape; otherwise None, and
    ``problems`` says why."""
    if MANIFEST not in opened.members:
        problems.append(
            ZipProblem(MANIFEST, "manifest_missing", "the archive has no readable manifest")
        )
        return None
    raw = opened.read(MANIFEST, _MANIFEST_BYTES)
    try:
        manifest = parse_untrusted_json(raw or b"", max_bytes=_MANIFEST_BYTES, max_depth=8)
    except SceauError as error:
        problems.append(ZipProblem(MANIFEST, "manifest_invalid", error.message))
        return None
    shape = manifest_problems(manifest)
    problems.extend(ZipProblem(MANIFEST, "manifest_invalid", message) for message in shape)
    if shape or not isinstance(manifest, dict):
        return None
    return manifest

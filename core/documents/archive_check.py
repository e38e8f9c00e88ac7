"""Checking a session archive (``sceau archive verify``): its ZIP treated as hostile, its
manifest, every credential through the verification pipeline, each PDF's attached credential,
and the hash chain of its audit events. The report lists every problem; none means intact."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.credentials.untrusted import parse_untrusted_json
from core.deps import Deps
from core.documents.archive_events import check_events
from core.documents.safe_zip import OpenedZip, ZipLimits, ZipProblem, open_zip, unsafe_name
from core.documents.session_archive import (
    DOCUMENTS_DIR,
    EVENTS,
    FORMAT,
    JURY_MINUTES_STEM,
    MANIFEST,
    VERSION,
    credential_paths,
)
from core.errors import SceauError
from core.verifying import verify_untrusted

_SHA256 = re.compile(r"[0-9a-f]{64}")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_JURY_MINUTES = re.compile(
    re.escape(DOCUMENTS_DIR + JURY_MINUTES_STEM) + r"(-[1-9][0-9]{0,5})?\.pdf"
)
_MANIFEST_BYTES = 64 << 20
_JWT_BYTES = 200_000
#: Steps of the pipeline whose failure means the credential is not the issuer's, as signed.
_INTEGRITY_STEPS = ("parse", "context", "schema", "proof")

#: Given a PDF's bytes, the bytes of its attached ``credential.json`` (None: no attachment);
#: raises SceauError for a PDF it cannot read.
AttachmentReader = Callable[[bytes], bytes | None]


@dataclass(frozen=True)
class CredentialCheck:
    """What was found for one credential of the archive."""

    id: str
    proof: str  # the code of the JSON credential's proof step
    jwt: str  # the code of the VC-JWT's proof step
    dates: str
    status: str
    pdf: str  # match, mismatch, absent, unreadable, not_checked

    def to_json(self) -> dict[str, str]:
        return dict(self.__dict__)


@dataclass
class ArchiveReport:
    """The outcome of a check: ``ok`` only when no problem was found."""

    problems: list[ZipProblem] = field(default_factory=list)
    manifest: dict[str, Any] | None = None
    files: int = 0
    credentials: list[CredentialCheck] = field(default_factory=list)
    events: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, path: str, code: str, message: str) -> None:
        self.problems.append(ZipProblem(path, code, message))

    def to_json(self) -> dict[str, Any]:
        manifest = self.manifest or {}
        return {
            "ok": self.ok,
            "organization": manifest.get("organization"),
            "session": manifest.get("session"),
            "generatedAt": manifest.get("generatedAt"),
            "files": self.files,
            "credentials": [c.to_json() for c in self.credentials],
            "events": self.events,
            "problems": [p.__dict__ for p in self.problems],
        }


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _manifest_problems(manifest: object) -> list[str]:
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
        expected = credential_paths(entry["id"])
        if files.get("json") != expected["json"] or files.get("jwt") != expected["jwt"]:
            problems.append(f"credentials[{i}]: its JSON and JWT are not where they belong")
        if files.get("pdf") not in (None, expected["pdf"]):
            problems.append(f"credentials[{i}]: its PDF is not where it belongs")
    for i, entry in enumerate(manifest.get("unavailable") or []):
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            problems.append(f"unavailable[{i}]: a path is required")
    return problems


class _Check:
    """One check in progress: the opened ZIP, the manifest's entries, the report."""

    def __init__(
        self,
        deps: Deps,
        opened: OpenedZip,
        report: ArchiveReport,
        *,
        offline: bool,
        attachment: AttachmentReader | None,
    ) -> None:
        self.deps, self.zip, self.report = deps, opened, report
        self.offline, self.attachment = offline, attachment
        self.listed: dict[str, dict[str, Any]] = {}

    def files(self, manifest: dict[str, Any]) -> None:
        """Every listed file present and of the archive's layout, none unlisted."""
        owned = {MANIFEST, EVENTS}
        for entry in manifest["credentials"]:
            owned.update(p for p in entry["files"].values() if p)
        folded: set[str] = set()
        for entry in manifest["files"]:
            path = entry["path"]
            why = unsafe_name(path)
            if why:
                self.report.problem(path, "unsafe_name", f"the manifest lists {why}")
            elif path.casefold() in folded:
                self.report.problem(path, "duplicate_name", "the manifest lists it twice")
            elif path not in owned and not _JURY_MINUTES.fullmatch(path):
                self.report.problem(path, "unexpected_file", "not a file of a session archive")
            else:
                folded.add(path.casefold())
                self.listed[path] = entry
                if path not in self.zip.names:
                    self.report.problem(path, "missing_file", "listed but not in the archive")
        for path in owned - {MANIFEST} - set(self.listed):
            self.report.problem(path, "missing_file", "the archive's layout needs it")
        for name in self.zip.members:
            if name != MANIFEST and name not in self.listed:
                self.report.problem(name, "unlisted_file", "in the archive but not listed")
        for entry in manifest["unavailable"]:
            reason = str(entry.get("reason") or "not exported")[:300]
            self.report.problem(entry["path"], "document_unavailable", reason)
        self.report.files = len(self.listed)

    def read(self, path: str, limit: int | None = None) -> bytes | None:
        """The listed member's bytes if they have the manifest's size and SHA-256."""
        if path not in self.listed or path not in self.zip.members:
            return None
        data = self.zip.read(path, limit)
        if data is None:
            return None
        return data if self._matches(path, len(data), hashlib.sha256(data).hexdigest()) else None

    def hashed(self, path: str) -> None:
        """Check a listed member's size and SHA-256 without keeping its bytes."""
        if path in self.listed and path in self.zip.members:
            found = self.zip.digest(path)
            if found is not None:
                self._matches(path, *found)

    def _matches(self, path: str, size: int, sha256: str) -> bool:
        entry = self.listed[path]
        if size != entry["size"]:
            self.report.problem(
                path, "size_mismatch", f"{size} bytes, the manifest says {entry['size']}"
            )
            return False
        if sha256 != entry["sha256"]:
            self.report.problem(path, "sha256_mismatch", "its SHA-256 is not the manifest's")
            return False
        return True

    def credential(self, entry: dict[str, Any], issuer: str) -> None:
        paths, credential_id = entry["files"], entry["id"]
        limit = self.deps.settings.max_body_bytes
        raw = self.read(paths["json"], limit)
        document, proof, dates, status = None, "unreadable", "not_checked", "not_checked"
        if raw is not None:
            try:
                parsed = parse_untrusted_json(
                    raw, max_bytes=limit, max_depth=self.deps.settings.max_json_depth
                )
            except SceauError as error:
                self.report.problem(paths["json"], "credential_unreadable", error.message)
            else:
                document = parsed if isinstance(parsed, dict) else None
                if document is None:
                    self.report.problem(paths["json"], "credential_unreadable", "not an object")
        if document is not None:
            proof, dates, status = self._verify(paths["json"], document, credential_id, issuer)
        jwt = self._jwt(paths["jwt"], document)
        pdf = self._pdf(paths["pdf"], raw) if paths["pdf"] else "absent"
        self.report.credentials.append(
            CredentialCheck(credential_id, proof, jwt, dates, status, pdf)
        )

    def _verify(
        self, path: str, document: dict[str, Any], credential_id: str, issuer: str
    ) -> tuple[str, str, str]:
        if not str(document.get("id", "")).endswith(f"/c/{credential_id}"):
            self.report.problem(path, "credential_id_mismatch", "its id is not its file's name")
        named = document.get("issuer")
        named = named.get("id") if isinstance(named, dict) else named
        if named != issuer:
            self.report.problem(path, "issuer_mismatch", "not issued by the archive's body")
        report = verify_untrusted(self.deps, document, offline=self.offline)
        codes = {s.id: s.code for s in report.steps}
        failed = [s for s in report.steps if s.id in _INTEGRITY_STEPS and not s.ok]
        if failed:
            detail = ", ".join(f"{s.id}: {s.code}" for s in failed)
            self.report.problem(path, "credential_not_verified", detail)
        return codes.get("proof", "skipped"), codes.get("dates", ""), codes.get("status", "")

    def _jwt(self, path: str, document: dict[str, Any] | None) -> str:
        raw = self.read(path, _JWT_BYTES)
        if raw is None:
            return "unreadable"
        report = verify_untrusted(self.deps, raw.decode("utf-8", "replace"), offline=self.offline)
        failed = [s for s in report.steps if s.id in _INTEGRITY_STEPS and not s.ok]
        if failed:
            detail = ", ".join(f"{s.id}: {s.code}" for s in failed)
            self.report.problem(path, "jwt_not_verified", detail)
        elif isinstance(document, dict):
            signed = {k: v for k, v in document.items() if k != "proof"}
            if report.credential != signed:
                self.report.problem(path, "jwt_mismatch", "it does not carry the JSON credential")
        step = report.step("proof")
        return step.code if step else "skipped"

    def _pdf(self, path: str, credential: bytes | None) -> str:
        if self.attachment is None:
            self.hashed(path)
            return "not_checked"
        data = self.read(path)
        if data is None:
            return "unreadable"
        try:
            attached = self.attachment(data)
        except SceauError as error:
            self.report.problem(path, "pdf_unreadable", error.message)
            return "unreadable"
        if attached is None:
            self.report.problem(path, "attachment_missing", "the PDF carries no credential.json")
            return "absent"
        if credential is None or attached != credential:
            self.report.problem(
                path, "attachment_mismatch", "its credential.json is not the credential file"
            )
            return "mismatch"
        return "match"


def check_session_archive(
    deps: Deps,
    path: Path,
    *,
    offline: bool = True,
    limits: ZipLimits | None = None,
    attachment: AttachmentReader | None = None,
) -> ArchiveReport:
    """Check the archive at ``path``; never raises for what the file holds.

    ``offline`` verifies credentials with this instance's keys and status lists only (no
    network); ``attachment`` reads a PDF's attached credential (None: PDFs are only hashed).
    """
    opened, problems = open_zip(path, limits or ZipLimits())
    report = ArchiveReport(problems=problems)
    if opened is None:
        return report
    try:
        manifest = _read_manifest(opened, report)
        if manifest is None:
            return report
        check = _Check(deps, opened, report, offline=offline, attachment=attachment)
        check.files(manifest)
        issuer = manifest["organization"]["did"]
        for entry in manifest["credentials"]:
            check.credential(entry, issuer)
        for name in sorted(check.listed):
            if _JURY_MINUTES.fullmatch(name):
                check.hashed(name)
        if EVENTS in check.listed and EVENTS in opened.members:
            check_events(deps, opened, report, manifest, check.listed[EVENTS])
    finally:
        opened.close()
    return report


def _read_manifest(opened: OpenedZip, report: ArchiveReport) -> dict[str, Any] | None:
    if MANIFEST not in opened.members:
        report.problem(MANIFEST, "manifest_missing", "the archive has no readable manifest")
        return None
    raw = opened.read(MANIFEST, _MANIFEST_BYTES)
    try:
        manifest = parse_untrusted_json(raw or b"", max_bytes=_MANIFEST_BYTES, max_depth=8)
    except SceauError as error:
        report.problem(MANIFEST, "manifest_invalid", error.message)
        return None
    shape = _manifest_problems(manifest)
    for message in shape:
        report.problem(MANIFEST, "manifest_invalid", message)
    if shape or not isinstance(manifest, dict):
        return None
    report.manifest = manifest
    return manifest

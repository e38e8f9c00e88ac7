"""Checking a session archive (``sceau archive verify``): its ZIP treated as hostile, its
manifest, every credential and VC-JWT through the verification pipeline, each PDF's seal and
attached credential, and the hash chain of its audit events. No problem means intact."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import select

from core.clock import parse_instant
from core.credentials.untrusted import parse_untrusted_json
from core.db.models import ExamSession, SealCertificate
from core.db.models.document import SEAL, SEAL_CA
from core.deps import Deps
from core.documents.archive_events import check_events
from core.documents.archive_manifest import read_manifest
from core.documents.pdf_pool import PdfPool
from core.documents.pdf_reading import PdfFacts
from core.documents.safe_zip import OpenedZip, ZipLimits, ZipProblem, open_zip, unsafe_name
from core.documents.session_archive import DOCUMENTS_DIR, EVENTS, JURY_MINUTES_STEM, MANIFEST
from core.documents.session_records import session_credentials
from core.errors import SceauError
from core.keys.directory import find_org, org_did
from core.verifying import verify_untrusted

_JURY_MINUTES = re.compile(
    re.escape(DOCUMENTS_DIR + JURY_MINUTES_STEM) + r"(-[1-9][0-9]{0,5})?\.pdf"
)
_JWT_BYTES = 200_000
#: Steps of the pipeline whose failure means the credential is not the issuer's, as signed
#: (dates and status are states of a genuine credential: expired or revoked, not tampered).
_INTEGRITY_STEPS = ("parse", "context", "schema", "proof")


@dataclass
class CredentialCheck:
    """What was found for one credential of the archive."""

    id: str
    proof: str = "unreadable"  # the code of the JSON credential's proof step
    jwt: str = "unreadable"  # the code of the VC-JWT's proof step
    dates: str = "not_checked"
    status: str = "not_checked"
    pdf: str = "absent"  # match, mismatch, unreadable, absent
    seal: str = ""  # intact, broken, not_whole_file, none; "+trusted" when it chains to us

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


def _trust_roots(deps: Deps) -> tuple[bytes, ...]:
    """The certificates a seal of this instance chains to: its own CA, and the chains of the
    certificates it imported from trust service providers."""
    roots: list[bytes] = []
    for der, chain, role in deps.session.execute(
        select(SealCertificate.certificate_der, SealCertificate.chain_pem, SealCertificate.role)
    ):
        if role == SEAL_CA:
            roots.append(der)
        if chain:
            roots.extend(
                c.public_bytes(Encoding.DER)
                for c in x509.load_pem_x509_certificates(chain.encode())
            )
    return tuple(dict.fromkeys(roots))


class _Check:
    """One check in progress: the opened ZIP, the manifest's entries, the report."""

    def __init__(
        self,
        deps: Deps,
        opened: OpenedZip,
        report: ArchiveReport,
        *,
        offline: bool,
        seals: set[str] | None,
    ) -> None:
        self.deps, self.zip, self.report = deps, opened, report
        # The body's seal certificates, when the body is of this instance (None: elsewhere).
        self.offline, self.seals = offline, seals
        self.listed: dict[str, dict[str, Any]] = {}
        # The credential files of the PDFs in flight, to compare with their attachments.
        self.attached: dict[str, tuple[bytes | None, bytes | None]] = {}

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
        for path in sorted(owned - {MANIFEST} - set(self.listed)):
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
            message = f"{size} bytes, the manifest says {entry['size']}"
            self.report.problem(path, "size_mismatch", message)
            return False
        if sha256 != entry["sha256"]:
            self.report.problem(path, "sha256_mismatch", "its SHA-256 is not the manifest's")
            return False
        return True

    def credentials(self, manifest: dict[str, Any]) -> Iterator[tuple[CredentialCheck, bytes]]:
        """Check each credential's JSON and VC-JWT; yield its PDF to read, if it has one."""
        issuer = manifest["organization"]["did"]
        for entry in manifest["credentials"]:
            found = CredentialCheck(entry["id"])
            self.report.credentials.append(found)
            paths = entry["files"]
            raw = self.read(paths["json"], self.deps.settings.max_body_bytes)
            document = self._document(paths["json"], raw)
            if document is not None:
                self._verify(paths["json"], document, found, issuer)
            jwt = self._jwt(paths["jwt"], document, found)
            pdf = self.read(paths["pdf"]) if paths["pdf"] else None
            if pdf is not None:
                self.attached[found.id] = (raw, jwt)
                yield found, pdf
            elif paths["pdf"]:
                found.pdf = "unreadable"

    def _document(self, path: str, raw: bytes | None) -> dict[str, Any] | None:
        if raw is None:
            return None
        settings = self.deps.settings
        try:
            parsed = parse_untrusted_json(
                raw, max_bytes=settings.max_body_bytes, max_depth=settings.max_json_depth
            )
        except SceauError as error:
            self.report.problem(path, "credential_unreadable", error.message)
            return None
        if not isinstance(parsed, dict):
            self.report.problem(path, "credential_unreadable", "not a JSON object")
            return None
        return parsed

    def _verify(
        self, path: str, document: dict[str, Any], found: CredentialCheck, issuer: str
    ) -> None:
        if not str(document.get("id", "")).endswith(f"/c/{found.id}"):
            self.report.problem(path, "credential_id_mismatch", "its id is not its file's name")
        named = document.get("issuer")
        named = named.get("id") if isinstance(named, dict) else named
        if named != issuer:
            self.report.problem(path, "issuer_mismatch", "not issued by the archive's body")
        report = verify_untrusted(self.deps, document, offline=self.offline)
        failed = [s for s in report.steps if s.id in _INTEGRITY_STEPS and not s.ok]
        if failed:
            detail = ", ".join(f"{s.id}: {s.code}" for s in failed)
            self.report.problem(path, "credential_not_verified", detail)
        codes = {s.id: s.code for s in report.steps}
        found.proof = codes.get("proof", "skipped")
        found.dates, found.status = codes.get("dates", ""), codes.get("status", "")

    def _jwt(
        self, path: str, document: dict[str, Any] | None, found: CredentialCheck
    ) -> bytes | None:
        raw = self.read(path, _JWT_BYTES)
        if raw is None:
            return None
        report = verify_untrusted(self.deps, raw.decode("utf-8", "replace"), offline=self.offline)
        failed = [s for s in report.steps if s.id in _INTEGRITY_STEPS and not s.ok]
        if failed:
            detail = ", ".join(f"{s.id}: {s.code}" for s in failed)
            self.report.problem(path, "jwt_not_verified", detail)
        elif document is not None:
            signed = {k: v for k, v in document.items() if k != "proof"}
            if report.credential != signed:
                self.report.problem(path, "jwt_mismatch", "it does not carry the JSON credential")
        proof = report.step("proof")
        found.jwt = proof.code if proof else "skipped"
        return raw

    def pdf(self, found: CredentialCheck, facts: PdfFacts | str) -> None:
        """Hold the PDF's seal and attachments against the credential's files."""
        path = f"{DOCUMENTS_DIR}{found.id}.pdf"
        credential, jwt = self.attached.pop(found.id)
        if isinstance(facts, str):
            self.report.problem(path, "pdf_unreadable", facts)
            found.pdf = "unreadable"
            return
        if facts.signatures != 1 or not facts.intact:
            found.seal = "none" if facts.signatures == 0 else "broken"
            self.report.problem(path, "seal_invalid", "the PDF does not carry one intact seal")
        elif not facts.whole_file:
            found.seal = "not_whole_file"
            self.report.problem(path, "seal_invalid", "something was added after the seal")
        else:
            found.seal = "intact+trusted" if facts.trusted else "intact"
            if self.seals is not None and facts.signer_sha256 not in self.seals:
                message = "not sealed by a seal certificate of the archive's body"
                self.report.problem(path, "seal_untrusted", message)
        attached = facts.attachments
        same = (attached.get("credential.json"), attached.get("credential.jwt")) == (
            credential,
            jwt,
        )
        found.pdf = "match" if same and credential is not None else "mismatch"
        if found.pdf == "mismatch":
            message = "its attached credential.json and credential.jwt are not the archive's"
            self.report.problem(path, "attachment_mismatch", message)


def _session_credentials(deps: Deps, manifest: dict[str, Any], report: ArchiveReport) -> None:
    """On the instance that wrote the archive: the manifest lists exactly the session's
    credentials issued up to the export (a credential dropped whole, files and entry, or one
    of another session slipped in, leaves every SHA-256 right)."""
    org = find_org(deps.session, str(manifest["organization"]["slug"]))
    session = deps.session.get(ExamSession, str(manifest["session"]["id"]))
    try:
        made = parse_instant(manifest.get("generatedAt"))
    except (ValueError, OverflowError, OSError):
        report.problem(MANIFEST, "manifest_invalid", "generatedAt is not a date-time")
        return
    if session is None or org is None or session.organization_id != org.id:
        report.problem(MANIFEST, "unknown_session", "the body has no such session here")
        return
    issued = {
        row.id
        for row in session_credentials(deps.session, session)
        if row.issued_at <= made + timedelta(seconds=1)  # generatedAt is to the second
    }
    listed = {entry["id"] for entry in manifest["credentials"]}
    for missing in sorted(issued - listed):
        message = "a credential of the session is not in the archive"
        report.problem(f"credentials/{missing}.json", "credential_missing", message)
    for foreign in sorted(listed - issued):
        message = "not a credential of this session"
        report.problem(f"credentials/{foreign}.json", "credential_foreign", message)


def _body_seals(deps: Deps, manifest: dict[str, Any]) -> set[str]:
    """SHA-256 of the body's seal certificates, current and past: a PDF's seal must be one of
    them (another body's seal chains to the same CA; an expired one is still the body's)."""
    org = find_org(deps.session, str(manifest["organization"]["slug"]))
    rows = deps.session.scalars(
        select(SealCertificate.certificate_der).where(
            SealCertificate.organization_id == (org.id if org else None),
            SealCertificate.role == SEAL,
        )
    )
    return {hashlib.sha256(der).hexdigest() for der in rows}


def _is_local(deps: Deps, manifest: dict[str, Any]) -> bool:
    """Whether the archive's body is a body of this instance (under the same DID): then its
    audit log and seal certificates are here to hold the archive against."""
    org = find_org(deps.session, str(manifest["organization"]["slug"]))
    return org is not None and org_did(deps.settings, org.slug) == manifest["organization"]["did"]


def check_session_archive(
    deps: Deps,
    path: Path,
    *,
    offline: bool = True,
    limits: ZipLimits | None = None,
    pdf_workers: int | None = None,
) -> ArchiveReport:
    """Check the archive at ``path``; never raises for what the file holds.

    ``offline`` verifies credentials with this instance's keys and status lists only (nothing
    is fetched). PDFs are read in worker processes capped in memory and time (``pdf_workers``).
    """
    opened, problems = open_zip(path, limits or ZipLimits())
    report = ArchiveReport(problems=problems)
    if opened is None:
        return report
    try:
        manifest = read_manifest(opened, report.problems)
        if manifest is None:
            return report
        report.manifest = manifest
        local = _is_local(deps, manifest)
        seals = _body_seals(deps, manifest) if local else None
        check = _Check(deps, opened, report, offline=offline, seals=seals)
        check.files(manifest)
        if local:
            _session_credentials(deps, manifest, report)
        pool = PdfPool(
            _trust_roots(deps),
            max_attachment_bytes=deps.settings.max_body_bytes,
            workers=pdf_workers,
        )
        with pool:
            for found, facts in pool.read(check.credentials(manifest)):
                check.pdf(found, facts)
        for name in sorted(check.listed):
            if _JURY_MINUTES.fullmatch(name):
                check.hashed(name)
        if EVENTS in check.listed and EVENTS in opened.members:
            check_events(deps, opened, report, manifest, check.listed[EVENTS], local=local)
    finally:
        opened.close()
    return report

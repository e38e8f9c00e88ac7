"""Checking the audit events of a session archive: each event's hash, the links between
consecutive events, and, on the instance that wrote the archive, the audit log itself."""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from core.audit.log import EXPORTED_FIELDS, exported_event_intact
from core.credentials.untrusted import parse_untrusted_json
from core.db.models import AuditEvent, ExamSession
from core.deps import Deps
from core.documents.safe_zip import ZIP_ERRORS, OpenedZip
from core.documents.session_archive import EVENTS
from core.documents.session_records import session_event_seqs
from core.errors import SceauError
from core.keys.directory import find_org

if TYPE_CHECKING:
    from core.documents.archive_check import ArchiveReport

_HASH = re.compile(r"[0-9a-f]{64}")
#: Longest line of the events file (one event); an event's data is small.
_MAX_LINE = 1 << 20
#: Events compared with the database at a time.
_BATCH = 500


def _shape_problem(event: object) -> str | None:
    """Why a line is not an exported event, or None."""
    if not isinstance(event, dict) or set(event) != set(EXPORTED_FIELDS):
        return "not an audit event with its chain fields"
    seq = event["seq"]
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        return "its sequence number is not a positive integer"
    if not all(isinstance(event[k], str) for k in ("at", "actor", "action", "subject")):
        return "at, actor, action and subject must be strings"
    if not (event["organization"] is None or isinstance(event["organization"], str)):
        return "organization must be a string"
    if not isinstance(event["data"], dict):
        return "data must be an object"
    hashes = (event["prevHash"], event["hash"])
    if not all(isinstance(h, str) and _HASH.fullmatch(h) for h in hashes):
        return "prevHash and hash must be hex SHA-256"
    return None


class _EventsCheck:
    def __init__(
        self, deps: Deps, report: ArchiveReport, manifest: dict[str, Any], local: bool
    ) -> None:
        self.deps, self.report = deps, report
        self.slug = manifest["organization"]["slug"]
        self.previous: tuple[int, str] | None = None
        self.count = 0
        # The events can be held against the log only where they were written.
        self.local = local
        self.pending: dict[int, str] = {}
        self.seen: set[int] = set()

    def line(self, number: int, raw: bytes) -> None:
        path = f"{EVENTS}:{number}"
        try:
            event = parse_untrusted_json(
                raw, max_bytes=_MAX_LINE, max_depth=self.deps.settings.max_json_depth
            )
        except SceauError as error:
            self.report.problem(path, "events_invalid", error.message)
            return
        why = _shape_problem(event)
        if why or not isinstance(event, dict):
            self.report.problem(path, "events_invalid", why or "not an event")
            return
        self.count += 1
        seq = event["seq"]
        where = f"{EVENTS}: event {seq}"
        if not exported_event_intact(event):
            self.report.problem(where, "audit_event_altered", "its content or links were altered")
        if event["organization"] != self.slug:
            self.report.problem(where, "audit_event_foreign", "an event of another body")
        if self.previous is not None:
            before, before_hash = self.previous
            if seq <= before:
                self.report.problem(where, "audit_chain_broken", "events out of order")
            elif seq == before + 1 and event["prevHash"] != before_hash:
                self.report.problem(where, "audit_chain_broken", "not linked to event before it")
        self.previous = (seq, event["hash"])
        self.seen.add(seq)
        if self.local:
            self.pending[seq] = event["hash"]
            if len(self.pending) >= _BATCH:
                self.against_log()

    def against_log(self) -> None:
        """Compare the pending events with the audit log of this instance."""
        if not self.pending:
            return
        rows = self.deps.session.execute(
            select(AuditEvent.seq, AuditEvent.hash).where(AuditEvent.seq.in_(self.pending))
        )
        stored = {seq: digest for seq, digest in rows}
        for seq, digest in sorted(self.pending.items()):
            if stored.get(seq) != digest:
                self.report.problem(
                    f"{EVENTS}: event {seq}",
                    "audit_event_not_in_log",
                    "this instance's audit log does not hold this event as archived",
                )
        self.pending.clear()

    def log_head(self, manifest: dict[str, Any]) -> int | None:
        """The log's head at export time must still be in the log, unchanged; its seq."""
        anchor = manifest["audit"].get("logHead")
        if not (
            isinstance(anchor, list)
            and len(anchor) == 2
            and _is_count(anchor[0])
            and isinstance(anchor[1], str)
        ):
            self.report.problem("manifest.json", "manifest_invalid", "audit.logHead: [seq, hash]")
            return None
        if anchor[0] == 0:
            return 0
        stored = self.deps.session.scalar(
            select(AuditEvent.hash).where(AuditEvent.seq == anchor[0])
        )
        if stored != anchor[1]:
            self.report.problem(
                "manifest.json",
                "audit_log_differs",
                f"the audit log no longer has event {anchor[0]} as it was at export time",
            )
            return None
        return int(anchor[0])

    def missing(self, manifest: dict[str, Any], up_to: int) -> None:
        """Every event of the session in this instance's log up to the export is archived:
        an event removed from the archive leaves no broken link when its neighbours were
        events of other subjects, but the log still lists it."""
        db = self.deps.session
        org = find_org(db, self.slug)
        session = db.get(ExamSession, str(manifest["session"]["id"]))
        if org is None or session is None or session.organization_id != org.id:
            return  # said once, by the check of the session's credentials
        for seq in session_event_seqs(db, org, session, up_to):
            if seq not in self.seen:
                message = "an event of the session in the audit log is not in the archive"
                self.report.problem(f"{EVENTS}: event {seq}", "audit_event_missing", message)


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


_LAYOUT = "not the archive's layout: a JSON array of one event a line"


def _next_state(state: str, raw: bytes) -> str:
    """The layout of the events file as the export writes it, one line at a time."""
    if len(raw) > _MAX_LINE or not raw.endswith(b"\n"):
        return "bad"
    if state == "start":
        return "open" if raw == b"[\n" else "bad"
    if raw == b"]\n":
        return "end" if state in ("open", "last") else "bad"
    if state in ("open", "more") and raw.startswith(b"{"):
        return "more" if raw.endswith(b",\n") else "last"
    return "bad"


def check_events(
    deps: Deps,
    opened: OpenedZip,
    report: ArchiveReport,
    manifest: dict[str, Any],
    entry: dict[str, Any],
    *,
    local: bool,
) -> None:
    """Check ``audit/events.json`` line by line (the layout the export writes: ``[``, one
    event a line, ``]``), its size and SHA-256 against ``entry`` of the manifest; ``local``:
    the archive's body is of this instance, whose audit log must hold the same events."""
    check = _EventsCheck(deps, report, manifest, local)
    digest, size = hashlib.sha256(), 0
    state = "start"  # -> "open" after "[", "more" after an event followed by ",", "end"
    try:
        with opened.zip.open(opened.members[EVENTS]) as member:
            number = 0
            while raw := member.readline(_MAX_LINE + 1):
                digest.update(raw)
                size += len(raw)
                number += 1
                state = _next_state(state, raw)
                if state == "bad":
                    report.problem(f"{EVENTS}:{number}", "events_invalid", _LAYOUT)
                    return
                if state in ("more", "last"):
                    check.line(number, raw[:-2] if raw.endswith(b",\n") else raw[:-1])
    except ZIP_ERRORS:
        report.problem(EVENTS, "corrupt_member", "the member is damaged")
        return
    if state != "end":
        report.problem(EVENTS, "events_invalid", _LAYOUT)
    if size != entry["size"] or digest.hexdigest() != entry["sha256"]:
        report.problem(EVENTS, "sha256_mismatch", "its size or SHA-256 is not the manifest's")
    if check.count != manifest["audit"]["events"]:
        report.problem(EVENTS, "events_count_mismatch", "not the number of events listed")
    report.events = check.count
    if not local:
        return
    check.against_log()
    up_to = check.log_head(manifest)
    if up_to is not None:
        check.missing(manifest, up_to)

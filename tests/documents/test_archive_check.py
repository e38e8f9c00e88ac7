"""`check_session_archive`: an intact export passes; every kind of tampering is found and named
(edited, missing, extra, renamed files, forged credentials, altered or removed audit events)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from archive_support import members, relisted, signed_session, write_zip

from core.db.models import ExamSession
from core.documents.archive import archive_store
from core.documents.archive_check import ArchiveReport, check_session_archive
from core.documents.session_archive import write_session_archive


@dataclass
class Archived:
    """A session's archive (without certificate PDFs: the PDF checks are in
    tests/issuer/test_session_archive.py), its path and its members."""

    session: str
    path: Path
    files: dict[str, bytes]

    @property
    def manifest(self) -> dict[str, Any]:
        return json.loads(self.files["manifest.json"])

    def credential(self, n: int = 0) -> str:
        return str(self.manifest["credentials"][n]["id"])


@pytest.fixture
def archived(workflow, job_worker, runtime, tmp_path) -> Archived:
    session = signed_session(workflow, job_worker)
    path = tmp_path / "archive.zip"
    with runtime.unit() as deps, path.open("wb") as out:
        row = deps.session.get_one(ExamSession, session)
        store = archive_store(deps.settings)
        write_session_archive(deps, store, row, out, certificate=lambda _credential: None)
    return Archived(session, path, members(path.read_bytes()))


def _check(runtime: Any, path: Path) -> ArchiveReport:
    with runtime.unit() as deps:
        return check_session_archive(deps, path)


def _problems(report: ArchiveReport) -> list[tuple[str, str]]:
    return [(p.path, p.code) for p in report.problems]


def test_an_intact_archive_passes_every_check(archived, runtime) -> None:
    report = _check(runtime, archived.path)
    assert report.ok, report.problems
    assert report.files == 5 and report.events == archived.manifest["audit"]["events"] == 13
    assert [(c.proof, c.jwt, c.status, c.pdf) for c in report.credentials] == [
        ("ok", "ok", "not_revoked", "absent")
    ] * 2


def test_an_edited_file_is_found_by_its_sha256(archived, runtime, tmp_path) -> None:
    name = f"credentials/{archived.credential()}.json"
    edited = archived.files[name].replace(b"Soudage", b"Soudags", 1)
    assert edited != archived.files[name] and len(edited) == len(archived.files[name])
    path = write_zip(tmp_path / "t.zip", {**archived.files, name: edited})
    assert _problems(_check(runtime, path)) == [(name, "sha256_mismatch")]


def test_an_edited_credential_listed_again_fails_its_proof(archived, runtime, tmp_path) -> None:
    """The forger also rewrites the manifest: the credential's own proof still catches it."""
    name = f"credentials/{archived.credential()}.json"
    document = json.loads(archived.files[name])
    document["name"] = "Soudage à l'arc, niveau 3"
    files = {**archived.files, name: json.dumps(document, ensure_ascii=False, indent=2).encode()}
    report = _check(runtime, write_zip(tmp_path / "t.zip", relisted(files, name)))
    problems = {(p.path, p.code): p.message for p in report.problems}
    assert "proof: invalid_signature" in problems[(name, "credential_not_verified")]
    jwt = name.replace(".json", ".jwt")
    assert (jwt, "jwt_mismatch") in problems  # the VC-JWT no longer carries the same credential


def test_a_missing_file_is_found(archived, runtime, tmp_path) -> None:
    name = f"credentials/{archived.credential(1)}.jwt"
    files = {k: v for k, v in archived.files.items() if k != name}
    assert _problems(_check(runtime, write_zip(tmp_path / "t.zip", files))) == [
        (name, "missing_file")
    ]


def test_an_extra_file_is_found_listed_or_not(archived, runtime, tmp_path) -> None:
    extra = {**archived.files, "credentials/notes.txt": b"hello"}
    assert _problems(_check(runtime, write_zip(tmp_path / "a.zip", extra))) == [
        ("credentials/notes.txt", "unlisted_file")
    ]
    manifest = archived.manifest
    manifest["files"].append(
        {"path": "notes.txt", "size": 5, "sha256": hashlib.sha256(b"hello").hexdigest()}
    )
    listed = {**archived.files, "notes.txt": b"hello", "manifest.json": json.dumps(manifest)}
    assert _problems(_check(runtime, write_zip(tmp_path / "b.zip", listed))) == [
        ("notes.txt", "unexpected_file"),
        ("notes.txt", "unlisted_file"),
    ]


def test_traversal_names_in_the_archive_or_its_manifest_are_refused(
    archived, runtime, tmp_path
) -> None:
    name = f"credentials/{archived.credential()}.jwt"
    evil = "credentials/../../../tmp/evil.jwt"
    files = {evil if k == name else k: v for k, v in archived.files.items()}
    problems = _problems(_check(runtime, write_zip(tmp_path / "a.zip", files)))
    assert problems == [(evil, "unsafe_name"), (name, "missing_file")]
    manifest = archived.manifest
    manifest["files"][0]["path"] = "/etc/passwd"
    listed = {**archived.files, "manifest.json": json.dumps(manifest).encode()}
    problems = _problems(_check(runtime, write_zip(tmp_path / "b.zip", listed)))
    first = archived.manifest["files"][0]["path"]
    assert ("/etc/passwd", "unsafe_name") in problems and (first, "missing_file") in problems
    assert not Path("/tmp/evil.jwt").exists()


def test_a_duplicate_member_is_refused(archived, runtime, tmp_path) -> None:
    name = f"credentials/{archived.credential()}.json"
    with pytest.warns(UserWarning, match="Duplicate name"):
        path = write_zip(tmp_path / "a.zip", [*archived.files.items(), (name, b"{}")])
    assert _problems(_check(runtime, path)) == [(name, "duplicate_name")]


def test_a_bomb_in_place_of_the_audit_events_is_not_inflated(archived, runtime, tmp_path) -> None:
    files = {**archived.files, "audit/events.json": bytes(64 << 20)}
    report = _check(runtime, write_zip(tmp_path / "a.zip", relisted(files, "audit/events.json")))
    assert _problems(report) == [("audit/events.json", "compression_bomb")]


def test_a_damaged_member_is_named(archived, runtime, tmp_path) -> None:
    path = write_zip(tmp_path / "a.zip", archived.files)
    data = bytearray(path.read_bytes())
    name = f"credentials/{archived.credential()}.jwt".encode()
    at = data.find(name) + len(name) + 40  # inside the member's compressed data
    data[at] ^= 0xFF
    path.write_bytes(bytes(data))
    problems = _problems(_check(runtime, path))
    assert (name.decode(), "corrupt_member") in problems


def test_an_archive_without_a_valid_manifest_goes_no_further(archived, runtime, tmp_path) -> None:
    files = {k: v for k, v in archived.files.items() if k != "manifest.json"}
    assert _problems(_check(runtime, write_zip(tmp_path / "a.zip", files))) == [
        ("manifest.json", "manifest_missing")
    ]
    manifest = {**archived.manifest, "format": "something-else"}
    files = {**archived.files, "manifest.json": json.dumps(manifest).encode()}
    assert _problems(_check(runtime, write_zip(tmp_path / "b.zip", files))) == [
        ("manifest.json", "manifest_invalid")
    ]
    files = {**archived.files, "manifest.json": b"[" * 10_000}
    assert _problems(_check(runtime, write_zip(tmp_path / "c.zip", files))) == [
        ("manifest.json", "manifest_invalid")
    ]


def _events(archived: Archived) -> list[dict[str, Any]]:
    return json.loads(archived.files["audit/events.json"])


def _with_events(archived: Archived, events: list[dict[str, Any]], path: Path) -> Path:
    lines = ",\n".join(json.dumps(e, ensure_ascii=False, sort_keys=True) for e in events)
    body = f"[\n{lines}\n]\n".encode()
    manifest = archived.manifest
    manifest["audit"]["events"] = len(events)
    files = {**archived.files, "audit/events.json": body, "manifest.json": json.dumps(manifest)}
    return write_zip(path, relisted(files, "audit/events.json"))


def test_an_altered_audit_event_is_found(archived, runtime, tmp_path) -> None:
    events = _events(archived)
    grades = next(e for e in events if e["action"] == "enrollment.grades")
    grades["data"]["scores"]["PRA"] = "20"
    problems = _problems(_check(runtime, _with_events(archived, events, tmp_path / "a.zip")))
    where = f"audit/events.json: event {grades['seq']}"
    assert problems == [(where, "audit_event_altered")]


def test_a_removed_audit_event_is_missed_by_the_log(archived, runtime, tmp_path) -> None:
    events = _events(archived)
    removed = events.pop(4)
    problems = _problems(_check(runtime, _with_events(archived, events, tmp_path / "a.zip")))
    assert problems == [(f"audit/events.json: event {removed['seq']}", "audit_event_missing")]


def test_audit_events_out_of_order_or_unlinked_break_the_chain(archived, runtime, tmp_path) -> None:
    events = _events(archived)
    first, second = events[0], events[1]
    assert second["seq"] == first["seq"] + 1
    events[0], events[1] = second, first
    problems = _problems(_check(runtime, _with_events(archived, events, tmp_path / "a.zip")))
    assert problems == [(f"audit/events.json: event {first['seq']}", "audit_chain_broken")]


def test_a_forged_chain_is_caught_by_this_instances_log(archived, runtime, tmp_path) -> None:
    """A forger who recomputes every hash keeps the chain's links, not the log's."""
    from core.audit.log import _event_hash

    events = _events(archived)
    previous = events[0]["prevHash"]
    for event in events:
        if event["action"] == "enrollment.grades":
            event["data"]["scores"]["PRA"] = "20"
        fields = {k: event[k] for k in ("actor", "action", "subject", "organization", "data", "at")}
        if event is not events[0] and event["seq"] == events[events.index(event) - 1]["seq"] + 1:
            event["prevHash"] = previous
        event["hash"] = previous = _event_hash(event["prevHash"], event["seq"], fields)
    problems = _problems(_check(runtime, _with_events(archived, events, tmp_path / "a.zip")))
    assert problems and {code for _, code in problems} == {"audit_event_not_in_log"}


def test_a_credential_of_another_body_is_not_this_archives(
    archived, runtime, tmp_path, issue, create_org, ada_request
) -> None:
    other = create_org("other")
    foreign = issue(other, ada_request)["credential"]
    name = f"credentials/{archived.credential()}.json"
    files = {**archived.files, name: json.dumps(foreign, indent=2).encode()}
    problems = _problems(_check(runtime, write_zip(tmp_path / "a.zip", relisted(files, name))))
    assert (name, "credential_id_mismatch") in problems
    assert (name, "issuer_mismatch") in problems


def test_a_credential_dropped_whole_or_slipped_in_is_found(
    archived, runtime, tmp_path, workflow, ada_request
) -> None:
    """Files and manifest entry both changed: every SHA-256 is right, the session is not."""
    gone = archived.credential(1)
    manifest = archived.manifest
    manifest["credentials"] = [c for c in manifest["credentials"] if c["id"] != gone]
    manifest["files"] = [f for f in manifest["files"] if gone not in f["path"]]
    files = {k: v for k, v in archived.files.items() if gone not in k}
    files["manifest.json"] = json.dumps(manifest).encode()
    problems = _problems(_check(runtime, write_zip(tmp_path / "a.zip", files)))
    assert problems == [(f"credentials/{gone}.json", "credential_missing")]
    # A genuine credential of the same body, issued outside this session, slipped in.
    issued = workflow.client.post(
        "/api/v1/credentials", json=ada_request, headers=workflow.body.auth("api_key")
    )
    extra = issued.json["id"].rsplit("/", 1)[1]
    manifest = archived.manifest
    paths = {"json": f"credentials/{extra}.json", "jwt": f"credentials/{extra}.jwt", "pdf": None}
    manifest["credentials"].append({"id": extra, "files": paths})
    files = dict(archived.files)
    for kind in ("json", "jwt"):
        data = workflow.client.get(f"/c/{extra}.{kind}").data
        files[paths[kind]] = data
        entry = {"path": paths[kind], "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        manifest["files"].append(entry)
    files["manifest.json"] = json.dumps(manifest).encode()
    problems = _problems(_check(runtime, write_zip(tmp_path / "b.zip", files)))
    assert problems == [(f"credentials/{extra}.json", "credential_foreign")]


def test_an_export_that_fails_midway_leaves_nothing_open(archived, runtime, tmp_path) -> None:
    """Its ZIP and its database cursors are closed at once, not by the garbage collector."""
    import gc

    def broken(_credential: Any) -> None:
        raise RuntimeError("the disk is full")

    with runtime.unit() as deps, (tmp_path / "failed.zip").open("wb") as out:
        row = deps.session.get_one(ExamSession, archived.session)
        with pytest.raises(RuntimeError, match="disk is full") as failure:
            write_session_archive(deps, archive_store(deps.settings), row, out, certificate=broken)
    del failure  # its traceback held the export's frames
    gc.collect()  # an unclosed ZipFile or cursor would now warn (and fail the test)

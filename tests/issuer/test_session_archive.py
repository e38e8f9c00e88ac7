"""GET /api/v1/sessions/<id>/archive.zip: who may export a session (the attacks first), what the
archive holds (exactly the bytes served, the sealed PDFs, the jury minutes, the session's audit
events with their chain fields), and `sceau archive verify` on it, intact and tampered."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from archive_support import export, manifest_of, members, relisted, signed_session, write_zip
from workflow_support import STAFF, Workflow, make_body

from core.audit.log import exported_event_intact
from core.db.models import Document, ExamSession
from core.db.models.document import JURY_MINUTES
from core.documents.archive import archive_store, store_document


@pytest.fixture
def signed(workflow, job_worker) -> str:
    return signed_session(workflow, job_worker)


def _get(workflow: Workflow, session: str, who: str, headers: Any = None) -> Any:
    auth = workflow.body.auth(who) if headers is None else headers
    return workflow.client.get(
        f"/api/v1/sessions/{session}/archive.zip", headers=auth, buffered=True
    )


# --- who may export (attacks first) ---------------------------------------------------------


def test_every_role_of_another_body_gets_404(workflow, signed, runtime, client) -> None:
    other = make_body(runtime, "globex")
    for who in [*STAFF, "api_key"]:
        response = client.get(
            f"/api/v1/sessions/{signed}/archive.zip", headers=other.auth(who), buffered=True
        )
        assert response.status_code == 404, who
        assert response.json["error"]["code"] == "not_found"


def test_only_who_reads_the_audit_log_exports_it(workflow, signed) -> None:
    """The archive holds the session's audit events: admins and auditors only."""
    for who in ("manager", "manager2", "evaluator", "signatory", "api_key"):
        response = _get(workflow, signed, who)
        assert response.status_code == 403, who
        assert response.json["error"]["code"] == "forbidden"
    for who in ("admin", "auditor"):
        assert _get(workflow, signed, who).status_code == 200, who


def test_no_token_or_a_forged_one_is_401(workflow, signed) -> None:
    for headers in ({}, {"Authorization": "Bearer sceau_pt_0000_forged"}):
        assert _get(workflow, signed, "", headers).status_code == 401


def test_an_unknown_session_is_404(workflow) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    assert _get(workflow, missing, "auditor").status_code == 404


# --- what it holds -------------------------------------------------------------------------


def test_the_archive_holds_the_served_bytes_and_a_manifest_of_them(workflow, signed) -> None:
    response = _get(workflow, signed, "auditor")
    assert response.content_type == "application/zip"
    assert response.headers["Cache-Control"] == "no-store"
    assert f"filename=session-{signed}.zip" in response.headers["Content-Disposition"]
    files = members(bytes(response.get_data()))
    manifest = json.loads(files["manifest.json"])
    assert (manifest["format"], manifest["version"]) == ("sceau-session-archive", 1)
    assert manifest["organization"]["slug"] == "acme"
    assert manifest["organization"]["did"].endswith(":issuers:acme")
    assert manifest["session"]["id"] == signed and manifest["session"]["state"] == "signed"
    assert manifest["session"]["program"] == {
        "code": "SOUD-1",
        "name": "Soudage à l'arc, niveau 1",
        "version": 1,
    }
    credentials = [c["id"] for c in manifest["credentials"]]
    assert len(credentials) == 2  # Charles failed
    expected = {"manifest.json", "audit/events.json"}
    for uuid in credentials:
        expected |= {f"credentials/{uuid}.json", f"credentials/{uuid}.jwt"}
        expected.add(f"documents/{uuid}.pdf")
        client = workflow.client
        assert files[f"credentials/{uuid}.json"] == client.get(f"/c/{uuid}.json").data
        assert files[f"credentials/{uuid}.jwt"] == client.get(f"/c/{uuid}.jwt").data
        assert files[f"documents/{uuid}.pdf"] == client.get(f"/c/{uuid}.pdf").data
    assert set(files) == expected
    listed = {f["path"]: f for f in manifest["files"]}
    assert set(listed) == expected - {"manifest.json"}
    for path, entry in listed.items():
        assert entry["size"] == len(files[path])
        assert entry["sha256"] == hashlib.sha256(files[path]).hexdigest()
    assert manifest["unavailable"] == [] and manifest["deletedDocuments"] == []


def test_the_audit_events_are_the_sessions_with_their_chain_fields(
    workflow, signed, job_worker
) -> None:
    other = workflow.session(name="Autre session")  # its events are not this archive's
    workflow.enroll(other, "family_name,given_names,birth_date,email\nX,Y,1990-01-01,x@y.org\n")
    files = members(export(workflow, signed))
    events = json.loads(files["audit/events.json"])
    assert json.loads(files["manifest.json"])["audit"]["events"] == len(events)
    actions = [e["action"] for e in events]
    assert actions[:2] == ["session.create", "session.enroll"]
    assert actions.count("enrollment.eligibility") == 3 and actions.count("enrollment.grades") == 3
    assert actions[-5:-2] == ["session.propose", "session.approve", "session.sign"]
    assert actions[-2:] == ["credential.issue", "credential.issue"]
    assert all(e["organization"] == "acme" for e in events)
    assert other not in {e["subject"] for e in events}
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)
    assert all(exported_event_intact(e) for e in events)
    assert files["audit/events.json"].startswith(b"[\n{") and files["audit/events.json"].endswith(
        b"}\n]\n"
    )


def test_the_jury_minutes_of_the_session_are_included(workflow, signed, runtime) -> None:
    with runtime.unit() as deps:
        session = deps.session.get_one(ExamSession, signed)
        for n in (1, 2):
            store_document(
                deps.session,
                archive_store(deps.settings),
                organization_id=session.organization_id,
                kind=JURY_MINUTES,
                data=f"%PDF-1.7 minutes {n}".encode(),
                media_type="application/pdf",
                filename=f"pv-{n}.pdf",
                now=datetime(2026, 12, 3 + n, tzinfo=UTC),
                exam_session_id=signed,
            )
    files = members(export(workflow, signed))
    assert files["documents/jury-minutes-1.pdf"] == b"%PDF-1.7 minutes 1"
    assert files["documents/jury-minutes-2.pdf"] == b"%PDF-1.7 minutes 2"


def test_a_pdf_changed_on_disk_is_listed_unavailable_never_exported(
    workflow, signed, runtime, settings, tmp_path, sceau
) -> None:
    first = manifest_of(export(workflow, signed))["credentials"][0]["id"]
    with runtime.unit() as deps:
        row = (
            deps.session.query(Document)
            .filter_by(credential_id=first, kind="certificate_pdf")
            .one()
        )
    path = settings.archive_dir / row.storage_key
    path.write_bytes(path.read_bytes()[:-1] + b"!")
    data = export(workflow, signed)
    manifest = manifest_of(data)
    assert f"documents/{first}.pdf" not in members(data)
    assert manifest["unavailable"] == [
        {
            "path": f"documents/{first}.pdf",
            "credential": first,
            "reason": f"archived file {row.storage_key} no longer matches its SHA-256",
        }
    ]
    (tmp_path / "a.zip").write_bytes(data)
    result = sceau("archive", "verify", str(tmp_path / "a.zip"))
    assert result.exit_code == 1
    assert f"documents/{first}.pdf: document_unavailable" in result.output


# --- sceau archive verify ------------------------------------------------------------------


def test_sceau_archive_verify_passes_an_intact_export(workflow, signed, tmp_path, sceau) -> None:
    (tmp_path / "a.zip").write_bytes(export(workflow, signed))
    result = sceau("archive", "verify", str(tmp_path / "a.zip"))
    assert result.exit_code == 0, result.output
    assert "2 with both proofs valid" in result.output
    assert "PDFs whose attached credential matches: 2" in result.output
    assert result.output.strip().endswith(
        "OK: every file is listed and intact, every proof and link holds."
    )
    report = json.loads(sceau("archive", "verify", "--json", str(tmp_path / "a.zip")).output)
    assert report["ok"] is True and report["problems"] == []
    assert {(c["pdf"], c["seal"]) for c in report["credentials"]} == {("match", "intact+trusted")}


def test_a_pdf_swapped_for_another_credentials_is_found(workflow, signed, tmp_path, sceau) -> None:
    files = members(export(workflow, signed))
    a, b = (c["id"] for c in json.loads(files["manifest.json"])["credentials"])
    files[f"documents/{a}.pdf"] = files[f"documents/{b}.pdf"]  # genuinely sealed, but B's
    path = write_zip(tmp_path / "a.zip", relisted(files, f"documents/{a}.pdf"))
    report = json.loads(sceau("archive", "verify", "--json", str(path)).output)
    assert [(p["path"], p["code"]) for p in report["problems"]] == [
        (f"documents/{a}.pdf", "attachment_mismatch")
    ]


def test_a_pdf_changed_after_its_seal_is_found(workflow, signed, tmp_path, sceau) -> None:
    files = members(export(workflow, signed))
    a = json.loads(files["manifest.json"])["credentials"][0]["id"]
    name = f"documents/{a}.pdf"
    files[name] += b"\n% a line added after the seal\n"
    report = json.loads(
        sceau(
            "archive", "verify", "--json", str(write_zip(tmp_path / "a.zip", relisted(files, name)))
        ).output
    )
    assert [(p["path"], p["code"]) for p in report["problems"]] == [(name, "seal_invalid")]
    files[name] = b"%PDF-1.7\n" + bytes(1000)  # not a PDF a reader can open
    report = json.loads(
        sceau(
            "archive", "verify", "--json", str(write_zip(tmp_path / "b.zip", relisted(files, name)))
        ).output
    )
    assert [(p["path"], p["code"]) for p in report["problems"]] == [(name, "pdf_unreadable")]


def test_a_revoked_credential_is_a_state_not_a_problem(workflow, signed, tmp_path, sceau) -> None:
    first = manifest_of(export(workflow, signed))["credentials"][0]["id"]
    revoked = workflow.client.post(
        f"/api/v1/credentials/{first}/revoke",
        json={"reason": "erreur de saisie"},
        headers=workflow.body.auth("api_key"),
    )
    assert revoked.status_code == 200
    data = export(workflow, signed)
    assert manifest_of(data)["credentials"][0]["revokedAt"] is not None
    (tmp_path / "a.zip").write_bytes(data)
    result = sceau("archive", "verify", "--json", str(tmp_path / "a.zip"))
    report = json.loads(result.output)
    assert result.exit_code == 0 and report["ok"] is True
    assert [c["status"] for c in report["credentials"]] == ["revoked", "not_revoked"]


def test_sceau_archive_verify_refuses_a_file_that_is_not_an_archive(tmp_path, sceau) -> None:
    (tmp_path / "x.zip").write_bytes(b"hello")
    result = sceau("archive", "verify", str(tmp_path / "x.zip"))
    assert result.exit_code == 1
    assert "(archive): not_a_zip" in result.output


def test_a_pdf_sealed_by_another_body_of_the_instance_is_found(
    workflow, signed, tmp_path, sceau, runtime
) -> None:
    """Its seal chains to the instance's CA too, and its attachments are right: only whose
    seal it is tells it apart."""
    from core.db.models import Credential, Organization
    from core.documents.certificate import make_certificate_pdf
    from core.documents.seal_keys import ensure_seal, open_seal

    make_body(runtime, "globex")
    files = members(export(workflow, signed))
    first = json.loads(files["manifest.json"])["credentials"][0]["id"]
    with runtime.unit() as deps:
        globex = deps.session.query(Organization).filter_by(slug="globex").one()
        theirs = open_seal(deps, ensure_seal(deps, globex))
        credential = deps.session.get_one(Credential, first)
        forged = make_certificate_pdf(deps, credential, seal=theirs)
    name = f"documents/{first}.pdf"
    files[name] = forged
    path = write_zip(tmp_path / "a.zip", relisted(files, name))
    report = json.loads(sceau("archive", "verify", "--json", str(path)).output)
    assert [(p["path"], p["code"]) for p in report["problems"]] == [(name, "seal_untrusted")]
    assert report["credentials"][0]["pdf"] == "match"
    assert report["credentials"][0]["seal"] == "intact+trusted"  # by the CA: not enough


def test_while_the_documents_job_makes_the_pdfs_the_export_waits(
    workflow, signed, runtime, settings
) -> None:
    """Making them a second time in the export's transaction could deadlock with the job's
    (PostgreSQL); the export says which job to wait for, then makes what is still missing."""
    from sqlalchemy import update

    from core.db.models import JobChunk, Organization
    from core.documents.bulk import queue_documents

    first = manifest_of(export(workflow, signed))["credentials"][0]["id"]
    with runtime.unit() as deps:
        row = (
            deps.session.query(Document)
            .filter_by(credential_id=first, kind="certificate_pdf")
            .one()
        )
        (settings.archive_dir / row.storage_key).unlink()
        deps.session.delete(row)  # as if the job had not made this one yet
        org = deps.session.query(Organization).filter_by(slug="acme").one()
        job = queue_documents(deps, org, [first], created_by="test").id  # not run: pending
    response = _get(workflow, signed, "auditor")
    assert response.status_code == 409
    assert response.json["error"]["code"] == "documents_pending"
    assert response.json["error"]["problems"] == [{"path": "job", "message": job}]
    with runtime.unit() as deps:
        deps.session.execute(update(JobChunk).where(JobChunk.job_id == job).values(state="done"))
    files = members(export(workflow, signed))  # the missing PDF is made now, and archived
    with runtime.unit() as deps:
        made = (
            deps.session.query(Document)
            .filter_by(credential_id=first, kind="certificate_pdf")
            .one()
        )
    assert hashlib.sha256(files[f"documents/{first}.pdf"]).hexdigest() == made.sha256

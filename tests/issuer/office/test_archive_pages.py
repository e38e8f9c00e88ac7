"""The archive in the back office: the session's export button and download (admins and
auditors of the body), and the retention page where an administrator deletes, after
confirming, documents past SCEAU_ARCHIVE_RETENTION_YEARS (the attacks first)."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from typing import Any

import pytest
from decision_pages_support import make_team, prepared_session
from office_support import csrf_token, flashes, sign_in, text
from sqlalchemy import select

from core.db.models import AuditEvent, Document, Organization
from core.documents.archive import (
    DocumentDeleted,
    archive_store,
    read_document,
    store_document,
)


@pytest.fixture
def team(staff, runtime, client, clock) -> Any:
    return make_team(staff, runtime, client)


def _client(app: Any, member: Any, clock: Any) -> Any:
    client = app.test_client()
    response = sign_in(client, member, at=clock.instant)
    assert response.status_code == 302, text(response)
    return client


def _document(runtime: Any, org: str, age_days: int, clock: Any, kind: str = "badge_png") -> str:
    """An archived document of ``org`` made ``age_days`` ago; its id."""
    with runtime.unit() as deps:
        body = deps.session.scalar(select(Organization).where(Organization.slug == org))
        assert body is not None
        row = store_document(
            deps.session,
            archive_store(deps.settings),
            organization_id=body.id,
            kind=kind,
            data=f"{org} {age_days} {kind}".encode(),
            media_type="image/png",
            filename=f"badge-{age_days}.png",
            now=clock.instant - timedelta(days=age_days),
        )
        return row.id


# --- the session's archive -----------------------------------------------------------------


def test_the_export_button_shows_to_who_may_use_it(app, team, clock) -> None:
    session, _ = prepared_session(team)
    for who, shown in (
        ("auditor", True),
        ("admin", True),
        ("manager", False),
        ("evaluator", False),
    ):
        page = text(_client(app, team.members[who], clock).get(f"/staff/sessions/{session}"))
        assert ('id="archive-link"' in page) is shown, who
        if shown:
            assert f'href="/staff/sessions/{session}/archive.zip"' in page
            assert "Exporter l'archive (ZIP)" in page


def test_an_auditor_downloads_the_archive_and_others_may_not(app, team, clock, staff) -> None:
    session, _ = prepared_session(team)
    url = f"/staff/sessions/{session}/archive.zip"
    auditor = _client(app, team.members["auditor"], clock)
    response = auditor.get(url, buffered=True)
    assert response.status_code == 200 and response.content_type == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        assert {"manifest.json", "audit/events.json"} <= set(archive.namelist())
    manager = _client(app, team.members["manager"], clock)
    assert manager.get(url, buffered=True).status_code == 403
    stranger = _client(app, staff("auditor", org="globex"), clock)
    assert stranger.get(url, buffered=True).status_code == 404
    anonymous = app.test_client().get(url)
    assert anonymous.status_code == 302 and "/staff/login" in anonymous.location


# --- retention -----------------------------------------------------------------------------


def test_only_administrators_see_the_retention_page(app, team, clock) -> None:
    for who in ("auditor", "manager", "signatory"):
        client = _client(app, team.members[who], clock)
        assert client.get("/staff/archive/retention").status_code == 403, who
        assert "/staff/archive/retention" not in text(client.get("/staff/"))
    admin = _client(app, team.members["admin"], clock)
    assert 'href="/staff/archive/retention"' in text(admin.get("/staff/"))
    anonymous = app.test_client().get("/staff/archive/retention")
    assert anonymous.status_code == 302


def test_the_page_lists_the_bodys_documents_past_retention_only(
    app, team, clock, runtime, staff
) -> None:
    old = _document(runtime, "acme", 11 * 366, clock)
    recent = _document(runtime, "acme", 9 * 365, clock)
    staff("admin", org="globex")
    foreign = _document(runtime, "globex", 11 * 366, clock)
    page = text(_client(app, team.members["admin"], clock).get("/staff/archive/retention"))
    assert f'id="document-{old}"' in page
    assert f'id="document-{recent}"' not in page and f'id="document-{foreign}"' not in page
    assert "conservés 10 ans" in page
    assert "ne sont jamais supprimées" in page  # the legal point, on the page


def _delete(client: Any, ids: list[str], confirm: bool = True, token: str | None = None) -> Any:
    page = client.get("/staff/archive/retention")
    data: dict[str, Any] = {"csrf_token": token or csrf_token(page.get_data(as_text=True))}
    data["document"] = ids
    if confirm:
        data["confirm"] = "y"
    return client.post("/staff/archive/retention/delete", data=data)


def test_deleting_needs_the_confirmation_and_the_csrf_token(app, team, clock, runtime) -> None:
    old = _document(runtime, "acme", 11 * 366, clock)
    admin = _client(app, team.members["admin"], clock)
    refused = _delete(admin, [old], confirm=False)
    assert refused.status_code == 303
    assert flashes(admin.get(refused.location)) == ["Cochez la case pour confirmer la suppression."]
    no_token = admin.post(
        "/staff/archive/retention/delete", data={"document": [old], "confirm": "y"}
    )
    assert no_token.status_code == 400
    with runtime.unit() as deps:
        assert deps.session.get_one(Document, old).deleted_at is None


def test_a_forged_post_cannot_delete_what_retention_keeps(app, team, clock, runtime, staff) -> None:
    old = _document(runtime, "acme", 11 * 366, clock)
    recent = _document(runtime, "acme", 30, clock)
    staff("admin", org="globex")
    foreign = _document(runtime, "globex", 11 * 366, clock)
    admin = _client(app, team.members["admin"], clock)
    for ids, message in (
        ([old, recent], "encore dans sa durée de conservation"),
        ([old, foreign], "n'existe plus"),
        ([old, "x" * 5000], "Sélectionnez les documents"),
    ):
        response = _delete(admin, ids)
        assert response.status_code == 303
        assert message in flashes(admin.get(response.location))[0], ids
    manager = _client(app, team.members["manager"], clock)
    assert (
        _delete(manager, [old], token=csrf_token(text(manager.get("/staff/")))).status_code == 403
    )
    with runtime.unit() as deps:
        assert all(
            deps.session.get_one(Document, i).deleted_at is None for i in (old, recent, foreign)
        )


def test_deleting_removes_the_bytes_keeps_the_record_and_audits(
    app, team, clock, runtime, settings
) -> None:
    old = _document(runtime, "acme", 11 * 366, clock)
    other = _document(runtime, "acme", 12 * 366, clock, kind="certificate_pdf")
    with runtime.unit() as deps:
        key = deps.session.get_one(Document, old).storage_key
    assert (settings.archive_dir / key).exists()
    admin = _client(app, team.members["admin"], clock)
    done = _delete(admin, [old])
    assert done.status_code == 303
    page = admin.get(done.location)
    assert flashes(page) == ["1 document supprimé."]
    assert f'id="document-{old}"' not in text(page) and f'id="document-{other}"' in text(page)
    assert not (settings.archive_dir / key).exists()
    with runtime.unit() as deps:
        row = deps.session.get_one(Document, old)
        assert row.deleted_at == clock.instant and row.sha256  # the record stays
        with pytest.raises(DocumentDeleted, match="deleted at the end of its retention period"):
            read_document(archive_store(deps.settings), row)
        event = deps.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "document.delete")
        ).one()
    assert event.subject == old and event.actor == f"staff:{team.members['admin'].email}"
    assert event.data["sha256"] == row.sha256 and event.data["kind"] == "badge_png"
    again = _delete(admin, [old])  # a second click changes nothing
    assert flashes(admin.get(again.location)) == ["0 document supprimé."]


def test_the_button_explains_when_the_certificates_are_still_being_made(
    app, team, clock, runtime, job_worker
) -> None:
    from core.db.models import Enrollment, Job
    from core.documents.bulk import queue_documents

    session, _ = prepared_session(team)
    workflow = team.workflow
    assert workflow.act(session, "proposal", "manager").status_code == 200
    assert workflow.act(session, "approval", "manager2").status_code == 200
    clock.instant += timedelta(seconds=30)
    code = workflow.body.code("signatory", clock.instant)
    signed = workflow.act(session, "signature", "signatory", json={"totp": code})
    job_worker.wait(signed.json["job"])
    with runtime.read_sessions() as db:
        # Every job the signature started: the documents job, and the mail job, which makes a
        # missing PDF itself (it would remake the one deleted below).
        for job in db.scalars(select(Job.id)).all():
            job_worker.wait(job)
    with runtime.unit() as deps:
        credential = deps.session.scalars(
            select(Enrollment.credential_id).where(
                Enrollment.session_id == session, Enrollment.credential_id.is_not(None)
            )
        ).first()
        assert credential is not None
        for document in deps.session.scalars(
            select(Document).where(Document.credential_id == credential)
        ):
            deps.session.delete(document)  # as if its PDF were still to be made ...
        org = deps.session.scalars(select(Organization).where(Organization.slug == "acme")).one()
        queue_documents(deps, org, [credential], created_by="test")  # ... by a pending job
    auditor = _client(app, team.members["auditor"], clock)
    response = auditor.get(f"/staff/sessions/{session}/archive.zip", buffered=True)
    assert response.status_code == 303
    assert response.location.endswith(f"/staff/sessions/{session}")
    assert flashes(auditor.get(response.location)) == [
        "Les attestations de cette session sont encore en cours de production : exportez "
        "l'archive quand elles sont toutes prêtes (quelques secondes par centaine)."
    ]

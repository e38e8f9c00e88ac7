"""Retention: documents past SCEAU_ARCHIVE_RETENTION_YEARS are listed (service and `sceau archive
expired`), never removed by that; a deleted certificate PDF leaves its credential verifiable."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from core.accounts.principal import system_principal
from core.clock import FixedClock
from core.db.models import Document, Organization
from core.deps import Deps
from core.documents.archive import archive_store, store_document
from issuer.services.archives import delete_documents, expired_documents, retention_cutoff


def _deps(deps: Deps, at: datetime, years: int | None = None) -> Deps:
    settings = deps.settings
    if years is not None:
        settings = replace(settings, archive_retention_years=years)
    return replace(deps, clock=FixedClock(at), settings=settings)


def test_the_cutoff_is_the_same_day_years_before(runtime) -> None:
    with runtime.unit() as deps:
        at = datetime(2026, 5, 17, 9, 30, tzinfo=UTC)
        assert retention_cutoff(_deps(deps, at)) == datetime(2016, 5, 17, 9, 30, tzinfo=UTC)
        leap = datetime(2028, 2, 29, tzinfo=UTC)
        assert retention_cutoff(_deps(deps, leap, 1)) == datetime(2027, 2, 28, tzinfo=UTC)
        assert retention_cutoff(_deps(deps, at, 5000)).year == 1  # nothing is that old


def _store(deps: Deps, org: Organization, made: datetime, kind: str = "badge_png") -> Document:
    return store_document(
        deps.session,
        archive_store(deps.settings),
        organization_id=org.id,
        kind=kind,
        data=f"{org.slug} {made.isoformat()}".encode(),
        media_type="image/png",
        filename="badge.png",
        now=made,
    )


def test_expired_documents_lists_the_bodys_old_documents_and_removes_nothing(
    runtime, acme, create_org, settings
) -> None:
    now = datetime(2036, 6, 1, tzinfo=UTC)
    create_org("globex")
    with runtime.unit() as deps:
        orgs = {o.slug: o for o in deps.session.scalars(select(Organization))}
        old = _store(deps, orgs["acme"], now - timedelta(days=3700))
        edge = _store(deps, orgs["acme"], datetime(2026, 6, 1, tzinfo=UTC))  # exactly 10 years
        _store(deps, orgs["acme"], now - timedelta(days=30))
        _store(deps, orgs["globex"], now - timedelta(days=4000))
        gone = _store(deps, orgs["acme"], now - timedelta(days=5000))
        gone.deleted_at = now
        listed = expired_documents(_deps(deps, now), orgs["acme"])
        assert [d.id for d in listed] == [old.id]
        assert edge.id not in {d.id for d in listed}
        one_year = expired_documents(_deps(deps, now, 1), orgs["acme"])
        assert [d.id for d in one_year] == [old.id, edge.id]  # the deleted one is not listed
        old_key = old.storage_key
    assert (settings.archive_dir / old_key).exists()  # listed, not removed


def test_sceau_archive_expired_prints_the_list_as_json(runtime, acme, sceau) -> None:
    with runtime.unit() as deps:
        org = deps.session.scalar(select(Organization).where(Organization.slug == "acme"))
        assert org is not None
        row = _store(deps, org, datetime.now(UTC) - timedelta(days=11 * 366), "certificate_pdf")
    result = sceau("archive", "expired", "--org", "acme")
    assert result.exit_code == 0, result.output
    listing = json.loads(result.output)
    assert listing["organization"] == "acme" and listing["retentionYears"] == 10
    assert [d["id"] for d in listing["documents"]] == [row.id]
    assert listing["documents"][0]["kind"] == "certificate_pdf"
    assert listing["documents"][0]["sha256"] == row.sha256
    unknown = sceau("archive", "expired", "--org", "nobody")
    assert unknown.exit_code == 1 and "no organization 'nobody'" in unknown.output


def test_a_deleted_certificate_pdf_leaves_the_credential_verifiable(
    runtime, client, acme, issue, ada_request
) -> None:
    """The legal point: retention removes documents, never the credential or its proof."""
    uuid = issue(acme, ada_request)["id"].rsplit("/", 1)[1]
    assert client.get(f"/c/{uuid}.pdf").status_code == 200
    with runtime.unit() as deps:
        org = deps.session.scalar(select(Organization).where(Organization.slug == "acme"))
        assert org is not None
        pdf = deps.session.scalars(select(Document).where(Document.credential_id == uuid)).one()
        later = _deps(deps, datetime.now(UTC) + timedelta(days=11 * 366))
        keys = delete_documents(later, system_principal(org.id, org.slug, "test"), [pdf.id])
    assert keys == [pdf.storage_key]
    # The PDF is gone for good (410, said plainly), neither remade nor a server error.
    gone = client.get(f"/c/{uuid}.pdf")
    assert gone.status_code == 410, gone.data[:200]
    assert b"retention" in gone.data
    credential = client.get(f"/c/{uuid}.json")
    assert credential.status_code == 200
    report = client.post("/api/v1/verify", json={"credential": credential.json}).json
    assert report["verified"] is True

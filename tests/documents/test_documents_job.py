"""After issuance, the documents job makes and archives each certificate PDF without a request."""

from __future__ import annotations

from typing import Any

from documents_support import check_seal, instance_ca
from sqlalchemy import select

from core.db.models import Document, Job
from core.documents.bulk import JOB_KIND


def _documents_job(runtime: Any) -> str:
    with runtime.unit() as deps:
        job_id = deps.session.scalar(select(Job.id).where(Job.kind == JOB_KIND))
    assert job_id is not None, "issuing queued no documents job"
    return job_id


def test_issuing_through_the_api_queues_the_pdf_which_the_worker_archives(
    job_worker, runtime, issue, acme, ada_request, client
) -> None:
    uuid = issue(acme, ada_request)["id"].rsplit("/", 1)[1]
    progress = job_worker.wait(_documents_job(runtime))
    assert progress["state"] == "done" and progress["done"] == 1, progress
    with runtime.unit() as deps:
        rows = deps.session.scalars(select(Document).where(Document.credential_id == uuid)).all()
    by_kind = {r.kind: r for r in rows}
    assert set(by_kind) == {"certificate_pdf", "badge_png", "badge_svg"}
    row = by_kind["certificate_pdf"]
    assert client.get(f"/c/{uuid}.png").headers["ETag"].strip('"') == by_kind["badge_png"].sha256
    served = client.get(f"/c/{uuid}.pdf")
    assert served.headers["ETag"].strip('"') == row.sha256  # the job's file, not a new one
    seal = check_seal(served.data, instance_ca(runtime))
    assert seal.intact and seal.valid and seal.coverage == "ENTIRE_FILE"


def test_a_replayed_issue_queues_nothing_more(runtime, client, acme, ada_request) -> None:
    headers = {**acme.auth, "Idempotency-Key": "order-42"}
    assert client.post("/api/v1/credentials", json=ada_request, headers=headers).status_code == 201
    assert client.post("/api/v1/credentials", json=ada_request, headers=headers).status_code == 200
    with runtime.unit() as deps:
        jobs = deps.session.scalars(select(Job).where(Job.kind == JOB_KIND)).all()
    assert [j.total for j in jobs] == [1]


def test_another_bodys_credential_in_a_chunk_is_refused(runtime, issue, acme, create_org) -> None:
    from core.documents.bulk import prepare_documents

    other = create_org(slug="other", name="Other body")
    uuid = issue(
        other,
        {
            "recipient": {"email": "x@example.org"},
            "achievement": {"name": "N", "description": "D", "criteria": "C"},
        },
    )["id"].rsplit("/", 1)[1]
    with runtime.unit() as deps:
        from core.keys.directory import find_org

        acme_id = find_org(deps.session, acme.slug).id
    assert prepare_documents(runtime, acme_id, {"credentials": [uuid]}) == {}


def test_a_sessions_signature_makes_every_certificate_with_the_signatory_on_it(
    workflow, job_worker, runtime
) -> None:
    from documents_support import page_texts
    from workflow_support import approved_session, sign_session

    session, _ = approved_session(workflow)
    assert job_worker.wait(sign_session(workflow, session).json["job"])["state"] == "done"
    documents = job_worker.wait(_documents_job(runtime))
    assert (documents["state"], documents["done"], documents["errors"]) == ("done", 2, [])
    with runtime.unit() as deps:
        rows = deps.session.scalars(select(Document)).all()
        credential_ids = {r.credential_id for r in rows}
    assert len(credential_ids) == 2 and len(rows) == 6  # a PDF, a PNG and an SVG each
    uuid = sorted(credential_ids)[0]
    text = page_texts(workflow.client.get(f"/c/{uuid}.pdf").data)[0]
    assert "signatory" in text and "Certificat" in text  # the signatory's name is "signatory"

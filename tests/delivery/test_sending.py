"""Holders' mails on the task queue, through a real SMTP server: one mail per credential issued
(the API, a session's sign-off), in the holder's language, with the sealed PDF; one connection
per batch; the outbox without SMTP; refusals and an unreachable server retried with backoff, then
failed with the reason; and never a mail sent twice once recorded as sent."""

from __future__ import annotations

import dataclasses
import time
from typing import Any
from urllib.parse import quote

import pytest
from delivery_support import deliveries, mail_jobs, mail_worker, uuid_of, wait_for
from mail_support import PASSWORD, USER, free_port, smtp_server
from sqlalchemy import select, update
from workflow_support import CSV

from core.db.models import Delivery, Job, JobChunk, Organization, Program
from core.delivery import records
from core.delivery.mailer import SmtpMailer, read_outbox_file
from core.delivery.records import dispatch_deliveries
from core.tasks.runner import run_chunk
from core.unit_of_work import Runtime


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries a fifth of a second apart instead of minutes (the queue's scheduler runs them)."""
    monkeypatch.setattr(records, "RETRY_DELAYS", (0.2, 0.2, 0.2, 0.2))


def _smtp(port: int, *, auth: bool = False) -> str:
    who = f"{quote(USER, safe='')}:{quote(PASSWORD, safe='')}@" if auth else ""
    return f"smtp://{who}127.0.0.1:{port}"


def test_an_api_issue_mails_the_holder_with_the_sealed_pdf(
    settings, runtime, client, acme, issue, ada_request
) -> None:
    with smtp_server(auth=True) as (inbox, port), mail_worker(settings, _smtp(port, auth=True)):
        issued = issue(acme, ada_request)
        credential = uuid_of(issued["id"])
        (got,) = inbox.wait(1)
        (row,) = wait_for(runtime, credential, "sent")
    assert got.login == USER and got.rcpt_tos == ["ada@example.org"]
    message = got.message
    assert message["Message-ID"] == row.message_id
    assert message["From"] == settings.mail_from
    assert message["To"] == "Ada Lovelace <ada@example.org>"
    assert message["Subject"] == "Votre certificat « Welding, level 1 » est délivré"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert issued["id"] in text and f'href="{issued["id"]}"' in html
    assert "Acme Certification vous a délivré le certificat « Welding, level 1 »" in text
    (pdf,) = list(message.iter_attachments())
    assert pdf.get_filename() == f"certificat-{credential}.pdf"
    # The archived certificate itself, byte for byte: the one /c/<uuid>.pdf serves.
    assert pdf.get_content() == client.get(f"/c/{credential}.pdf").data
    assert (row.attempts, row.last_error, row.outbox_file) == (1, None, None)
    assert row.sent_at is not None and row.recipient == "ada@example.org"
    (job,) = mail_jobs(runtime)
    assert (job.state, job.done, job.total, job.errors) == ("done", 1, 1, [])
    assert job.created_by == f"api:{acme.slug}"


def test_the_language_is_the_programs_else_the_bodys(
    settings, runtime, client, acme, issue, ada_request
) -> None:
    program = {
        "code": "SOUD-2",
        "name": "Soudage, niveau 2",
        "description": "Soudage TIG.",
        "criteria": "Épreuve pratique.",
        "achievementType": "Certification",
    }
    assert client.post("/api/v1/programs", json=program, headers=acme.auth).status_code == 201
    with runtime.unit() as deps:
        deps.session.execute(
            update(Program)
            .where(Program.code == "SOUD-2")
            .values(document_options={"language": "en"})
        )
    with smtp_server() as (inbox, port), mail_worker(settings, _smtp(port)):
        by_program = issue(acme, {**ada_request, "achievement": {"code": "SOUD-2"}})
        by_body = issue(acme, {**ada_request, "recipient": {"email": "grace@example.org"}})
        received = {r.rcpt_tos[0]: r.message for r in inbox.wait(2)}
        wait_for(runtime, uuid_of(by_program["id"]), "sent")
        wait_for(runtime, uuid_of(by_body["id"]), "sent")
    english = received["ada@example.org"]
    assert english["Subject"] == "Your certificate “Soudage, niveau 2” has been issued"
    assert english["Content-Language"] == "en"
    assert next(english.iter_attachments()).get_filename().startswith("certificate-")
    assert received["grace@example.org"]["Content-Language"] == "fr"


def _approved(workflow: Any) -> str:
    workflow.program()
    session = workflow.session()
    ids = workflow.enroll(session, CSV)
    for email, enrollment in ids.items():
        assert workflow.eligible(enrollment).status_code == 200
        failing = {"PRA": 9} if email.startswith("charles") else {}
        scores = {"ECR": 14, "ORA": "13,5", "PRA": 12.5, **failing}
        assert workflow.grade(enrollment, scores).status_code == 200
    assert workflow.act(session, "proposal", "manager").status_code == 200
    assert workflow.act(session, "approval", "manager2").status_code == 200
    return session


def test_a_signed_session_mails_each_holder_once_over_one_connection(
    settings, runtime, workflow
) -> None:
    session = _approved(workflow)
    with smtp_server() as (inbox, port), mail_worker(settings, _smtp(port)) as worker:
        signed = workflow.act(
            session, "signature", "signatory", json={"totp": workflow.body.code("signatory")}
        )
        assert worker.wait(signed.json["job"])["state"] == "done"
        received = inbox.wait(2)
        credentials = workflow.client.get(
            f"/api/v1/sessions/{session}/credentials", headers=workflow.body.auth("manager")
        ).json
        for credential in credentials:
            wait_for(runtime, uuid_of(credential["id"]), "sent")
        time.sleep(0.5)  # nothing more comes
    assert len(inbox.received) == 2
    assert sorted(r.rcpt_tos[0] for r in received) == ["ada@example.org", "grace@example.org"]
    assert inbox.connections == 1  # one batch, one SMTP connection
    subjects = {r.message["Subject"] for r in received}
    assert subjects == {"Votre certificat « Soudage à l'arc, niveau 1 » est délivré"}
    (job,) = mail_jobs(runtime)
    assert (job.done, job.total, job.created_by) == (2, 2, f"system:signature of session {session}")


def test_without_smtp_the_mails_go_to_the_outbox(settings, runtime, acme, issue, ada_request):
    with mail_worker(settings, None):
        issued = issue(acme, ada_request)
        (row,) = wait_for(runtime, uuid_of(issued["id"]), "sent")
    assert row.outbox_file is not None and row.outbox_file.endswith(".eml")
    data = read_outbox_file(settings.outbox_dir, row.outbox_file)
    assert data is not None
    assert f"Message-ID: {row.message_id}".encode() in data
    assert b"To: Ada Lovelace <ada@example.org>" in data


def test_a_big_batch_is_sent_fifty_mails_a_chunk(runtime, acme) -> None:
    with runtime.unit() as deps:
        org = deps.session.scalar(select(Organization).where(Organization.slug == acme.slug))
        rows = [Delivery(id=i) for i in range(1, 121)]
        job_id = dispatch_deliveries(deps, org, rows, "test")
        assert dispatch_deliveries(deps, org, [], "test") is None
        payloads = deps.session.scalars(
            select(JobChunk.payload).where(JobChunk.job_id == job_id).order_by(JobChunk.number)
        ).all()
    assert [p["deliveries"][0] for p in payloads] == [1, 51, 101]
    assert [len(p["deliveries"]) for p in payloads] == [50, 50, 20]


def test_a_refusing_server_is_retried_then_the_mail_fails_with_its_reply(
    settings, runtime, acme, issue, ada_request, fast_retries
) -> None:
    with smtp_server() as (inbox, port), mail_worker(settings, _smtp(port)):
        inbox.refuse_data = "451 4.7.1 greylisted, try again later"
        issued = issue(acme, ada_request)
        credential = uuid_of(issued["id"])
        (row,) = wait_for(runtime, credential, "failed")
    reason = (
        f"SMTP server 127.0.0.1:{port} refused the message: 451 4.7.1 greylisted, try again later"
    )
    assert (row.attempts, row.last_error, row.sent_at) == (5, reason, None)
    assert len(inbox.refusals) == 5 and inbox.received == []
    (job,) = mail_jobs(runtime)
    assert job.state == "failed" and job.errors == [{"item": credential, "message": reason}]


def test_a_server_that_is_down_is_retried_then_the_mail_fails(
    settings, runtime, acme, issue, ada_request, fast_retries
) -> None:
    port = free_port()  # nothing listens there
    with mail_worker(settings, _smtp(port)):
        issued = issue(acme, ada_request)
        (row,) = wait_for(runtime, uuid_of(issued["id"]), "failed")
    assert row.attempts == 5
    assert row.last_error == f"SMTP server 127.0.0.1:{port} unreachable: connection refused"


def test_a_permanent_refusal_fails_at_once(settings, runtime, acme, issue, ada_request) -> None:
    with smtp_server() as (inbox, port), mail_worker(settings, _smtp(port)):
        inbox.refuse_rcpt = "550 5.1.1 <ada@example.org>: no such user"
        issued = issue(acme, ada_request)
        (row,) = wait_for(runtime, uuid_of(issued["id"]), "failed")
    assert row.attempts == 1 and len(inbox.refusals) == 1
    assert row.last_error.endswith(
        "refused the recipient: 550 5.1.1 <ada@example.org>: no such user"
    )


def test_a_chunk_run_again_never_resends_a_mail_recorded_as_sent(
    settings, runtime, acme, issue, ada_request
) -> None:
    with smtp_server() as (inbox, port):
        url = _smtp(port)
        with mail_worker(settings, url):
            issued = issue(acme, ada_request)
            (first,) = wait_for(runtime, uuid_of(issued["id"]), "sent")
        (job,) = mail_jobs(runtime)
        # A crash after the mail was recorded as sent but before the chunk was marked finished.
        with runtime.unit() as deps:
            deps.session.execute(
                update(JobChunk).where(JobChunk.job_id == job.id).values(state="pending")
            )
            deps.session.execute(
                update(Job).where(Job.id == job.id).values(state="running", done=0)
            )
        with Runtime(dataclasses.replace(settings, smtp_url=url)) as worker_runtime:
            run_chunk(worker_runtime, job.id, 0, final_attempt=True, enqueue_chunk=lambda *a: None)
        time.sleep(0.3)
    assert len(inbox.received) == 1
    (again,) = deliveries(runtime, uuid_of(issued["id"]))
    assert (again.state, again.attempts, again.message_id) == ("sent", 1, first.message_id)
    (job,) = mail_jobs(runtime)
    assert (job.state, job.done) == ("done", 1)


def _crash_after_the_first_send(monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker dies between handing a mail over and recording it (once)."""
    original = SmtpMailer.send
    crashed: list[bool] = []

    def send(self: SmtpMailer, message: Any, recipient: str) -> Any:
        result = original(self, message, recipient)
        if not crashed:
            crashed.append(True)
            raise RuntimeError("the worker died here")
        return result

    monkeypatch.setattr(SmtpMailer, "send", send)


def test_after_a_crash_between_send_and_record_the_mail_waits_for_its_backoff(
    settings, runtime, acme, issue, ada_request, monkeypatch
) -> None:
    _crash_after_the_first_send(monkeypatch)
    with smtp_server() as (inbox, port), mail_worker(settings, _smtp(port)):
        issued = issue(acme, ada_request)
        inbox.wait(1)
        time.sleep(2.5)  # the queue retries the chunk a second later; the mail is not due yet
        (row,) = deliveries(runtime, uuid_of(issued["id"]))
    assert len(inbox.received) == 1
    assert (row.state, row.attempts) == ("queued", 1)  # to try again after RETRY_DELAYS[0]


def test_after_a_crash_the_mail_is_sent_again_with_the_same_message_id(
    settings, runtime, acme, issue, ada_request, monkeypatch, fast_retries
) -> None:
    _crash_after_the_first_send(monkeypatch)
    with smtp_server() as (inbox, port), mail_worker(settings, _smtp(port)):
        issued = issue(acme, ada_request)
        (row,) = wait_for(runtime, uuid_of(issued["id"]), "sent")
        received = inbox.wait(2)
    # At least once: the duplicate carries the Message-ID mail systems merge duplicates by.
    assert [r.message["Message-ID"] for r in received] == [row.message_id] * 2
    assert row.attempts == 2


def test_every_issuance_queues_a_mail(runtime, acme, issue, ada_request, client, sceau, tmp_path):
    issued = issue(acme, ada_request)
    reissued = client.post(
        f"/api/v1/credentials/{uuid_of(issued['id'])}/reissue",
        json={"reason": "typo", "recipient": {"email": "ada.lovelace@example.org"}},
        headers=acme.auth,
    )
    assert reissued.status_code == 201, reissued.json
    replay = client.post(
        "/api/v1/credentials", json=ada_request, headers={**acme.auth, "Idempotency-Key": "k-1"}
    )
    again = client.post(
        "/api/v1/credentials", json=ada_request, headers={**acme.auth, "Idempotency-Key": "k-1"}
    )
    assert (replay.status_code, again.status_code) == (201, 200)
    csv = tmp_path / "rows.csv"
    csv.write_text("email,name,program\ngrace@example.org,Grace Hopper,\n")
    program = {
        "code": "P1",
        "name": "P1",
        "description": "d",
        "criteria": "c",
        "achievementType": "Certification",
    }
    assert client.post("/api/v1/programs", json=program, headers=acme.auth).status_code == 201
    assert sceau("issue", "--org", acme.slug, "--csv", str(csv), "--program", "P1").exit_code == 0
    recipients = sorted(r.recipient for r in deliveries(runtime))
    assert recipients == [
        "ada.lovelace@example.org",  # the reissue, to the corrected address
        "ada@example.org",
        "ada@example.org",  # the first keyed request; its replay queued nothing
        "grace@example.org",
    ]
    assert all(r.state == "queued" and r.attempts == 0 for r in deliveries(runtime))
    assert sum(job.total for job in mail_jobs(runtime)) == 4

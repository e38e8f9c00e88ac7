"""The holders' mails in the back office: their state on the decision, session and eligibility
pages, sending one again through the page's form, and the outbox, where a body's staff read
their own body's mails only (administrators and managers)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from decision_pages_support import make_team, prepared_session
from delivery_support import deliveries, mail_worker, uuid_of, wait_for
from office_support import csrf_token, flashes, sign_in, text


@pytest.fixture
def team(staff, runtime, client, clock) -> Any:
    return make_team(staff, runtime, client)


def _client(app: Any, member: Any, clock: Any) -> Any:
    client = app.test_client()
    response = sign_in(client, member, at=clock.instant)
    assert response.status_code == 302, text(response)
    return client


def _signed(team: Any, clock: Any, worker: Any) -> tuple[str, dict[str, str]]:
    """A session whose two passed candidates' credentials are issued; its id and enrollments."""
    session, ids = prepared_session(team)
    workflow = team.workflow
    assert workflow.act(session, "proposal", "manager").status_code == 200
    assert workflow.act(session, "approval", "manager2").status_code == 200
    clock.instant += timedelta(seconds=30)
    signed = workflow.act(
        session,
        "signature",
        "signatory",
        json={"totp": workflow.body.code("signatory", clock.instant)},
    )
    assert worker.wait(signed.json["job"])["state"] == "done"
    return session, ids


def test_staff_see_each_holders_mail_and_send_it_again(app, team, clock, runtime, settings):
    with mail_worker(settings, None) as worker:
        session, ids = _signed(team, clock, worker)
        credentials = sorted({r.credential_id for r in deliveries(runtime)})
        for credential in credentials:
            wait_for(runtime, credential, "sent")
    manager = _client(app, team.members["manager"], clock)
    page = manager.get(f"/staff/sessions/{session}/decision")
    shown = text(page)
    assert shown.count('data-state="sent"') == 2
    assert "E-mail au titulaire" in shown and "e-mail envoyé le" in shown
    assert shown.count("Renvoyer l'e-mail") == 2
    # The session's table and the candidate's file say it too.
    assert text(manager.get(f"/staff/sessions/{session}")).count('data-state="sent"') == 2
    file = text(manager.get(f"/staff/enrollments/{ids['ada@example.org']}/eligibility"))
    assert 'data-state="sent"' in file and "/c/" in file

    credential = credentials[0]
    url = f"/staff/credentials/{credential}/delivery/resend"
    token = csrf_token(page.get_data(as_text=True))
    back = f"/staff/sessions/{session}/decision"
    assert manager.post(url, data={"next": back}).status_code == 400  # no CSRF token
    sent = manager.post(url, data={"csrf_token": token, "next": back})
    assert sent.status_code == 303 and sent.location == back
    after = manager.get(sent.location)
    assert flashes(after) == [
        "L'e-mail est en file d'attente : il part vers le titulaire dans un instant."
    ]
    assert f'id="delivery-{credential}"><span class="delivery queued"' in text(after)
    again = manager.post(url, data={"csrf_token": token, "next": "https://evil.example/"})
    assert again.location == "/staff/"  # never a redirect off the site
    assert flashes(manager.get(again.location)) == [
        "Un e-mail à ce titulaire est déjà en attente : il est réessayé de lui-même."
    ]
    assert [d.state for d in deliveries(runtime, credential)] == ["sent", "queued"]

    auditor = _client(app, team.members["auditor"], clock)
    seen = text(auditor.get(f"/staff/sessions/{session}/decision"))
    assert 'data-state="queued"' in seen and "Renvoyer l'e-mail" not in seen
    token = csrf_token(auditor.get(back).get_data(as_text=True))
    other = credentials[1]
    refused = auditor.post(
        f"/staff/credentials/{other}/delivery/resend", data={"csrf_token": token}
    )
    assert refused.status_code == 403
    assert len(deliveries(runtime, other)) == 1


def _issue(client: Any, org: Any, email: str, name: str) -> str:
    request = {
        "recipient": {"email": email, "name": name},
        "achievement": {
            "name": "Welding, level 1",
            "description": "Arc welding.",
            "criteria": "Pass the practical exam.",
            "achievementType": "Certification",
        },
    }
    response = client.post("/api/v1/credentials", json=request, headers=org.auth)
    assert response.status_code == 201, response.json
    return uuid_of(response.json["id"])


def test_the_outbox_shows_a_body_its_own_mails_only(
    app, client, create_org, staff, clock, runtime, settings
) -> None:
    acme, beta = create_org("acme"), create_org("beta", name="Beta Certification")
    manager = staff("manager", org="acme", name="Marc Manager")
    evaluator = staff("evaluator", org="acme")
    beta_admin = staff("admin", org="beta", email="admin@beta.example")
    with mail_worker(settings, None):
        ours = _issue(client, acme, "ada@example.org", "Ada <script>alert(1)</script>")
        theirs = _issue(client, beta, "grace@example.org", "Grace Hopper")
        (our_mail,) = wait_for(runtime, ours, "sent")
        (their_mail,) = wait_for(runtime, theirs, "sent")
    assert our_mail.outbox_file and their_mail.outbox_file  # one shared folder

    browser = _client(app, manager, clock)
    listing = browser.get("/staff/outbox")
    assert listing.status_code == 200
    shown = text(listing)
    assert "Boîte d'envoi" in shown and "Aucun serveur SMTP n'est configuré" in shown
    assert "ada@example.org" in shown
    assert "Votre certificat « Welding, level 1 » est délivré" in shown
    assert "grace@example.org" not in shown and "Beta" not in shown
    assert f'href="/staff/outbox/{our_mail.id}"' in shown

    mail = browser.get(f"/staff/outbox/{our_mail.id}")
    assert mail.status_code == 200
    raw_page = mail.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in raw_page  # the holder's name, escaped
    assert "Bonjour Ada &lt;script&gt;alert(1)&lt;/script&gt;," in raw_page
    assert f"certificat-{ours}.pdf" in raw_page
    assert our_mail.message_id in text(mail)
    download = browser.get(f"/staff/outbox/{our_mail.id}.eml")
    assert download.status_code == 200 and download.mimetype == "message/rfc822"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert f"Message-ID: {our_mail.message_id}".encode() in download.data

    # Another body's mail, by its number: not found, as a mail that does not exist.
    for path in (f"/staff/outbox/{their_mail.id}", f"/staff/outbox/{their_mail.id}.eml"):
        assert browser.get(path).status_code == 404, path
    assert browser.get("/staff/outbox/999999").status_code == 404
    theirs_browser = _client(app, beta_admin, clock)
    assert "ada@example.org" not in text(theirs_browser.get("/staff/outbox"))
    assert "grace@example.org" in text(theirs_browser.get("/staff/outbox"))
    assert theirs_browser.get(f"/staff/outbox/{our_mail.id}").status_code == 404

    # Evaluators do not read the outbox, nor see it in the menu.
    reader = _client(app, evaluator, clock)
    assert reader.get("/staff/outbox").status_code == 403
    assert reader.get(f"/staff/outbox/{our_mail.id}").status_code == 403
    assert "/staff/outbox" not in text(reader.get("/staff/"))
    assert 'href="/staff/outbox"' in text(browser.get("/staff/"))


def test_a_mail_whose_file_is_gone_says_so(
    app, client, create_org, staff, clock, runtime, settings
) -> None:
    acme = create_org("acme")
    manager = staff("manager", org="acme")
    with mail_worker(settings, None):
        credential = _issue(client, acme, "ada@example.org", "Ada Lovelace")
        (row,) = wait_for(runtime, credential, "sent")
    (settings.outbox_dir / row.outbox_file).unlink()
    browser = _client(app, manager, clock)
    assert "le fichier n'est plus dans la boîte d'envoi" in text(browser.get("/staff/outbox"))
    assert browser.get(f"/staff/outbox/{row.id}").status_code == 404
    english = text(browser.get("/staff/outbox?lang=en"))
    assert "the file is no longer in the outbox" in english
    assert "1 result(s)" in english

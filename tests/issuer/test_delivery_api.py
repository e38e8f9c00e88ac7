"""The delivery API: a credential's mail state for its body's staff and API key (another body's
credential is a 404, whatever the role), and sending the mail again (audited; managers,
administrators and the API key; never twice at once, never for a revoked credential)."""

from __future__ import annotations

from typing import Any

import pytest
from delivery_support import mail_worker, uuid_of, wait_for
from sqlalchemy import select
from workflow_support import make_body

from core.db.models import AuditEvent

REQUEST = {
    "recipient": {"email": "ada@example.org", "name": "Ada Lovelace"},
    "achievement": {
        "name": "Welding, level 1",
        "description": "Arc welding.",
        "criteria": "Pass the practical exam.",
        "achievementType": "Certification",
    },
}


def _issue(client: Any, body: Any) -> str:
    response = client.post("/api/v1/credentials", json=REQUEST, headers=body.auth("api_key"))
    assert response.status_code == 201, response.json
    return uuid_of(response.json["id"])


@pytest.fixture
def beta(runtime: Any) -> Any:
    return make_body(runtime, "beta")


def test_every_role_of_the_body_and_its_api_key_read_the_state(client, body, settings) -> None:
    credential = _issue(client, body)
    for who in ("api_key", "admin", "manager", "evaluator", "signatory", "auditor"):
        shown = client.get(f"/api/v1/credentials/{credential}/delivery", headers=body.auth(who))
        assert shown.status_code == 200, who
    assert shown.json["credential"] == f"{settings.base_url}/c/{credential}"
    assert shown.json["state"] == "queued"
    (delivery,) = shown.json["deliveries"]
    assert delivery["recipient"] == "ada@example.org" and delivery["channel"] == "email"
    assert (delivery["attempts"], delivery["lastError"], delivery["sentAt"]) == (0, None, None)
    assert delivery["createdAt"].endswith("Z")


def test_another_bodys_credential_is_not_found_whatever_the_role(client, body, beta) -> None:
    credential = _issue(client, body)
    url = f"/api/v1/credentials/{credential}/delivery"
    for who in ("api_key", "admin", "manager", "auditor"):
        assert client.get(url, headers=beta.auth(who)).status_code == 404, who
        refused = client.post(url, headers=beta.auth(who))
        assert refused.status_code == 404, who
        assert refused.json["error"]["code"] == "unknown_credential"
    unknown = "/api/v1/credentials/00000000-0000-4000-8000-000000000000/delivery"
    assert client.get(unknown, headers=body.auth("manager")).status_code == 404
    assert client.get(url).status_code == 401
    assert client.get(url, headers={"Authorization": "Bearer nope"}).status_code == 401


def test_sending_again_is_for_managers_and_is_audited(client, body, runtime, settings) -> None:
    credential = _issue(client, body)
    url = f"/api/v1/credentials/{credential}/delivery"
    queued = client.post(url, headers=body.auth("manager"))
    assert queued.status_code == 409 and queued.json["error"]["code"] == "delivery_queued"
    with mail_worker(settings, None):
        wait_for(runtime, credential, "sent")
        for who in ("evaluator", "signatory", "auditor"):
            assert client.post(url, headers=body.auth(who)).status_code == 403, who
        assert client.post(url, json={"to": "x"}, headers=body.auth("manager")).status_code == 400
        again = client.post(url, json={}, headers=body.auth("manager"))
        assert again.status_code == 202, again.json
        assert again.json["job"]
        assert [d["state"] for d in again.json["deliveries"]] == ["queued", "sent"]
        rows = wait_for(runtime, credential, "sent", count=2)
        assert client.post(url, headers=body.auth("api_key")).status_code == 202
        wait_for(runtime, credential, "sent", count=3)
    assert len({r.message_id for r in rows}) == 2  # a new mail, not the old one again
    shown = client.get(url, headers=body.auth("auditor")).json
    assert shown["state"] == "sent" and len(shown["deliveries"]) == 3
    with runtime.read_sessions() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "credential.resend_mail")
        ).all()
    assert [(e.actor, e.subject) for e in events] == [
        ("staff:manager@acme.example", credential),
        ("api:acme", credential),
    ]


def test_a_revoked_credential_is_not_announced_again(client, body) -> None:
    credential = _issue(client, body)
    revoked = client.post(
        f"/api/v1/credentials/{credential}/revoke",
        json={"reason": "erreur de saisie"},
        headers=body.auth("manager"),
    )
    assert revoked.status_code == 200
    refused = client.post(
        f"/api/v1/credentials/{credential}/delivery", headers=body.auth("manager")
    )
    assert refused.status_code == 409
    assert refused.json["error"]["code"] == "credential_revoked"


def test_a_credential_revoked_before_its_mail_left_is_not_mailed(
    client, body, runtime, settings
) -> None:
    credential = _issue(client, body)
    client.post(
        f"/api/v1/credentials/{credential}/revoke",
        json={"reason": "erreur de saisie"},
        headers=body.auth("manager"),
    )
    with mail_worker(settings, None):
        (row,) = wait_for(runtime, credential, "failed")
    assert row.last_error == "the credential was revoked before its mail was sent"
    assert row.outbox_file is None

"""The audit log is written by every state change and its chain detects tampering."""

from __future__ import annotations

from sqlalchemy import select, update

from core.audit.log import verify_chain
from core.db.models import AuditEvent


def test_chain_records_and_detects_tampering(client, acme, ada_request, runtime) -> None:
    issued = client.post("/api/v1/credentials", json=ada_request, headers=acme.auth).json
    uuid = issued["id"].rsplit("/", 1)[1]
    client.post(f"/api/v1/credentials/{uuid}/revoke", json={"reason": "typo"}, headers=acme.auth)
    with runtime.unit() as deps:
        actions = list(deps.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))
        assert actions == ["organization.create", "credential.issue", "credential.revoke"]
        assert verify_chain(deps.session)[0] is True
        deps.session.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(actor="mallory"))
    with runtime.unit() as deps:
        intact, _, message = verify_chain(deps.session)
        assert intact is False and "event 2" in message

"""The audit log is written by every state change and `sceau audit verify` detects tampering."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from core.audit.log import verify_chain
from core.db.models import AuditEvent, AuditHead


@pytest.fixture
def five_events(client, acme, ada_request, runtime) -> Any:
    """organization.create, three credential.issue and one credential.revoke."""
    ids = [
        client.post("/api/v1/credentials", json=ada_request, headers=acme.auth).json["id"]
        for _ in range(3)
    ]
    uuid = ids[0].rsplit("/", 1)[1]
    client.post(f"/api/v1/credentials/{uuid}/revoke", json={"reason": "typo"}, headers=acme.auth)
    return runtime


def _verify(sceau: Any, *args: str) -> tuple[int, dict[str, Any]]:
    result = sceau("audit", "verify", *args)
    return result.exit_code, json.loads(result.stdout)


def test_every_change_is_recorded_and_the_chain_holds(five_events, sceau) -> None:
    with five_events.unit() as deps:
        actions = list(deps.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))
    assert actions == ["organization.create", *["credential.issue"] * 3, "credential.revoke"]
    code, report = _verify(sceau)
    assert (code, report["intact"], report["events"]) == (0, True, 5)
    assert report["anchor"].startswith("5:")


def test_an_edited_event_is_detected(five_events, sceau) -> None:
    with five_events.unit() as deps:
        deps.session.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(actor="mallory"))
    code, report = _verify(sceau)
    assert (code, report["intact"]) == (1, False)
    assert report["message"] == "event 2: its content was altered"


def test_a_deleted_middle_event_is_detected(five_events, sceau) -> None:
    with five_events.unit() as deps:
        deps.session.execute(delete(AuditEvent).where(AuditEvent.seq == 3))
    code, report = _verify(sceau)
    assert (code, report["intact"]) == (1, False)
    assert report["message"] == "event 4: the chain is broken before it"


def test_deleted_newest_events_are_detected(five_events, sceau) -> None:
    with five_events.unit() as deps:
        deps.session.execute(delete(AuditEvent).where(AuditEvent.seq >= 4))
        assert verify_chain(deps.session)[0] is False
    code, report = _verify(sceau)
    assert (code, report["intact"]) == (1, False)
    assert report["message"] == (
        "the log ends at event 3 but its head names event 5: the newest events were deleted"
    )


def test_a_rewritten_head_is_caught_by_an_anchor_kept_outside(five_events, sceau) -> None:
    _, before = _verify(sceau)
    with five_events.unit() as deps:
        third = deps.session.scalars(select(AuditEvent).where(AuditEvent.seq == 3)).one()
        deps.session.execute(delete(AuditEvent).where(AuditEvent.seq >= 4))
        deps.session.execute(update(AuditHead).values(seq=3, hash=third.hash))
    code, report = _verify(sceau)
    assert (code, report["intact"]) == (0, True)  # consistent within the database
    code, report = _verify(sceau, "--anchor", before["anchor"])
    assert (code, report["intact"]) == (1, False)
    assert report["message"] == "event 5 of the recorded anchors is missing"


def test_a_malformed_anchor_is_refused(sceau, acme) -> None:
    result = sceau("audit", "verify", "--anchor", "five")
    assert result.exit_code == 2 and "is not SEQ:HASH" in result.output

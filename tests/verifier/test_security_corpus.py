"""The security corpus against our verifier: signed with a real key of one of our bodies, each
case must still fail at the step it names (or verify, for the cases that are sound)."""

from __future__ import annotations

from typing import Any

import pytest
from sceau_test_support import apply_patch, base_credential, security_cases, sign_loosely

from core.keys.directory import find_org
from core.keys.store import open_signing_keys

CASES = security_cases()


@pytest.fixture
def acme_key(acme, runtime) -> Any:
    with runtime.unit() as deps:
        org = find_org(deps.session, acme.slug)
        return open_signing_keys(deps.session, org, acme.did, deps.cipher)


@pytest.mark.parametrize(("name", "case"), CASES, ids=[name for name, _ in CASES])
def test_verify(client, acme, acme_key, name: str, case: dict[str, Any]) -> None:
    unsigned = apply_patch(base_credential(acme.did, "Acme Certification"), case["patch"])
    signed = sign_loosely(unsigned, acme_key.ed25519, acme_key.proof_method)
    document = apply_patch(signed, case["tamper"])
    report = client.post("/api/v1/verify", json={"credential": document}).json
    steps = {s["id"]: s["code"] for s in report["steps"]}
    expected = case["verifier"]
    if expected.get("verified"):
        assert report["verified"] is True, report["steps"]
        return
    assert report["verified"] is False
    assert steps[expected["step"]] == expected["code"], report["steps"]
    assert (steps["issuer"], steps["status"]) == ("skipped", "skipped")
    assert report["issuer"]["name"] is None

"""The security corpus against our issuer: it signs nothing that a signature would not cover."""

from __future__ import annotations

from typing import Any

import pytest
from sceau_test_support import apply_patch, base_credential, security_cases

CASES = security_cases()


def issued_document(case: dict[str, Any], issuer_did: str) -> dict[str, Any]:
    """What the attacker asks us to sign: the case's document, without any proof."""
    operations = [op for op in case["patch"] + case["tamper"] if not op[1].startswith("/proof")]
    return apply_patch(base_credential(issuer_did, "Acme Certification"), operations)


def test_the_corpus_has_enough_cases() -> None:
    assert len(CASES) >= 20


@pytest.mark.parametrize(("name", "case"), CASES, ids=[name for name, _ in CASES])
def test_vc_api_issue(client, acme, name: str, case: dict[str, Any]) -> None:
    document = issued_document(case, acme.did)
    response = client.post("/credentials/issue", json={"credential": document}, headers=acme.auth)
    expected = case["issuer"]
    assert response.status_code == expected["status"], response.json
    if expected["status"] == 201:
        return
    error = response.json["error"]
    assert error["code"] == expected["code"], error
    if "path" in expected:
        assert expected["path"] in [p["path"] for p in error["problems"]], error

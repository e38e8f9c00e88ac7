"""The credential attached to a certificate PDF verifies with Digital Bazaar's reference stack."""

from __future__ import annotations

import json

import pytest
from documents_support import attachments

pytestmark = pytest.mark.interop


def test_the_reference_stack_verifies_the_credential_attached_to_the_pdf(
    issue, client, acme, ada_request, live_server, run_node, tmp_path
) -> None:
    issued = issue(acme, ada_request)
    uuid = issued["id"].rsplit("/", 1)[1]
    pdf = client.get(f"/c/{uuid}.pdf").data
    attached = attachments(pdf)["credential.json"]["data"]
    assert json.loads(attached) == issued["credential"]
    path = tmp_path / "attached.json"
    path.write_bytes(attached)
    out = run_node("verify.mjs", str(path), "--base", live_server)
    assert out["verified"] is True, out
    tampered = json.loads(attached)
    tampered["credentialSubject"]["achievement"]["name"] = "Welding, level 3"
    path.write_text(json.dumps(tampered))
    assert run_node("verify.mjs", str(path), "--base", live_server)["verified"] is False

"""Numbers agree with Digital Bazaar's stack, which reads JSON as JavaScript does (IEEE doubles).

An integer that JavaScript cannot read back exactly (past 2^53, not a double) would canonicalize
differently on each side: Sceau refuses it on input, as issuer and as verifier. Integral numbers
written with a fraction (2.0) are integers for JavaScript, and for Sceau.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sceau_test_support import base_credential

pytestmark = pytest.mark.interop

EXACT = 2**60  # past 2^53 but a double: JavaScript reads it back exactly
INEXACT = 12345678901234567890  # JavaScript reads 12345678901234567168


def _steps(report: dict[str, Any]) -> dict[str, str]:
    return {s["id"]: s["code"] for s in report["steps"]}


def _reference_signed(run_node: Any, tmp_path: Path, credits: Any) -> dict[str, Any]:
    unsigned = base_credential("did:example:replaced-by-the-script", "Reference Issuer")
    unsigned["credentialSubject"]["achievement"]["creditsAvailable"] = credits
    path = tmp_path / "unsigned.json"
    path.write_text(json.dumps(unsigned))
    return run_node("issue.mjs", "--credential", path)


def test_an_exact_large_integer_issued_by_sceau_verifies_in_the_reference(
    acme, issue, ada_request, live_server, run_node, tmp_path
) -> None:
    ada_request["achievement"]["creditsAvailable"] = EXACT
    ours = issue(acme, ada_request)["credential"]
    path = tmp_path / "ours.json"
    path.write_text(json.dumps(ours))  # all the digits: JavaScript reads the same double
    assert run_node("verify.mjs", path, "--base", live_server)["verified"] is True


def test_javascript_prints_large_integers_inexactly_so_sceau_refuses_them(
    client, run_node, tmp_path
) -> None:
    theirs = _reference_signed(run_node, tmp_path, EXACT)
    # JavaScript prints the shortest text that reads back as the double: not its exact value.
    assert theirs["credentialSubject"]["achievement"]["creditsAvailable"] == 1152921504606847000
    report = client.post("/api/v1/verify", json={"credential": theirs}).json
    assert report["verified"] is False
    assert _steps(report)["context"] == "invalid_jsonld"


def test_an_inexact_integer_is_refused_by_our_issuer_and_our_verifier(
    client, acme, ada_request, run_node, tmp_path
) -> None:
    ada_request["achievement"]["creditsAvailable"] = INEXACT
    response = client.post("/api/v1/credentials", json=ada_request, headers=acme.auth)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_jsonld"

    theirs = _reference_signed(run_node, tmp_path, INEXACT)
    # What the reference signed is the double it read, printed back as 12345678901234567000.
    assert theirs["credentialSubject"]["achievement"]["creditsAvailable"] != INEXACT
    report = client.post("/api/v1/verify", json={"credential": theirs}).json
    assert report["verified"] is False
    assert _steps(report)["context"] == "invalid_jsonld"


@pytest.mark.parametrize(("signed_as", "written_as"), [("2", "2.0"), ("2", "2e0"), ("2.5", "2.5")])
def test_integral_numbers_with_a_fraction_read_as_javascript_reads_them(
    client, live_server, run_node, tmp_path, signed_as: str, written_as: str
) -> None:
    theirs = _reference_signed(run_node, tmp_path, json.loads(signed_as))
    text = json.dumps({"credential": theirs}).replace(
        f'"creditsAvailable": {signed_as}', f'"creditsAvailable": {written_as}'
    )
    assert f'"creditsAvailable": {written_as}' in text
    response = client.post("/api/v1/verify", data=text, content_type="application/json")
    assert response.json["verified"] is True, response.json["steps"]
    path = tmp_path / "rewritten.json"
    path.write_text(text[len('{"credential": ') : -1])
    assert run_node("verify.mjs", path)["verified"] is True


@pytest.mark.parametrize(("credits", "code"), [(1.5e-7, "ok"), (1e-7, "invalid_jsonld")])
def test_tiny_numbers_follow_how_jsonld_js_types_them(
    client, run_node, tmp_path, credits: float, code: str
) -> None:
    """jsonld.js writes 1.5e-7 as an xsd:double but 1e-7 (no "." when JavaScript prints it) as
    the integer "0": Sceau agrees with the first and refuses the second."""
    theirs = _reference_signed(run_node, tmp_path, credits)
    report = client.post("/api/v1/verify", json={"credential": theirs}).json
    assert _steps(report)["context"] == code
    assert report["verified"] is (code == "ok")

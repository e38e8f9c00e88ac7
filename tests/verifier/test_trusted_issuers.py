"""The trusted issuers registry (SCEAU_TRUSTED_ISSUERS): it names registered issuers, and
never makes a forgery, an impersonator or a look-alike DID pass for one."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sceau_test_support import load_golden_module

from core.keys.trusted_issuers import load_trusted_issuers
from wsgi import create_app

G = load_golden_module()
KEYS = G.keys()
#: The fixed test-only keys: one registered issuer, and an intruder who is in no registry.
REGISTERED_VM = G.did_key_of(KEYS["foreign_ed25519"])
REGISTERED_DID = REGISTERED_VM.split("#")[0]
INTRUDER_VM = G.did_key_of(KEYS["intruder_ed25519"])
INTRUDER_DID = INTRUDER_VM.split("#")[0]
REGISTERED_NAME = "Université Exemple"
REGISTRY_NAME = "Registre des organismes partenaires"


def _registry(entries: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"meta": {"created": "2026-01-01T00:00:00Z"}, **top, "registry": entries}


@pytest.fixture(scope="module")
def registry_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("registry") / "registry.json"
    entries = {
        REGISTERED_DID: {
            "name": REGISTERED_NAME,
            "url": "https://universite-exemple.example",
            "location": "Lyon, France",
        },
        # Look-alikes of the intruder's DID: none of them is the intruder's DID.
        INTRUDER_DID.upper().replace("DID:KEY:", "did:key:"): {"name": "Upper Case Body"},
        INTRUDER_DID + "x": {"name": "Trailing Body"},
        INTRUDER_DID[:-1]: {"name": "Truncated Body"},
    }
    path.write_text(json.dumps(_registry(entries, name=REGISTRY_NAME)), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def trusting_client(settings: Any, registry_file: Path) -> Iterator[Any]:
    """A client of an app whose settings name the registry file."""
    app = create_app(replace(settings, trusted_issuers=load_trusted_issuers(registry_file)))
    app.config["TESTING"] = True
    yield app.test_client()
    app.extensions["sceau"]["sessions"].kw["bind"].dispose()


def _signed(issuer_id: str, claimed_name: str, vm: str, key_name: str) -> dict[str, Any]:
    issuer = {"id": issuer_id, "type": ["Profile"], "name": claimed_name}
    unsigned = G.credential(number=31, issuer=issuer, status_index=None)
    return G._sign(unsigned, KEYS[key_name], vm)


def _verify(client: Any, credential: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/v1/verify", json={"credential": credential})
    assert response.status_code == 200, response.json
    report: dict[str, Any] = response.json
    return report


def _codes(report: dict[str, Any]) -> dict[str, str]:
    return {s["id"]: s["code"] for s in report["steps"]}


def _assert_forgery(report: dict[str, Any], proof_code: str) -> None:
    codes = _codes(report)
    assert report["verified"] is False
    assert codes["proof"] == proof_code
    assert (codes["issuer"], codes["dates"], codes["status"]) == ("skipped",) * 3
    assert report["issuer"]["known"] is False and report["issuer"]["name"] is None
    assert REGISTERED_NAME not in json.dumps(report["issuer"])
    assert REGISTRY_NAME not in json.dumps(report, ensure_ascii=False)


def test_a_registered_issuer_is_shown_with_its_registered_name(trusting_client) -> None:
    credential = _signed(REGISTERED_DID, "Whatever It Claims", REGISTERED_VM, "foreign_ed25519")
    report = _verify(trusting_client, credential)
    issuer_step = next(s for s in report["steps"] if s["id"] == "issuer")
    assert report["verified"] is True
    assert issuer_step["code"] == "known_issuer" and issuer_step["ok"] is True
    assert issuer_step["registry"] == REGISTRY_NAME
    assert REGISTERED_NAME in issuer_step["message"]
    # The registry's name, not the credential's claim.
    assert report["issuer"] == {
        "id": REGISTERED_DID,
        "name": REGISTERED_NAME,
        "known": True,
        "registry": REGISTRY_NAME,
    }


def test_the_bodies_of_this_service_come_first(trusting_client, issue, acme, ada_request) -> None:
    issued = issue(acme, ada_request)
    report = _verify(trusting_client, issued["credential"])
    issuer_step = next(s for s in report["steps"] if s["id"] == "issuer")
    assert report["verified"] is True
    assert issuer_step["registry"] == "this service"
    assert report["issuer"]["name"] == "Acme Certification"


def test_a_registry_entry_never_makes_a_tampered_credential_genuine(trusting_client) -> None:
    credential = _signed(REGISTERED_DID, REGISTERED_NAME, REGISTERED_VM, "foreign_ed25519")
    tampered = copy.deepcopy(credential)
    tampered["name"] = "Doctorat en médecine"
    _assert_forgery(_verify(trusting_client, tampered), "invalid_signature")


def test_a_registered_did_signed_by_another_key_is_a_forgery(trusting_client) -> None:
    # The issuer is the registered DID; the proof is the intruder's own did:key.
    forged = _signed(REGISTERED_DID, REGISTERED_NAME, INTRUDER_VM, "intruder_ed25519")
    _assert_forgery(_verify(trusting_client, forged), "key_controller_mismatch")


@pytest.mark.parametrize(
    "claimed", [REGISTERED_NAME, "  université   EXEMPLE ", "Université Exemple"]
)
def test_an_unregistered_did_wearing_a_registered_name_is_unknown_and_unnamed(
    trusting_client, claimed: str
) -> None:
    impostor = _signed(INTRUDER_DID, claimed, INTRUDER_VM, "intruder_ed25519")
    report = _verify(trusting_client, impostor)
    issuer_step = next(s for s in report["steps"] if s["id"] == "issuer")
    assert _codes(report)["proof"] == "ok"  # its own signature holds...
    assert issuer_step["code"] == "unknown_issuer"  # ...but it is nobody we know
    assert "claims the name of a registered" in issuer_step["message"]
    assert report["issuer"] == {"id": INTRUDER_DID, "name": None, "known": False}
    assert "registry" not in issuer_step


def test_an_unregistered_did_wearing_the_name_of_a_body_of_this_service(
    trusting_client, acme
) -> None:
    impostor = _signed(INTRUDER_DID, "ACME certification", INTRUDER_VM, "intruder_ed25519")
    report = _verify(trusting_client, impostor)
    assert _codes(report)["issuer"] == "unknown_issuer"
    assert report["issuer"]["name"] is None


def test_look_alike_dids_in_the_registry_are_not_the_issuer(trusting_client) -> None:
    # The registry lists the intruder's DID in upper case, with a trailing character and
    # truncated: its genuine credential is still from an unknown issuer, with a warning.
    credential = _signed(INTRUDER_DID, "Intruder Academy", INTRUDER_VM, "intruder_ed25519")
    report = _verify(trusting_client, credential)
    issuer_step = next(s for s in report["steps"] if s["id"] == "issuer")
    assert issuer_step["code"] == "unknown_issuer"
    assert issuer_step["message"].startswith("Warning:")
    assert report["issuer"] == {"id": INTRUDER_DID, "name": "Intruder Academy", "known": False}


def test_lookup_matches_the_exact_did_only(registry_file: Path) -> None:
    registry = load_trusted_issuers(registry_file)
    assert registry.lookup(REGISTERED_DID) is not None
    for variant in (
        REGISTERED_DID.upper(),
        REGISTERED_DID + " ",
        " " + REGISTERED_DID,
        REGISTERED_DID + "#key-1",
        REGISTERED_DID + "/",
        REGISTERED_DID[:-1],
    ):
        assert registry.lookup(variant) is None, variant


def test_the_vc_api_verifies_a_registered_issuer(trusting_client) -> None:
    credential = _signed(REGISTERED_DID, REGISTERED_NAME, REGISTERED_VM, "foreign_ed25519")
    response = trusting_client.post(
        "/credentials/verify", json={"verifiableCredential": credential}
    )
    assert response.status_code == 200 and "issuer" in response.json["checks"]


def test_only_the_exact_did_of_a_body_of_this_service_is_known(runtime, acme) -> None:
    from core.verifying import _Issuers

    with runtime.unit() as deps:
        issuers = _Issuers(deps)
        assert issuers.lookup(acme.did) is not None
        for variant in (acme.did + "#key-1", acme.did + "#", acme.did.upper(), acme.did + "x"):
            assert issuers.lookup(variant) is None, variant

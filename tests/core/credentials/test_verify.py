"""Tests of the verification pipeline (core.credentials.verify) on the golden credentials."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import pytest
from sceau_test_support import GOLDEN_DIR, load_golden_module

from core.clock import FixedClock, isoformat_z
from core.credentials.jsonld import canonical_nquads
from core.credentials.report import STEP_CODES, STEP_IDS, VerificationReport
from core.credentials.steps import Parsed, Stop, dates_step
from core.credentials.verify import VerifyOptions, verify_credential
from core.encoding import b64url_decode, b64url_encode, multibase_decode
from core.errors import StatusListError
from core.keys.did import ResolvedKey
from core.keys.resolver import DidResolver
from core.status.checker import BitstringStatusChecker

G = load_golden_module()
CLOCK = FixedClock(G.NOW)


def golden(name: str) -> Any:
    if name.startswith("jwt-"):
        return (GOLDEN_DIR / f"{name}.jwt").read_text(encoding="utf-8").strip()
    return json.loads((GOLDEN_DIR / f"{name}.json").read_text(encoding="utf-8"))


class Registry:
    """The issuers of the test instance: only the test issuer."""

    def lookup(self, issuer_id: str) -> dict[str, Any] | None:
        if issuer_id == G.ISSUER_DID:
            return {"name": "ACME Certification (test)", "url": G.BASE_URL + "/issuers/acme"}
        return None

    def is_known_name(self, name: str) -> bool:
        return name.casefold() == "acme certification (test)"


class SpyChecker:
    """A status checker that records whether it was asked (it must not be, for forgeries)."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def is_revoked(self, entry: dict[str, Any], *, issuer_id: str) -> bool:
        self.calls.append(entry)
        return False


@pytest.fixture(scope="module")
def resolver() -> DidResolver:
    documents = {G.ISSUER_DID: G.did_document()}
    return DidResolver(documents.get, fetcher=None)


@pytest.fixture(scope="module")
def checker(resolver: DidResolver) -> BitstringStatusChecker:
    lists = {G.LIST_URL: golden("status-list")}
    return BitstringStatusChecker(resolver, lists.get, None, CLOCK, 60, 20000)


def verify(
    document: object,
    resolver: Any,
    checker: Any,
    options: VerifyOptions | None = None,
) -> VerificationReport:
    return verify_credential(
        document,
        resolver=resolver,
        status_checker=checker,
        issuers=Registry(),
        clock=CLOCK,
        options=options or VerifyOptions(),
    )


def codes(report: VerificationReport) -> dict[str, str]:
    return {step.id: step.code for step in report.steps}


def assert_well_formed(report: VerificationReport) -> None:
    assert [s.id for s in report.steps] == list(STEP_IDS)
    for step in report.steps:
        assert step.code in (*STEP_CODES[step.id], "internal_error"), (step.id, step.code)
        assert step.message and step.message[0].isupper() and step.message.endswith((".", ")"))
    assert report.verified == all(s.ok for s in report.steps)


VALID_STEPS = {
    "parse": "ok",
    "context": "ok",
    "schema": "ok",
    "proof": "ok",
    "issuer": "known_issuer",
    "dates": "valid",
    "status": "not_revoked",
}

FORGED = {"issuer": "skipped", "dates": "skipped", "status": "skipped"}

GOLDEN_CASES: dict[str, tuple[bool, dict[str, str]]] = {
    "valid": (True, {}),
    "tampered": (False, {"proof": "invalid_signature", **FORGED}),
    "expired": (False, {"dates": "expired"}),
    "not-yet-valid": (False, {"dates": "not_yet_valid"}),
    "revoked": (False, {"status": "revoked"}),
    "no-proof": (False, {"proof": "no_proof", **FORGED}),
    "unknown-term": (
        False,
        {"context": "undefined_term", "proof": "undefined_term", **FORGED},
    ),
    "foreign-issuer": (False, {"issuer": "unknown_issuer", "status": "no_status"}),
    "wrong-key": (False, {"proof": "key_controller_mismatch", **FORGED}),
    "jwt-valid": (True, {}),
    "jwt-tampered": (False, {"proof": "invalid_signature", **FORGED}),
    "jwt-alg-none": (False, {"proof": "algorithm_not_allowed", **FORGED}),
    "jwt-hs256": (False, {"proof": "algorithm_not_allowed", **FORGED}),
}


@pytest.mark.parametrize("state", sorted(GOLDEN_CASES))
def test_golden_states(state: str, resolver: DidResolver, checker: BitstringStatusChecker) -> None:
    verified, changed = GOLDEN_CASES[state]
    report = verify(golden(state), resolver, checker)
    assert_well_formed(report)
    assert codes(report) == {**VALID_STEPS, **changed}
    assert report.verified is verified
    assert report.format == ("jwt" if state.startswith("jwt-") else "ldp")
    assert report.credential is not None


def test_golden_files_are_reproducible() -> None:
    assert G.main(["--check"]) == 0


def test_report_json_shape(resolver: DidResolver, checker: BitstringStatusChecker) -> None:
    data = verify(golden("valid"), resolver, checker).to_json()
    assert data["verified"] is True
    assert data["format"] == "ldp"
    name = "ACME Certification (test)"
    known = {"id": G.ISSUER_DID, "name": name, "known": True, "registry": "this service"}
    assert data["issuer"] == known
    assert [s["id"] for s in data["steps"]] == list(STEP_IDS)
    assert all({"id", "ok", "code", "message"} <= set(s) for s in data["steps"])
    assert data["steps"][3]["verificationMethod"] == G.ED_KEY_ID
    assert data["credential"]["id"] == golden("valid")["id"]
    json.dumps(data)  # serializable as is


def test_json_text_and_bytes_inputs(resolver: DidResolver, checker: BitstringStatusChecker) -> None:
    text = (GOLDEN_DIR / "valid.json").read_text(encoding="utf-8")
    assert verify(text, resolver, checker).verified
    assert verify(text.encode(), resolver, checker).verified
    assert verify(b"\xef\xbb\xbf" + text.encode(), resolver, checker).verified
    assert verify(golden("jwt-valid").encode(), resolver, checker).verified


def test_foreign_issuer_is_genuine_but_unknown(
    resolver: DidResolver, checker: BitstringStatusChecker
) -> None:
    report = verify(golden("foreign-issuer"), resolver, checker)
    assert report.issuer is not None
    assert report.issuer["known"] is False
    # It claims the test issuer's name under another DID: an impersonation, whose name is not shown.
    assert report.issuer["name"] is None
    assert "claims the name of a registered" in report.step("issuer").message  # type: ignore[union-attr]
    assert report.step("proof").ok  # type: ignore[union-attr]
    lenient = verify(
        golden("foreign-issuer"), resolver, checker, VerifyOptions(require_known_issuer=False)
    )
    assert lenient.verified
    assert codes(lenient)["issuer"] == "unknown_issuer"


def test_unknown_term_signature_holds_only_because_pyld_drops_the_term() -> None:
    document = golden("unknown-term")
    proof = document.pop("proof")[0]
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    config["@context"] = document["@context"]
    hash_data = hashlib.sha256(canonical_nquads(config, strict=False).encode()).digest()
    hash_data += hashlib.sha256(canonical_nquads(document, strict=False).encode()).digest()
    public_key = G.keys()["acme_ed25519"].public_key()
    # does not raise: which is why the strict context step exists
    public_key.verify(multibase_decode(proof["proofValue"]), hash_data)


def test_unknown_term_is_named(resolver: DidResolver, checker: BitstringStatusChecker) -> None:
    step = verify(golden("unknown-term"), resolver, checker).step("context")
    assert step is not None and step.details["terms"] == ["favouriteColour"]


def test_status_is_never_fetched_for_a_forgery(resolver: DidResolver) -> None:
    spy = SpyChecker()
    for state in ("tampered", "no-proof", "wrong-key", "unknown-term", "jwt-tampered"):
        report = verify(golden(state), resolver, spy)
        assert codes(report)["status"] == "skipped"
    assert spy.calls == []
    assert verify(golden("valid"), resolver, spy).verified
    assert len(spy.calls) == 1


def test_status_list_unavailable_fails_closed(resolver: DidResolver) -> None:
    nowhere = BitstringStatusChecker(resolver, lambda url: None, None, CLOCK, 60, 20000)
    report = verify(golden("valid"), resolver, nowhere)
    assert codes(report)["status"] == "status_list_unavailable"
    assert not report.verified


def test_unsupported_status_entry(resolver: DidResolver) -> None:
    document = golden("no-proof")
    document["credentialStatus"]["statusPurpose"] = "message"
    signed = G._sign(document, G.keys()["acme_ed25519"], G.ED_KEY_ID)
    report = verify(signed, resolver, SpyChecker())
    assert codes(report)["status"] == "unsupported_status"
    assert not report.verified


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"cryptosuite": "ecdsa-rdfc-2019"}, "unsupported_proof"),
        ({"type": "Ed25519Signature2020"}, "unsupported_proof"),
        ({"proofPurpose": "authentication"}, "unsupported_proof"),
        ({"verificationMethod": None}, "unsupported_proof"),
        ({"verificationMethod": G.ISSUER_DID + "#no-such-key"}, "unknown_key"),
        ({"verificationMethod": "did:example:123#k"}, "unknown_key"),
        ({"verificationMethod": "https://evil.example/key"}, "unknown_key"),
        ({"verificationMethod": G.P256_KEY_ID}, "unsupported_proof"),
        ({"proofValue": "z" + "1" * 10_000}, "invalid_signature"),
        ({"proofValue": "zNotBase58!!"}, "invalid_signature"),
        ({"created": "2020-01-01T00:00:00Z"}, "invalid_signature"),
    ],
)
def test_proof_failures(
    change: dict[str, Any], code: str, resolver: DidResolver, checker: BitstringStatusChecker
) -> None:
    document = golden("valid")
    document["proof"][0].update(change)
    report = verify(document, resolver, checker)
    assert codes(report)["proof"] == code
    assert not report.verified


def test_proof_as_object_and_several_proofs(
    resolver: DidResolver, checker: BitstringStatusChecker
) -> None:
    document = golden("valid")
    single = {**document, "proof": document["proof"][0]}
    assert codes(verify(single, resolver, checker))["proof"] == "ok"
    many = {**document, "proof": document["proof"] * 5}
    assert codes(verify(many, resolver, checker))["proof"] == "unsupported_proof"


def _dates(document: dict[str, Any], skew: int = 0) -> str:
    parsed = Parsed("ldp", document, G.ISSUER_DID)
    try:
        return dates_step(parsed, CLOCK, skew).code
    except Stop as stop:
        return stop.code


def test_vc11_dates_are_understood() -> None:
    document = golden("valid")
    del document["validUntil"]
    document["expirationDate"] = "2026-01-01T00:00:00Z"
    assert _dates(document) == "expired"
    document = golden("valid")
    document["issuanceDate"] = "2099-01-01T00:00:00Z"
    assert _dates(document) == "not_yet_valid"
    document["issuanceDate"] = "soon"
    assert _dates(document) == "invalid_date"


@pytest.mark.parametrize(
    ("ahead", "expected"), [(299, "valid"), (300, "valid"), (301, "not_yet_valid")]
)
def test_a_start_within_the_clock_skew_is_accepted(ahead: int, expected: str) -> None:
    document = golden("valid")
    document["validFrom"] = isoformat_z(G.NOW + dt.timedelta(seconds=ahead))
    assert _dates(document, skew=300) == expected


def test_schema_can_be_optional(resolver: DidResolver, checker: BitstringStatusChecker) -> None:
    document = golden("valid")
    document["credentialSubject"]["achievement"]["name"] = 5
    report = verify(document, resolver, checker)
    assert codes(report)["schema"] == "schema_invalid"
    step = report.step("schema")
    assert step is not None
    assert step.details["problems"] == [
        {"path": "credentialSubject.achievement.name", "message": "must be of type string"}
    ]
    lenient = verify(golden("valid"), resolver, checker, VerifyOptions(require_schema=False))
    assert codes(lenient)["schema"] == "not_required" and lenient.verified


def test_unknown_context_skips_the_proof(
    resolver: DidResolver, checker: BitstringStatusChecker
) -> None:
    document = golden("valid")
    document["@context"].append("https://evil.example/context.jsonld")
    report = verify(document, resolver, checker)
    assert codes(report)["context"] == "unknown_context"
    assert codes(report)["proof"] == "skipped"
    assert not report.verified
    document = golden("valid")
    document["@context"] = ["https://www.w3.org/2018/credentials/examples/v1"]
    assert codes(verify(document, resolver, checker))["context"] == "unknown_context"
    # VC 1.1 is known, but a VC 2.0 credential under it leaves validFrom & co. undefined
    document["@context"] = ["https://www.w3.org/2018/credentials/v1"]
    assert codes(verify(document, resolver, checker))["context"] == "undefined_term"


def test_jwt_algorithms_come_from_configuration(
    resolver: DidResolver, checker: BitstringStatusChecker
) -> None:
    options = VerifyOptions(jwt_algorithms=("EdDSA",))
    report = verify(golden("jwt-valid"), resolver, checker, options)
    assert codes(report)["proof"] == "algorithm_not_allowed"


def test_jwt_with_an_unknown_kid(resolver: DidResolver, checker: BitstringStatusChecker) -> None:
    token = golden("jwt-valid")
    head, payload, signature = token.split(".")
    fields = json.loads(b64url_decode(head))
    fields["kid"] = G.ISSUER_DID + "#key-gone"
    forged = b64url_encode(json.dumps(fields).encode()) + "." + payload + "." + signature
    assert codes(verify(forged, resolver, checker))["proof"] == "unknown_key"
    del fields["kid"]
    no_kid = b64url_encode(json.dumps(fields).encode()) + "." + payload + "." + signature
    assert codes(verify(no_kid, resolver, checker))["proof"] == "unknown_key"


class Exploding:
    """Every collaborator call raises an unexpected exception."""

    def resolve(self, vm_id: str) -> ResolvedKey:
        raise RuntimeError("secret internal detail")

    def is_revoked(self, entry: dict[str, Any], *, issuer_id: str) -> bool:
        raise RuntimeError("secret internal detail")

    def lookup(self, issuer_id: str) -> dict[str, Any] | None:
        raise RuntimeError("secret internal detail")

    def is_known_name(self, name: str) -> bool:
        raise RuntimeError("secret internal detail")


def test_unexpected_errors_become_internal_error_steps(
    resolver: DidResolver, caplog: pytest.LogCaptureFixture
) -> None:
    boom = Exploding()
    report = verify_credential(
        golden("valid"), resolver=boom, status_checker=boom, issuers=boom, clock=CLOCK
    )
    assert codes(report)["proof"] == "internal_error"
    assert codes(report)["issuer"] == "skipped"
    assert not report.verified
    assert "secret" not in json.dumps(report.to_json())
    assert "secret internal detail" in caplog.text  # logged for the operators
    after_proof = verify_credential(
        golden("valid"), resolver=resolver, status_checker=boom, issuers=boom, clock=CLOCK
    )
    assert codes(after_proof)["proof"] == "ok"
    assert (codes(after_proof)["issuer"], codes(after_proof)["status"]) == (
        "internal_error",
        "internal_error",
    )
    assert "secret" not in json.dumps(after_proof.to_json())


def test_status_errors_are_unavailable_not_internal(resolver: DidResolver) -> None:
    class Failing:
        def is_revoked(self, entry: dict[str, Any], *, issuer_id: str) -> bool:
            raise StatusListError("down")

    report = verify(golden("valid"), resolver, Failing())
    assert codes(report)["status"] == "status_list_unavailable"


# --- hostile inputs: none raises, none is verified --------------------------------------------


def _poison_clique(size: int) -> dict[str, Any]:
    document = golden("valid")
    rel = "https://example.test/vocab#related"
    document["credentialSubject"][rel] = [
        {"id": f"_:n{i}", rel: [{"id": f"_:n{j}"} for j in range(size) if j != i]}
        for i in range(size)
    ]
    return document


def _deep_dict(depth: int) -> dict[str, Any]:
    document = golden("valid")
    node: dict[str, Any] = {}
    document["credentialSubject"]["https://example.test/deep"] = node
    for _ in range(depth):
        child: dict[str, Any] = {}
        node["https://example.test/deep"] = child
        node = child
    return document


HOSTILE: dict[str, tuple[Any, str, str]] = {
    "2 MB body": ('{"a": "' + "x" * 2_000_000 + '"}', "parse", "payload_too_large"),
    "2 MB bytes": (b" " * 2_000_000, "parse", "payload_too_large"),
    "10,000-deep JSON": ("[" * 10_000 + "]" * 10_000, "parse", "payload_too_large"),
    "10,000-deep dict": (_deep_dict(10_000), "parse", "payload_too_large"),
    "poison clique": (_poison_clique(10), "context", "canonicalization_limit"),
    "10 KB proofValue": (
        {
            **golden("valid"),
            "proof": [{**golden("valid")["proof"][0], "proofValue": "z" + "2" * 10_240}],
        },
        "proof",
        "invalid_signature",
    ),
    "huge JWT": ("a" * 300_000 + ".b.c", "parse", "payload_too_large"),
    "garbage text": ("hello world", "parse", "malformed_jwt"),
    "bad JSON": ('{"a": ', "parse", "malformed_json"),
    "NaN": ('{"a": NaN}', "parse", "malformed_json"),
    "JSON array": ("[1, 2]", "parse", "not_a_credential"),
    "None": (None, "parse", "not_a_credential"),
    "number": (42, "parse", "not_a_credential"),
    "empty object": ({}, "parse", "not_a_credential"),
    "bad UTF-8": (b'{"a": "\xff"}', "parse", "malformed_json"),
    "JWT of garbage": ("eyJhbGciOiJFUzI1NiJ9.bm90IGpzb24.c2ln", "parse", "malformed_jwt"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_inputs(name: str, resolver: DidResolver, checker: BitstringStatusChecker) -> None:
    document, step_id, code = HOSTILE[name]
    report = verify(document, resolver, checker)
    assert_well_formed(report)
    assert not report.verified
    assert codes(report)[step_id] == code

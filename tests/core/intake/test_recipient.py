"""The recipient check on its own: salted hashes, plain identifiers, names, and no answer
before the proof holds."""

from __future__ import annotations

from typing import Any

from core.credentials.builder import identity_hash
from core.intake.recipient import recipient_step


def _credential(*identifiers: dict[str, Any], name: str | None = None) -> dict[str, Any]:
    subject: dict[str, Any] = {"type": ["AchievementSubject"], "identifier": list(identifiers)}
    if name is not None:
        subject["name"] = name
    return {"credentialSubject": subject}


HASHED = {
    "type": "IdentityObject",
    "identityType": "emailAddress",
    "hashed": True,
    "salt": "s4lt",
    "identityHash": identity_hash("ada@example.org", "s4lt"),
}
PLAIN = {
    "type": "IdentityObject",
    "identityType": "emailAddress",
    "hashed": False,
    "identityHash": "Ada@Example.org",
}


def _code(credential: dict[str, Any], email: str | None = None, name: str | None = None) -> str:
    step = recipient_step(credential, proof_holds=True, typed_email=email, typed_name=name)
    assert step.ok == (step.code == "match")  # "cannot tell" is no pass either
    return step.code


def test_a_salted_hash_matches_the_normalized_email_only() -> None:
    assert _code(_credential(HASHED), " ADA@example.org") == "match"
    assert _code(_credential(HASHED), "ada@example.org.") == "no_match"
    # The hash without its salt is not the e-mail's: a salt must be used as stored.
    unsalted = {**HASHED, "salt": "other"}
    assert _code(_credential(unsalted), "ada@example.org") == "no_match"


def test_a_plain_identifier_is_compared_normalized() -> None:
    assert _code(_credential(PLAIN), "ada@example.org") == "match"
    assert _code(_credential(PLAIN), "eve@example.org") == "no_match"


def test_any_of_several_identifiers_may_match() -> None:
    other = {**HASHED, "identityHash": identity_hash("work@example.org", "s4lt")}
    assert _code(_credential(other, HASHED), "ada@example.org") == "match"


def test_nothing_to_compare_is_not_applicable() -> None:
    phone = {
        "type": "IdentityObject",
        "identityType": "phoneNumber",
        "hashed": False,
        "identityHash": "+33100000000",
    }
    assert _code(_credential(phone), "ada@example.org") == "not_applicable"
    assert _code(_credential(HASHED), name="Ada Lovelace") == "not_applicable"
    assert _code({"credentialSubject": "junk"}, "ada@example.org") == "not_applicable"


def test_names_compare_without_case_or_spacing() -> None:
    credential = _credential(HASHED, name="Ada  Lovelace")
    assert _code(credential, name="ada lovelace") == "match"
    assert _code(credential, name="Ada Byron") == "no_match"


def test_no_answer_before_the_proof_holds_and_nothing_revealed() -> None:
    step = recipient_step(
        _credential(HASHED), proof_holds=False, typed_email="ada@example.org", typed_name=None
    )
    assert step.code == "skipped" and not step.ok
    answered = recipient_step(
        _credential(HASHED), proof_holds=True, typed_email="eve@example.org", typed_name=None
    )
    assert HASHED["identityHash"] not in str(answered.to_json())
    assert "s4lt" not in str(answered.to_json())


def test_hashed_written_as_a_string_is_not_read_as_plain() -> None:
    """Found by the red team: "hashed": "true" signs the same RDF as true (xsd:boolean), but was
    read as "not hashed", so typing the stored hash itself gave a match."""
    as_string = {**HASHED, "hashed": "true"}
    assert _code(_credential(as_string), HASHED["identityHash"]) != "match"
    assert _code(_credential(as_string), "ada@example.org") != "match"

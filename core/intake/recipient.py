"""The recipient check: does a typed e-mail (or name) belong to the credential's holder?

The answer is match or no match; nothing stored in the credential is ever shown back. The
e-mail is normalized exactly as the builder did when it hashed it (core.credentials.builder).
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from typing import Any

from core.credentials.builder import identity_hash
from core.credentials.report import Step

_MAX_IDENTIFIERS = 16
_MAX_TYPED = 320


def _subjects(credential: dict[str, Any]) -> list[dict[str, Any]]:
    subject = credential.get("credentialSubject")
    subjects = subject if isinstance(subject, list) else [subject]
    return [s for s in subjects[:_MAX_IDENTIFIERS] if isinstance(s, dict)]


def _identifiers(credential: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for subject in _subjects(credential):
        listed = subject.get("identifier")
        listed = listed if isinstance(listed, list) else [listed]
        found.extend(i for i in listed[:_MAX_IDENTIFIERS] if isinstance(i, dict))
    return found


def _same(a: str, b: str) -> bool:
    """Constant-time equality (of digests, so lengths do not leak either)."""
    return hmac.compare_digest(
        hashlib.sha256(a.encode()).digest(), hashlib.sha256(b.encode()).digest()
    )


def _email_matches(identifier: dict[str, Any], typed_email: str) -> bool | None:
    """True/False for an e-mail identity object, None for any other."""
    if identifier.get("identityType") != "emailAddress":
        return None
    stored = identifier.get("identityHash")
    if not isinstance(stored, str):
        return None
    hashed = identifier.get("hashed")
    if hashed is True:
        salt = identifier.get("salt")
        salt = salt if isinstance(salt, str) else ""
        return _same(identity_hash(typed_email, salt), stored)
    if hashed is False:
        return _same(typed_email.strip().lower(), stored.strip().lower())
    # "true" (a string) signs the same RDF as true: anything but a JSON boolean is unreadable
    # here, never "plain" (typing the stored hash itself would match).
    return None


def _name_key(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def _names(credential: dict[str, Any]) -> list[str]:
    names: list[str] = []
    for subject in _subjects(credential):
        if isinstance(subject.get("name"), str):
            names.append(subject["name"])
        for identifier in _identifiers({"credentialSubject": subject}):
            plain = identifier.get("hashed") is False
            value = identifier.get("identityHash")
            if identifier.get("identityType") == "name" and plain and isinstance(value, str):
                names.append(value)
    return names


def recipient_step(
    verified_credential: dict[str, Any] | None,
    *,
    proof_holds: bool,
    typed_email: str | None,
    typed_name: str | None,
) -> Step:
    """``match``, ``no_match`` or ``not_applicable`` (nothing to compare with: not a pass);
    ``skipped`` while the proof does not hold (a forger chooses what the credential says)."""
    if not proof_holds or verified_credential is None:
        return Step(
            "recipient", False, "skipped", "Not checked: the credential is not proven authentic."
        )
    email = (typed_email or "").strip()[:_MAX_TYPED]
    name = (typed_name or "").strip()[:_MAX_TYPED]
    # One outcome per kind given that the credential can be held against: each must match
    # (a right name does not make up for a wrong e-mail).
    outcomes: list[bool] = []
    if email:
        found = [_email_matches(i, email) for i in _identifiers(verified_credential)]
        emails = [m for m in found if m is not None]
        if emails:
            outcomes.append(any(emails))
    if name:
        names = [_same(_name_key(name), _name_key(n)) for n in _names(verified_credential)]
        if names:
            outcomes.append(any(names))
    if not outcomes:
        # Asked "is this the holder?", "cannot tell" is no yes: the report is not verified.
        return Step(
            "recipient",
            False,
            "not_applicable",
            "The credential carries no recipient detail of the kind given to compare with: "
            "the recipient could not be confirmed.",
        )
    if all(outcomes):
        return Step("recipient", True, "match", "The recipient given is the credential's holder.")
    return Step(
        "recipient", False, "no_match", "The recipient given is not the credential's holder."
    )

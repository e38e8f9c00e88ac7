"""The verification report: one step per check, with stable ids and codes, for every door."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

#: Step ids, in the order the pipeline runs them.
STEP_IDS = ("parse", "context", "schema", "proof", "issuer", "dates", "status")
#: Steps added by the verifier's doors (core.intake) after the pipeline's: the file the
#: credential came in (a sealed PDF), and the recipient the verifier typed.
INTAKE_STEP_IDS = ("document", "recipient")

#: The codes each step can end with ("internal_error": an unexpected fault, logged, not shown).
STEP_CODES: dict[str, tuple[str, ...]] = {
    "parse": ("ok", "malformed_json", "malformed_jwt", "payload_too_large", "not_a_credential"),
    "context": (
        "ok",
        "unknown_context",
        "invalid_jsonld",
        "undefined_term",
        "not_compact",
        "unsigned_data",
        "canonicalization_limit",
        "skipped",
    ),
    "schema": ("ok", "schema_invalid", "not_required", "not_applicable", "skipped"),
    "proof": (
        "ok",
        "no_proof",
        "unsupported_proof",
        "invalid_signature",
        "unknown_key",
        "key_controller_mismatch",
        "key_compromised",
        "key_retired",
        "unsigned_data",
        "algorithm_not_allowed",
        "weak_key",
        "canonicalization_limit",
        "undefined_term",
        "unknown_context",
        "jwt_claims_mismatch",
        "skipped",
    ),
    "issuer": ("known_issuer", "unknown_issuer", "skipped"),
    "dates": ("valid", "not_yet_valid", "expired", "invalid_date", "skipped"),
    "status": (
        "not_revoked",
        "no_status",
        "revoked",
        "suspended",
        "unsupported_status",
        "status_list_unavailable",
        "skipped",
    ),
    "document": (
        "ok",
        "seal_invalid",
        "seal_untrusted",
        "no_seal",
        "attachment_mismatch",
        "qr_mismatch",
        "not_applicable",
    ),
    "recipient": ("match", "no_match", "not_applicable", "skipped"),
}

Format = Literal["ldp", "jwt"]


@dataclass(frozen=True)
class Step:
    """One check: ``ok`` says whether it passed; ``code`` is stable; ``message`` is for people."""

    id: str
    ok: bool
    code: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """``{"id", "ok", "code", "message", **details}`` (details never override those four)."""
        data: dict[str, Any] = {"id": self.id, "ok": self.ok, "code": self.code}
        data["message"] = self.message
        for key, value in self.details.items():
            data.setdefault(key, value)
        return data


@dataclass(frozen=True)
class VerificationReport:
    """The outcome of one verification; ``verified`` is True only when every step is ok."""

    verified: bool
    steps: list[Step]
    format: Format | None
    credential: dict[str, Any] | None
    issuer: dict[str, Any] | None

    def step(self, step_id: str) -> Step | None:
        """The step with this id, if the pipeline reached it."""
        return next((s for s in self.steps if s.id == step_id), None)

    @property
    def failed(self) -> list[Step]:
        """The steps that did not pass."""
        return [s for s in self.steps if not s.ok]

    def to_json(self) -> dict[str, Any]:
        """The JSON form served by the API and rendered by the pages."""
        data: dict[str, Any] = {
            "verified": self.verified,
            "format": self.format,
            "issuer": self.issuer,
            "steps": [s.to_json() for s in self.steps],
        }
        if self.credential is not None:
            data["credential"] = self.credential
        return data


__all__ = ["INTAKE_STEP_IDS", "STEP_CODES", "STEP_IDS", "Format", "Step", "VerificationReport"]

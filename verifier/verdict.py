"""The one-line verdict a non-specialist reads, derived from a verification report's steps."""

from __future__ import annotations

from typing import Any

from core.credentials.report import Step, VerificationReport

#: Every verdict the result page can show, from the best to the worst news.
VERDICTS = (
    "valid",
    "unknown_issuer",
    "not_yet_valid",
    "expired",
    "suspended",
    "revoked",
    "invalid",
    "forged",
    "unreadable",
)

#: Steps whose failure says that the thing shown is not what the issuer signed.
_INTEGRITY_STEPS = ("context", "proof", "document")


def _failed(step: Step | None) -> bool:
    return step is not None and not step.ok and step.code != "skipped"


def is_genuine(report: VerificationReport) -> bool:
    """True when the proof holds and no document around it was altered: only then may a page
    show what the credential claims (holder, certification, issuer's name)."""
    proof = report.step("proof")
    if proof is None or not proof.ok:
        return False
    return not any(_failed(report.step(step_id)) for step_id in _INTEGRITY_STEPS)


def verdict_of(report: VerificationReport) -> str:
    """One of VERDICTS. The recipient step never changes the verdict: "valid, but not this
    person's" is shown beside it, since the credential itself is what the verdict is about."""
    parse = report.step("parse")
    if parse is None or not parse.ok:
        return "unreadable"
    if not is_genuine(report):
        return "forged"
    status = report.step("status")
    if status is not None and status.code in ("revoked", "suspended"):
        return status.code
    dates = report.step("dates")
    if dates is not None and dates.code in ("expired", "not_yet_valid"):
        return dates.code
    others = [s for s in report.failed if s.id not in ("recipient", "issuer")]
    if others:
        return "invalid"  # a status list out of reach, a schema violation, an invalid date...
    issuer = report.step("issuer")
    if issuer is not None and issuer.code != "known_issuer":
        return "unknown_issuer"
    return "valid"


def claims(report: VerificationReport) -> dict[str, Any]:
    """What the page shows of a genuine credential (empty for any other): holder, certification,
    issuer and dates, each a string or None. Read only once ``is_genuine`` holds."""
    credential = report.credential
    if not is_genuine(report) or not isinstance(credential, dict):
        return {}
    subject = credential.get("credentialSubject")
    subject = subject if isinstance(subject, dict) else {}
    achievement = subject.get("achievement")
    achievement = achievement if isinstance(achievement, dict) else {}
    claimed_issuer = credential.get("issuer")
    claimed_issuer = claimed_issuer if isinstance(claimed_issuer, dict) else {}
    summary = report.issuer if isinstance(report.issuer, dict) else {}
    return {
        "holder": _text(subject.get("name")),
        "certification": _text(achievement.get("name")) or _text(credential.get("name")),
        "certification_type": _text(achievement.get("achievementType")),
        "description": _text(achievement.get("description")),
        # The pipeline's name only: for an unknown issuer wearing a registered body's name it
        # is None, and the page shows the identifier (never the credential's own claim).
        "issuer_name": _text(summary.get("name")),
        "issuer_id": _text(claimed_issuer.get("id")) or _text(credential.get("issuer")),
        "issuer_registered": summary.get("known") is True,
        "awarded": _text(credential.get("awardedDate")),
        "valid_from": _text(credential.get("validFrom")),
        "valid_until": _text(credential.get("validUntil")),
        "id": _text(credential.get("id")),
    }


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None

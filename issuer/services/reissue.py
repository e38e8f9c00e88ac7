"""Correct-and-reissue: a new credential with the corrections, which says what it replaces,
while the old one is revoked as "superseded by" the new one, in the same unit of work."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import update

from core.accounts.principal import Action, Principal
from core.credentials.issue_request import (
    Evidence,
    InlineAchievement,
    IssueRequest,
    ProgramCode,
    Recipient,
    Result,
)
from core.db.models import Credential, Enrollment, Program, ProgramVersion
from core.deps import Deps
from core.errors import Conflict, InputError
from core.urls import credential_url
from issuer.services.issuance import internal_key, issue_credential
from issuer.services.revocation import find_credential, revoke_credential
from issuer.services.sessions import organization_of

#: Achievement terms the builder writes itself; the rest of an inline achievement is its own.
_BUILT = ("id", "type", "resultDescription", "criteria", "alignment")


@dataclass(frozen=True)
class Corrections:
    """What a reissue changes: the reason (required) and the holder's name or e-mail."""

    reason: str
    name: str | None = None
    email: str | None = None
    show_name: bool | None = None


def parse_corrections(body: dict[str, Any]) -> Corrections:
    """The corrections of a reissue request; InputError naming what is wrong."""
    problems = []
    reason = body.get("reason")
    if not isinstance(reason, str) or not reason.strip() or len(reason) > 1000:
        problems.append({"path": "reason", "message": "required text, 1000 characters at most"})
    recipient = body.get("recipient", {})
    if not isinstance(recipient, dict) or set(recipient) - {"name", "email", "showName"}:
        problems.append({"path": "recipient", "message": "an object of name, email, showName"})
        recipient = {}
    for key in ("name", "email"):
        if key in recipient and not isinstance(recipient[key], str):
            problems.append({"path": f"recipient.{key}", "message": "text"})
    if "showName" in recipient and not isinstance(recipient["showName"], bool):
        problems.append({"path": "recipient.showName", "message": "true or false"})
    unknown = set(body) - {"reason", "recipient"}
    problems += [{"path": k[:100], "message": "unknown field"} for k in sorted(unknown)]
    if problems:
        raise InputError("the reissue cannot be done", code="invalid_request", problems=problems)
    return Corrections(
        " ".join(str(reason).split()),
        recipient.get("name"),
        recipient.get("email"),
        recipient.get("showName"),
    )


def _results(subject: dict[str, Any]) -> list[Result]:
    descriptions = {d["id"]: d for d in subject["achievement"].get("resultDescription", [])}
    results = []
    for result in subject.get("result", []):
        d = descriptions.get(result.get("resultDescription"), {})
        results.append(
            Result(
                d.get("name", "Result"),
                result["value"],
                value_min=d.get("valueMin"),
                value_max=d.get("valueMax"),
                required_value=d.get("requiredValue"),
                result_type=d.get("resultType"),
            )
        )
    return results


def _inline_definition(achievement: dict[str, Any]) -> dict[str, Any]:
    """The API definition an inline achievement was built from (achievement_document undone)."""
    criteria = achievement["criteria"]
    definition = {k: v for k, v in achievement.items() if k not in _BUILT}
    definition["criteria"] = (
        criteria["narrative"] if set(criteria) == {"narrative"} else dict(criteria)
    )
    if achievement.get("alignment"):
        definition["alignments"] = [
            {k: v for k, v in a.items() if k != "type"} for a in achievement["alignment"]
        ]
    return definition


def _request(deps: Deps, old: Credential, fix: Corrections) -> IssueRequest:
    subject = old.document["credentialSubject"]
    if old.program_id is not None:
        program = deps.session.get_one(Program, old.program_id)
        number = (
            deps.session.get_one(ProgramVersion, old.program_version_id).number
            if old.program_version_id is not None
            else None
        )
        achievement: ProgramCode | InlineAchievement = ProgramCode(program.code, number)
    else:
        achievement = InlineAchievement(_inline_definition(subject["achievement"]))
    evidence = [
        Evidence(**{k: e[k] for k in Evidence.FIELDS if k in e})
        for e in old.document.get("evidence", [])
    ]
    url = credential_url(deps.settings.base_url, old.id)
    evidence.append(Evidence(id=url, name=f"Remplace le certificat {url}", narrative=fix.reason))
    return IssueRequest(
        recipient=Recipient(
            fix.email or old.recipient_email,
            fix.name if fix.name is not None else old.recipient_name,
            fix.show_name
            if fix.show_name is not None
            else "name" in subject or old.recipient_name is None,
        ),
        achievement=achievement,
        valid_from=old.valid_from,
        valid_until=old.valid_until,
        results=_results(subject),
        evidence=evidence,
    )


def reissue_credential(
    deps: Deps, principal: Principal, credential_id: str, fix: Corrections
) -> tuple[Credential, Credential]:
    """``(new, old)``: the corrected credential, and the old one revoked as superseded."""
    org = organization_of(deps, principal)
    old = find_credential(deps, org, credential_id)
    principal.require(Action.REVOKE)
    if old.revoked_at is not None:
        raise Conflict(f"credential {credential_id} is already revoked", code="already_revoked")
    issued = issue_credential(
        deps,
        org,
        _request(deps, old, fix),
        actor=principal.actor,
        idempotency_key=internal_key("reissue", old.id),
    )
    new = issued.credential
    deps.session.execute(
        update(Credential)
        .where(Credential.id == new.id)
        .values(
            replaces_id=old.id,
            enrollment_id=old.enrollment_id,
            program_version_id=old.program_version_id,
        )
    )
    if old.enrollment_id is not None:
        deps.session.execute(
            update(Enrollment)
            .where(Enrollment.id == old.enrollment_id)
            .values(credential_id=new.id)
        )
    new_url = credential_url(deps.settings.base_url, new.id)
    revoked = revoke_credential(
        deps, org, old.id, f"superseded by {new_url}: {fix.reason}", actor=principal.actor
    )
    return new, revoked

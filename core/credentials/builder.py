"""Builds the unsigned Open Badges 3.0 AchievementCredential of DESIGN §4 from validated input."""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from core.clock import isoformat_z
from core.credentials.issue_request import Evidence, Recipient, Result

__all__ = [
    "CONTEXTS",
    "Evidence",
    "Recipient",
    "Result",
    "achievement_document",
    "build_credential",
    "identity_hash",
    "inline_achievement_id",
]

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CONTEXTS = [VC_V2, OB_V3]
CREDENTIAL_TYPE = ["VerifiableCredential", "OpenBadgeCredential"]
# A fixed namespace for the name-based UUIDs of inline achievements and result descriptions.
SCEAU_NAMESPACE = uuid.UUID("6b1f4b8e-6a43-4c53-9c3e-5ce4a0e3d7a1")

ALIGNMENT_FIELDS = (
    "targetName",
    "targetUrl",
    "targetDescription",
    "targetCode",
    "targetFramework",
    "targetType",
)


def identity_hash(email: str, salt: str) -> str:
    """`sha256$` + hex(SHA-256(normalized e-mail + salt)), as OB 3.0 IdentityObject wants."""
    normalized = email.strip().lower()
    return "sha256$" + hashlib.sha256((normalized + salt).encode()).hexdigest()


def inline_achievement_id(definition: dict[str, Any]) -> str:
    """A stable id for an achievement defined inline in an issuing request."""
    canonical = json.dumps(definition, sort_keys=True, ensure_ascii=False)
    return f"urn:uuid:{uuid.uuid5(SCEAU_NAMESPACE, canonical)}"


def achievement_document(achievement_id: str, definition: dict[str, Any]) -> dict[str, Any]:
    """An OB Achievement from a stored or inline definition (API field names)."""
    extra = {
        k: v
        for k, v in definition.items()
        if k
        not in (
            "code",
            "name",
            "description",
            "criteria",
            "achievementType",
            "alignments",
            "validityDays",
        )
    }
    criteria = definition["criteria"]
    achievement: dict[str, Any] = {
        "id": achievement_id,
        "type": ["Achievement"],
        "name": definition["name"],
        "description": definition["description"],
        "criteria": {"narrative": criteria} if isinstance(criteria, str) else dict(criteria),
    }
    if definition.get("achievementType"):
        achievement["achievementType"] = definition["achievementType"]
    if definition.get("alignments"):
        achievement["alignment"] = [
            {"type": ["Alignment"], **{k: a[k] for k in ALIGNMENT_FIELDS if k in a}}
            for a in definition["alignments"]
        ]
    achievement.update(extra)
    return achievement


def _results(achievement: dict[str, Any], results: Sequence[Result]) -> list[dict[str, Any]]:
    """Add one ResultDescription per result to the achievement; return the Result objects."""
    descriptions = achievement.setdefault("resultDescription", [])
    out = []
    for result in results:
        rd_id = f"urn:uuid:{uuid.uuid5(SCEAU_NAMESPACE, achievement['id'] + '|' + result.name)}"
        description: dict[str, Any] = {
            "id": rd_id,
            "type": ["ResultDescription"],
            "name": result.name,
            "resultType": result.result_type or "RawScore",
        }
        for key, value in (
            ("valueMin", result.value_min),
            ("valueMax", result.value_max),
            ("requiredValue", result.required_value),
        ):
            if value is not None:
                description[key] = str(value)
        if all(d["id"] != rd_id for d in descriptions):
            descriptions.append(description)
        out.append({"type": ["Result"], "resultDescription": rd_id, "value": str(result.value)})
    if not descriptions:
        del achievement["resultDescription"]
    return out


def build_credential(
    *,
    credential_url: str,
    issuer: dict[str, Any],
    achievement: dict[str, Any],
    recipient: Recipient,
    valid_from: datetime,
    valid_until: datetime | None,
    awarded: datetime,
    results: Sequence[Result] = (),
    evidence: Sequence[Evidence] = (),
    status: dict[str, Any] | None = None,
    salt: str | None = None,
) -> dict[str, Any]:
    """The unsigned credential; ``achievement`` is an OB Achievement (see achievement_document)."""
    achievement = json.loads(json.dumps(achievement))  # results add descriptions to a copy
    salt = salt or secrets.token_hex(16)
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "identityType": "emailAddress",
                "hashed": True,
                "identityHash": identity_hash(recipient.email, salt),
                "salt": salt,
            }
        ],
    }
    if recipient.name and recipient.show_name:
        subject["name"] = recipient.name
    result_objects = _results(achievement, results)
    subject["achievement"] = achievement
    if result_objects:
        subject["result"] = result_objects
    credential: dict[str, Any] = {
        "@context": list(CONTEXTS),
        "id": credential_url,
        "type": list(CREDENTIAL_TYPE),
        "issuer": issuer,
        "validFrom": isoformat_z(valid_from),
    }
    if valid_until is not None:
        credential["validUntil"] = isoformat_z(valid_until)
    credential["name"] = achievement["name"]
    credential["description"] = achievement["description"]
    credential["awardedDate"] = isoformat_z(awarded)
    credential["credentialSubject"] = subject
    if evidence:
        credential["evidence"] = [{"type": ["Evidence"], **e.to_json()} for e in evidence]
    if status is not None:
        credential["credentialStatus"] = status
    return credential

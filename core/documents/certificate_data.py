"""What a certificate template is given: the mandatory mentions, read from the signed credential.

Everything printed comes from the credential as signed (so paper and JSON cannot disagree),
from the body's legal mentions and from the program's document options; a template receives
plain values and never a database row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal

from core.db.models import Credential, Organization, Program

LANGUAGES = ("fr", "en")

LABELS: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Certificat",
        "awarded_to": "Décerné à",
        "for": "pour avoir satisfait aux exigences de la certification",
        "code": "Code",
        "level": "Niveau",
        "issued_on": "Délivré le",
        "valid_from": "Valable à partir du",
        "valid_until": "Valable jusqu'au",
        "no_expiry": "Sans limite de validité",
        "number": "Numéro de certificat",
        "results": "Résultats",
        "assessment": "Épreuve",
        "score": "Note",
        "signatory": "Pour l'organisme certificateur",
        "verify": "Vérifier ce certificat",
        "sealed": (
            "Document scellé électroniquement par l'organisme certificateur. Le certificat "
            "numérique vérifiable (Open Badges 3.0) est joint à ce fichier (credential.json)."
        ),
        "siret": "SIRET",
        "nda": "N° de déclaration d'activité",
    },
    "en": {
        "title": "Certificate",
        "awarded_to": "Awarded to",
        "for": "for meeting the requirements of the certification",
        "code": "Code",
        "level": "Level",
        "issued_on": "Issued on",
        "valid_from": "Valid from",
        "valid_until": "Valid until",
        "no_expiry": "Does not expire",
        "number": "Certificate number",
        "results": "Results",
        "assessment": "Assessment",
        "score": "Score",
        "signatory": "For the certification body",
        "verify": "Verify this certificate",
        "sealed": (
            "Electronically sealed by the certification body. The verifiable digital "
            "credential (Open Badges 3.0) is attached to this file (credential.json)."
        ),
        "siret": "SIRET",
        "nda": "Registration no.",
    },
}


@dataclass(frozen=True)
class Signatory:
    """Who signs for the body: the staff member who signed the session, else its default."""

    name: str | None
    role: str | None


def document_language(org: Organization, program: Program | None) -> str:
    """The language of a body's documents and mails: the program's choice, else the body's."""
    options = (program.document_options or {}) if program is not None else {}
    language = options.get("language") or org.language or "fr"
    return language if language in LANGUAGES else "fr"


def _date(value: str | datetime | None, language: str) -> str | None:
    if value is None:
        return None
    instant = (
        datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value
    )
    return format_date(instant.date(), format="long", locale=language)


def _framework_code(achievement: dict[str, Any], options: dict[str, Any]) -> tuple[str, str]:
    for alignment in achievement.get("alignment", []):
        framework = str(alignment.get("targetFramework", ""))
        if framework.upper() in ("RNCP", "RS") and alignment.get("targetCode"):
            return framework.upper(), str(alignment["targetCode"])
    return str(options.get("framework", "")), str(options.get("code", ""))


def _number(value: Any, language: str) -> str:
    """A score as the language writes it ("13,5" in French), every digit kept."""
    text = str(value)
    try:
        return format_decimal(Decimal(text), locale=language, decimal_quantization=False)
    except (InvalidOperation, ValueError):
        return text


def _results(
    achievement: dict[str, Any], subject: dict[str, Any], language: str
) -> list[dict[str, str]]:
    names = {d.get("id"): d for d in achievement.get("resultDescription", [])}
    rows = []
    for result in subject.get("result", []):
        description = names.get(result.get("resultDescription"), {})
        maximum = description.get("valueMax")
        rows.append(
            {
                "name": str(description.get("name", "")),
                "value": _number(result.get("value", ""), language),
                "max": _number(maximum, language) if maximum is not None else "",
            }
        )
    return rows


def certificate_context(
    credential: Credential,
    org: Organization,
    program: Program | None,
    signatory: Signatory,
    *,
    url: str,
    language: str,
) -> dict[str, Any]:
    """The values a certificate template renders, in ``language`` ("fr" or "en")."""
    document = credential.document
    subject = document.get("credentialSubject", {})
    achievement = subject.get("achievement", {})
    options = (program.document_options or {}) if program is not None else {}
    framework, code = _framework_code(achievement, options)
    show_results = bool(options.get("showResults", True))
    return {
        "lang": language,
        "labels": LABELS[language],
        "certificate": {
            "number": credential.id,
            "url": url,
            "issued_on": _date(document.get("awardedDate") or document.get("validFrom"), language),
            "valid_from": _date(document.get("validFrom"), language),
            "valid_until": _date(document.get("validUntil"), language),
        },
        "holder": {"name": credential.recipient_name or subject.get("name")},
        "certification": {
            "title": achievement.get("name", credential.achievement_name),
            "description": achievement.get("description", ""),
            "framework": framework,
            "code": code,
            # "RNCP34567", never "RNCP RNCP34567": the register's codes carry their prefix.
            "reference": code
            if code.upper().startswith(framework.upper())
            else f"{framework} {code}".strip(),
            "level": str(options.get("level", "")),
        },
        "results": _results(achievement, subject, language) if show_results else [],
        "body": body_mentions(org),
        "signatory": {
            "name": signatory.name or org.signatory_name,
            "role": signatory.role or org.signatory_role,
        },
        # Images, as URLs the renderer resolves (core.documents.pdf assets).
        "images": {"qr": "sceau:qr.png"},
    }


def body_mentions(org: Organization) -> dict[str, Any]:
    """The body's legal mentions, as the certificate and every official document print them."""
    return {
        "name": org.name,
        "legal_name": org.legal_name or org.name,
        "siret": org.siret,
        "nda": org.nda,
        "address": org.address,
        "url": org.url,
    }

"""What a certificate template receives: mentions from the signed credential, in fr or en."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from core.documents.certificate_data import Signatory, certificate_context, document_language

DOCUMENT: dict[str, Any] = {
    "validFrom": "2026-11-28T10:00:00Z",
    "validUntil": "2029-11-27T10:00:00Z",
    "awardedDate": "2026-11-28T10:00:00Z",
    "credentialSubject": {
        "achievement": {
            "name": "Soudage à l'arc",
            "alignment": [{"targetFramework": "RNCP", "targetCode": "RNCP34567"}],
            "resultDescription": [{"id": "urn:x:1", "name": "Pratique", "valueMax": "20"}],
        },
        "result": [{"resultDescription": "urn:x:1", "value": "13.5"}],
    },
}


def _org(**fields: Any) -> Any:
    base = {
        "name": "Acme",
        "legal_name": "Acme SAS",
        "siret": "73282932000074",
        "nda": "11 75 12345 75",
        "address": "1 rue de la Paix, Paris",
        "url": None,
        "signatory_name": "Claire Default",
        "signatory_role": "Présidente du jury",
        "language": "fr",
    }
    return SimpleNamespace(**{**base, **fields})


def _context(org: Any, program: Any, language: str) -> dict[str, Any]:
    credential = SimpleNamespace(
        id="0b9f2c3e-0000-4000-8000-000000000001",
        document=DOCUMENT,
        recipient_name="Élodie Martin",
        achievement_name="x",
    )
    return certificate_context(
        credential,
        org,
        program,
        Signatory("Sam Signe", None),
        url="https://x/c/1",
        language=language,
    )


def test_french_mentions_with_french_dates_and_decimals() -> None:
    context = _context(_org(), None, "fr")
    assert context["labels"]["title"] == "Certificat"
    assert context["certificate"]["issued_on"] == "28 novembre 2026"
    assert context["certificate"]["valid_until"] == "27 novembre 2029"
    assert context["certification"]["framework"] == "RNCP"
    assert context["certification"]["code"] == "RNCP34567"
    assert context["certification"]["reference"] == "RNCP34567"
    assert context["results"] == [{"name": "Pratique", "value": "13,5", "max": "20"}]
    assert context["signatory"] == {"name": "Sam Signe", "role": "Présidente du jury"}
    assert context["body"]["siret"] == "73282932000074"
    assert context["holder"]["name"] == "Élodie Martin"


def test_english_and_the_programs_options() -> None:
    program = SimpleNamespace(
        document_options={"language": "en", "showResults": False, "level": "6"}
    )
    language = document_language(_org(), program)
    assert language == "en"
    context = _context(_org(), program, language)
    assert context["labels"]["title"] == "Certificate"
    assert context["certificate"]["issued_on"] == "November 28, 2026"
    assert context["results"] == [] and context["certification"]["level"] == "6"


def test_an_unknown_language_falls_back_to_french() -> None:
    assert document_language(_org(language="de"), None) == "fr"
    assert document_language(_org(), SimpleNamespace(document_options=None)) == "fr"

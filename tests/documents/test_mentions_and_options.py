"""The body's legal mentions and a program's document options: checked (SIRET key, La Poste's
rule, levels, register codes), stored without a new program version, and printed."""

from __future__ import annotations

from typing import Any

import pytest
from documents_support import page_texts
from sqlalchemy import select

from core.db.models import AuditEvent
from core.documents.mentions import luhn_valid, siret_problem

MENTIONS = {
    "legalName": "Acme Certification SAS",
    "siret": "732 829 320 00074",
    "nda": "11 75 54321 75",
    "address": "12 rue des Soudeurs,  69003 Lyon",
    "signatoryName": "Claire Dupont",
    "signatoryRole": "Directrice de la certification",
    "language": "fr",
}


def _issue(client: Any, body: Any) -> str:
    response = client.post(
        "/api/v1/credentials",
        json={
            "recipient": {"email": "ada@example.org", "name": "Ada Lovelace"},
            "achievement": {"code": "SOUD-1"},
            "results": [{"name": "Épreuve pratique", "value": "15", "valueMax": "20"}],
        },
        headers=body.auth("api_key"),
    )
    assert response.status_code == 201, response.json
    return str(response.json["id"].rsplit("/", 1)[1])


def _pdf_text(client: Any, body: Any) -> str:
    response = client.get(f"/c/{_issue(client, body)}.pdf")
    assert response.status_code == 200
    return "\n".join(page_texts(bytes(response.data)))


@pytest.mark.parametrize(
    ("siret", "problem"),
    [
        ("73282932000074", None),  # INSEE's example
        ("35600000000048", None),  # La Poste's head office: Luhn
        ("35600000000010", None),  # another establishment of La Poste: digits add up to 15
        ("35600000012345", "check digit"),  # La Poste, digits add up to 29
        ("73282932000075", "check digit"),
        ("73282932110006", "check digit"),  # the whole passes Luhn, its SIREN does not
        ("7328293200007", "14 digits"),
        ("7328293200007A", "14 digits"),
        ("７３２８２９３２０００７４", "14 digits"),  # full-width digits are not ASCII
    ],
)
def test_siret_numbers(siret: str, problem: str | None) -> None:
    found = siret_problem(siret)
    assert (found is None) if problem is None else (found is not None and problem in found)


def test_luhn() -> None:
    assert luhn_valid("732829320") and luhn_valid("356000000") and not luhn_valid("732829321")


def test_legal_mentions_are_stored_tidied_and_printed(client, workflow, body, runtime) -> None:
    workflow.program()
    response = client.put(
        "/api/v1/organization/mentions", json=MENTIONS, headers=body.auth("admin")
    )
    assert response.status_code == 200, response.json
    assert response.json == {
        **MENTIONS,
        "siret": "73282932000074",
        "address": "12 rue des Soudeurs, 69003 Lyon",
    }
    assert client.get("/api/v1/organization/mentions", headers=body.auth("evaluator")).json == (
        response.json
    )
    text = _pdf_text(client, body)
    for printed in (
        "73282932000074",
        "11 75 54321 75",
        "Claire Dupont",
        "Directrice de la certification",
        "Acme Certification SAS",
        "12 rue des Soudeurs, 69003 Lyon",
    ):
        assert printed in text, printed
    with runtime.unit() as deps:
        event = deps.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "organization.mentions")
        )
    assert event is not None and event.actor == "staff:admin@acme.example"
    assert "siret" in event.data["changed"]


def test_bad_mentions_are_refused_with_every_problem(client, body) -> None:
    bad = {
        **MENTIONS,
        "siret": "73282932000075",
        "nda": "<script>",
        "signatoryName": "Claire\u202eDupont",
        "language": "de",
    }
    response = client.put("/api/v1/organization/mentions", json=bad, headers=body.auth("admin"))
    assert response.status_code == 400
    assert [p["path"] for p in response.json["error"]["problems"]] == ["language"]
    del bad["language"]
    response = client.put("/api/v1/organization/mentions", json=bad, headers=body.auth("admin"))
    assert response.status_code == 400
    paths = {p["path"] for p in response.json["error"]["problems"]}
    assert paths == {"siret", "nda", "signatoryName"}
    for payload in ({"tva": "FR123"}, ["siret"], {"siret": 73282932000074}):
        response = client.put(
            "/api/v1/organization/mentions", json=payload, headers=body.auth("admin")
        )
        assert response.status_code == 400, payload
    mentions = client.get("/api/v1/organization/mentions", headers=body.auth("admin")).json
    assert mentions["siret"] is None  # nothing of a refused request was kept


def test_english_documents_and_hidden_results(client, workflow, body) -> None:
    workflow.program()
    options = {
        "language": "en",
        "showResults": False,
        "level": "5",
        "framework": "RNCP",
        "code": "rncp 34567",
    }
    response = client.put(
        "/api/v1/programs/SOUD-1/document-options", json=options, headers=body.auth("manager")
    )
    assert response.status_code == 200, response.json
    assert response.json == {**options, "code": "RNCP34567"}
    program = client.get("/api/v1/programs/SOUD-1", headers=body.auth("manager")).json
    assert program["currentVersion"] == 1  # options are not what is awarded: no new version
    text = _pdf_text(client, body)
    assert "Certificate" in text and "Awarded to" in text and "Level 5" in text
    assert "RNCP34567" in text
    assert "Décerné à" not in text and "Épreuve pratique" not in text  # results hidden
    response = client.put(
        "/api/v1/programs/SOUD-1/document-options", json={}, headers=body.auth("manager")
    )
    assert response.json == {
        "language": None,
        "showResults": True,
        "level": None,
        "framework": None,
        "code": None,
    }
    text = _pdf_text(client, body)
    assert "Décerné à" in text and "Épreuve pratique" in text


def test_the_bodys_language_applies_when_the_program_has_none(client, workflow, body) -> None:
    workflow.program()
    response = client.put(
        "/api/v1/organization/mentions", json={"language": "en"}, headers=body.auth("admin")
    )
    assert response.status_code == 200
    assert "Awarded to" in _pdf_text(client, body)


@pytest.mark.parametrize(
    ("options", "paths"),
    [
        ({"level": "9"}, {"level"}),
        ({"framework": "RS", "code": "RNCP34567"}, {"code"}),
        ({"code": "RNCP34567"}, {"framework"}),
        ({"framework": "RNCP"}, {"code"}),
        ({"showResults": "yes"}, {"showResults"}),
        ({"language": "de"}, {"language"}),
        ({"color": "red"}, {"(body)"}),
    ],
)
def test_bad_document_options_are_refused(client, workflow, body, options, paths) -> None:
    workflow.program()
    response = client.put(
        "/api/v1/programs/SOUD-1/document-options", json=options, headers=body.auth("manager")
    )
    assert response.status_code == 400, response.json
    assert {p["path"] for p in response.json["error"]["problems"]} == paths

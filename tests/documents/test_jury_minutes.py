"""The jury minutes of a signed session: every candidate with their marks and the decision,
who proposed, approved and signed, the certificates' numbers; sealed, PDF/A-3b, archived,
made again only when asked, in the body's language."""

from __future__ import annotations

import re
from typing import Any

import pytest
from documents_support import catalog, check_seal, instance_ca, page_texts
from session_documents_support import signed_session, wait_for_documents
from sqlalchemy import select, update

from core.db.models import AuditEvent, Document, Organization
from core.db.models.document import JURY_MINUTES


@pytest.fixture
def signed(workflow: Any, job_worker: Any) -> Any:
    return signed_session(workflow, job_worker)


def _minutes(client: Any, session: str, who: Any, query: str = "") -> bytes:
    response = client.get(f"/api/v1/sessions/{session}/minutes.pdf{query}", headers=who)
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response.headers["Cache-Control"]
    return bytes(response.data)


def _text(pdf: bytes) -> str:
    return "\n".join(page_texts(pdf)).replace("\r\n", "\n")


def _row(text: str, name: str) -> str:
    """The line of the results table that starts with the candidate's name."""
    found = re.search(rf"^\d+ {re.escape(name)}\n(.*?)\n(.*?)\n", text, re.M)
    assert found is not None, f"{name} not in the results"
    return found.group(2)


def test_the_minutes_list_every_candidate_with_marks_and_decision(signed, client, body) -> None:
    pdf = _minutes(client, signed.id, body.auth("auditor"))
    text = _text(pdf)
    assert "Procès-verbal de délibération du jury" in text
    assert "Acme Certification" in text
    assert "SOUD-1 — Soudage à l'arc, niveau 1, version du référentiel 1" in text
    assert "Session de décembre" in text and "Lyon" in text
    assert "du 1 décembre 2026 au 3 décembre 2026" in text
    assert "Évaluateurs désignés : evaluator" in text
    # Every candidate, in the jury's list order, with the decision in words.
    names = ["Charles Babbage", "Marie Curie", "Grace Brewster Hopper", "Ada Augusta Lovelace"]
    names += ["Emmy Noether", "Alan Turing", "Zoé Émery"]
    positions = [text.index(name) for name in names]
    assert positions == sorted(positions)
    assert _row(text, "Ada Augusta Lovelace").startswith("14 13,5 12,5 13,08 Admis ")
    assert _row(text, "Charles Babbage").startswith("14 13,5 9 11,33 Ajourné")
    assert _row(text, "Marie Curie").startswith("14 Absent 12,5 8,58 Absent")
    assert _row(text, "Emmy Noether").startswith("10 10 11 10,50 Ajourné")
    assert _row(text, "Alan Turing").startswith("14 13,5 12,5 13,08 Non éligible")
    assert "Épreuve pratique 9/20 < 10 (éliminatoire)" in text  # the jury's explanation
    assert "né(e) le 10 décembre 1990" in text
    # The certificates' numbers, for exactly the files that passed.
    for email, credential in signed.credentials.items():
        assert credential in text, email
    assert len(re.findall(r" Admis [0-9a-f]{8}-[0-9a-f-]{27}\n", text)) == 3
    assert text.count(" —\n") >= 4  # the others: no certificate
    assert (
        "Candidats Admis Ajournés Absents Non éligibles Certificats délivrés\n7 3 2 1 1 3" in text
    )
    # The four eyes and the signature: names, roles, dates; the audit log's history.
    assert "manager, responsable" in text
    assert "manager2, responsable" in text
    assert "signatory, signataire" in text
    assert "Proposition des résultats" in text and "Approbation" in text and "Signature" in text
    pages = len(page_texts(pdf))
    assert f"page 1 / {pages}" in text and f"page {pages} / {pages}" in text


def test_the_minutes_are_sealed_over_the_whole_file_and_pdfa(signed, client, body, runtime):
    pdf = _minutes(client, signed.id, body.auth("manager"))
    seal = check_seal(pdf, instance_ca(runtime))
    assert (seal.intact, seal.valid, seal.trusted) == (True, True, True)
    assert seal.coverage == "ENTIRE_FILE" and seal.modified == "NONE"
    assert seal.subfilter == "/ETSI.CAdES.detached"
    assert "Acme Certification" in seal.signer_subject
    xmp = catalog(pdf)["/Metadata"].get_object().data.decode()
    assert re.search(r'pdfaid:part(="|>)3', xmp) and re.search(r'pdfaid:conformance(="|>)B', xmp)
    altered = bytearray(pdf)
    altered[len(pdf) // 3] ^= 0x01
    assert not check_seal(bytes(altered), instance_ca(runtime)).intact


def test_the_minutes_are_made_once_and_versioned_only_on_request(
    signed, client, body, runtime, settings
) -> None:
    first = _minutes(client, signed.id, body.auth("auditor"))
    assert _minutes(client, signed.id, body.auth("evaluator")) == first  # archived, served again
    made = client.post(f"/api/v1/sessions/{signed.id}/minutes", headers=body.auth("manager"))
    assert made.status_code == 201, made.json
    assert made.json["version"] == 2
    assert made.json["url"].endswith(f"/api/v1/sessions/{signed.id}/minutes.pdf?version=2")
    second = _minutes(client, signed.id, body.auth("auditor"))
    assert second != first and "version 2" in _text(second)
    assert _minutes(client, signed.id, body.auth("auditor"), "?version=1") == first
    assert _minutes(client, signed.id, body.auth("auditor"), "?version=2") == second
    missing = client.get(
        f"/api/v1/sessions/{signed.id}/minutes.pdf?version=3", headers=body.auth("auditor")
    )
    assert missing.status_code == 404
    bad = client.get(
        f"/api/v1/sessions/{signed.id}/minutes.pdf?version=x", headers=body.auth("auditor")
    )
    assert bad.status_code == 400
    listed = client.get(f"/api/v1/sessions/{signed.id}/minutes", headers=body.auth("auditor"))
    assert [v["version"] for v in listed.json] == [1, 2]
    with runtime.unit() as deps:
        rows = list(deps.session.scalars(select(Document).where(Document.kind == JURY_MINUTES)))
        events = list(
            deps.session.scalars(select(AuditEvent).where(AuditEvent.action == "session.minutes"))
        )
    assert sorted(r.sha256 for r in rows) == sorted(v["sha256"] for v in listed.json)
    assert all(r.exam_session_id == signed.id for r in rows)
    assert [e.data["version"] for e in events] == [1, 2]
    assert {e.actor for e in events} == {"staff:auditor@acme.example", "staff:manager@acme.example"}
    # The archive keeps both files, checked against their SHA-256 when read.
    assert all((settings.archive_dir / r.storage_key).read_bytes() in (first, second) for r in rows)


def test_the_minutes_in_english(signed, client, body, runtime) -> None:
    with runtime.unit() as deps:
        deps.session.execute(update(Organization).values(language="en", siret="12345678901234"))
    text = _text(_minutes(client, signed.id, body.auth("admin")))
    assert "Minutes of the jury's deliberation" in text
    assert "from December 1, 2026 to December 3, 2026" in text
    assert "SIRET 12345678901234" in text
    assert _row(text, "Ada Augusta Lovelace").startswith("14 13.5 12.5 13.08 Passed ")
    assert _row(text, "Marie Curie").startswith("14 Absent 12.5 8.58 Absent")
    assert _row(text, "Alan Turing").startswith("14 13.5 12.5 13.08 Not eligible")
    assert "Épreuve pratique 9/20 < 10 (eliminatory)" in text  # the rules, in English
    assert "signatory, signatory" in text and "Results proposed" in text
    assert "page 1 / " in text


def test_names_are_printed_as_text_never_as_markup(workflow, job_worker, client, body) -> None:
    from session_documents_support import CSV

    hostile = CSV.replace("Lovelace,,Ada Augusta", "Lovelace,,Ada <b>&amp;x")
    workflow.program()
    session = workflow.session()
    ids = workflow.enroll(session, hostile)
    for enrollment in ids.values():
        assert workflow.eligible(enrollment).status_code == 200
        assert workflow.grade(enrollment, {"ECR": 14, "ORA": 14, "PRA": 14}).status_code == 200
    assert workflow.act(session, "proposal", "manager").status_code == 200
    assert workflow.act(session, "approval", "manager2").status_code == 200
    signed = workflow.act(
        session, "signature", "signatory", json={"totp": workflow.body.code("signatory")}
    )
    job_worker.wait(signed.json["job"])
    wait_for_documents(job_worker)
    text = _text(_minutes(client, session, body.auth("admin")))
    assert "Ada <b>&amp;x Lovelace" in text.replace("\n", " ")  # (the cell may wrap)

"""Postal delivery: the address list (CSV) and the print file (one PDF of every valid
certificate of a signed session, in the list's order, without the seals' signature fields)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from documents_support import page_texts
from pyhanko.pdf_utils.reader import PdfFileReader
from session_documents_support import signed_session
from sqlalchemy import delete, select

from core.db.models import Document
from core.db.models.document import CERTIFICATE_PDF


@pytest.fixture
def signed(workflow: Any, job_worker: Any) -> Any:
    return signed_session(workflow, job_worker)


def _addresses(client: Any, session: str, who: Any) -> list[list[str]]:
    response = client.get(f"/api/v1/sessions/{session}/addresses.csv", headers=who)
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def _flat(page: str) -> str:
    """A page's text without its line breaks: PDFium reports a hyphen where a line wraps as
    U+FFFE (the certificate's number wraps)."""
    return page.replace("\ufffe", "-").replace("\n", "")


def _print_file(client: Any, session: str, who: Any) -> bytes:
    response = client.get(f"/api/v1/sessions/{session}/print.pdf", headers=who)
    try:
        assert response.status_code == 200, response.data[:300]
        assert response.mimetype == "application/pdf"
        assert "attachment" in response.headers["Content-Disposition"]
        data = response.get_data()
        assert int(response.headers["Content-Length"]) == len(data)
        return data
    finally:
        response.close()


def test_the_address_list_is_sorted_by_family_name_with_the_addresses(signed, client, body):
    rows = _addresses(client, signed.id, body.auth("manager"))
    assert rows[0] == [
        "order",
        "credential",
        "holder",
        "family_name",
        "given_names",
        "email",
        "address_line1",
        "address_line2",
        "postal_code",
        "city",
        "country",
    ]
    # Émery (the name in use of Zoé Zimmer) sorts with E, before Hopper and Lovelace.
    assert [r[2] for r in rows[1:]] == [
        "Zoé Émery",
        "Grace Brewster Hopper",
        "Ada Augusta Lovelace",
    ]
    assert [r[0] for r in rows[1:]] == ["1", "2", "3"]
    by_email = {r[5]: r for r in rows[1:]}
    assert set(by_email) == set(signed.credentials)
    for email, credential in signed.credentials.items():
        assert by_email[email][1] == credential
    assert by_email["ada@example.org"][3:] == [
        "Lovelace",
        "Ada Augusta",
        "ada@example.org",
        "12 rue des Lilas",
        "Bâtiment B",
        "75011",
        "Paris",
        "France",
    ]
    assert by_email["zoe@example.org"][3:5] == ["Émery", "Zoé"]
    # A cell a spreadsheet would run as a formula is neutralized.
    assert by_email["grace@example.org"][6] == '\'=HYPERLINK("http://x")'


def test_the_print_file_has_each_certificate_in_the_address_lists_order(
    signed, client, body, runtime
) -> None:
    rows = _addresses(client, signed.id, body.auth("admin"))[1:]
    # One certificate the documents job has not made yet (its row forgotten, as if it had not).
    with runtime.unit() as deps:
        deps.session.execute(
            delete(Document).where(
                Document.kind == CERTIFICATE_PDF, Document.credential_id == rows[1][1]
            )
        )
    pdf = _print_file(client, signed.id, body.auth("manager"))
    pages = [page.replace("\r\n", "\n") for page in page_texts(pdf)]
    assert len(pages) == len(rows) == 3  # the default certificate is one page
    for page, row in zip(pages, rows, strict=True):
        assert row[1] in _flat(page)  # the certificate's number
        assert row[2] in page  # the holder, as the certificate prints them
        assert "Soudage à l'arc, niveau 1" in page
    # The missing certificate was made and archived on the way; each page is the archived one's.
    with runtime.unit() as deps:
        made = list(deps.session.scalars(select(Document).where(Document.kind == CERTIFICATE_PDF)))
    assert {d.credential_id for d in made} == {r[1] for r in rows}
    for row, page in zip(rows, pages, strict=True):
        single = client.get(f"/c/{row[1]}.pdf").data
        assert page_texts(single)[0].replace("\r\n", "\n") == page


def test_the_print_file_carries_no_seal_that_could_only_fail(signed, client, body) -> None:
    pdf = _print_file(client, signed.id, body.auth("manager"))
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    assert reader.embedded_signatures == []
    assert "/AcroForm" not in reader.root
    assert "/Names" not in reader.root and "/AF" not in reader.root  # no attachments either
    for page in reader.root["/Pages"]["/Kids"]:
        annotations = page.get_object().get("/Annots") or []
        assert all(a.get_object().get("/FT") != "/Sig" for a in annotations)
    # ... while each certificate at its URL keeps its seal.
    first = client.get(f"/c/{next(iter(signed.credentials.values()))}.pdf").data
    assert len(PdfFileReader(io.BytesIO(first), strict=False).embedded_signatures) == 1


def test_a_revoked_certificate_is_neither_listed_nor_printed(signed, client, body) -> None:
    ada = signed.credentials["ada@example.org"]
    revoked = client.post(
        f"/api/v1/credentials/{ada}/revoke", json={"reason": "erreur"}, headers=body.auth("manager")
    )
    assert revoked.status_code == 200
    rows = _addresses(client, signed.id, body.auth("manager"))
    assert [r[2] for r in rows[1:]] == ["Zoé Émery", "Grace Brewster Hopper"]
    pdf = _print_file(client, signed.id, body.auth("manager"))
    texts = page_texts(pdf)
    assert len(texts) == 2 and not any(ada in t for t in texts)


def test_a_session_whose_certificates_are_all_revoked_has_nothing_to_print(
    signed, client, body
) -> None:
    for credential in signed.credentials.values():
        client.post(
            f"/api/v1/credentials/{credential}/revoke",
            json={"reason": "erreur"},
            headers=body.auth("manager"),
        )
    response = client.get(f"/api/v1/sessions/{signed.id}/print.pdf", headers=body.auth("manager"))
    assert response.status_code == 409
    assert response.json["error"]["code"] == "nothing_to_print"
    assert _addresses(client, signed.id, body.auth("manager")) == [_addresses_header()]


def _addresses_header() -> list[str]:
    from issuer.services.postal import ADDRESS_COLUMNS

    return list(ADDRESS_COLUMNS)

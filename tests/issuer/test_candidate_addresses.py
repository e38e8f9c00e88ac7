"""Candidates' postal addresses: optional columns of the import (CSV or JSON), checked line by
line; the latest import that gives one replaces the address on record."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.db.models import Candidate

CSV = (
    "family_name,given_names,birth_date,email,address_line1,address_line2,postal_code,city,"
    "country\n"
    "Lovelace,Ada Augusta,1990-12-10,ada@example.org,12 rue des Lilas,Bâtiment B,75011,Paris,"
    "France\n"
    "Turing,Alan,1912-06-23,alan@example.org,,,,,\n"
)


def test_candidates_carry_their_postal_address_from_the_import(workflow, client, body, runtime):
    workflow.program()
    session = workflow.session()
    workflow.enroll(session, CSV)
    with runtime.unit() as deps:
        ada = deps.session.scalars(
            select(Candidate).where(Candidate.email == "ada@example.org")
        ).one()
        assert (ada.address_line1, ada.address_line2, ada.postal_code, ada.city, ada.country) == (
            "12 rue des Lilas",
            "Bâtiment B",
            "75011",
            "Paris",
            "France",
        )
        alan = deps.session.scalars(
            select(Candidate).where(Candidate.email == "alan@example.org")
        ).one()
        assert alan.address_line1 is None and alan.city is None
    # A candidate known to the body moves: the new import's address replaces the old one.
    other = workflow.session(name="Session de janvier")
    moved = (
        "family_name,given_names,birth_date,email,address_line1,postal_code,city\n"
        "Lovelace,Ada Augusta,1990-12-10,ada@example.org,5 avenue Foch,69006,Lyon\n"
    )
    workflow.enroll(other, moved)
    with runtime.unit() as deps:
        ada = deps.session.scalars(
            select(Candidate).where(Candidate.email == "ada@example.org")
        ).one()
        assert (ada.address_line1, ada.address_line2, ada.postal_code, ada.city, ada.country) == (
            "5 avenue Foch",
            None,
            "69006",
            "Lyon",
            None,
        )


@pytest.mark.parametrize(
    ("cells", "path"),
    [
        ("12 rue des Lilas,75011,", "city"),  # a street without a city
        (",75011,Paris", "address_line1"),  # a city without a street
        ("12 rue des Lilas,75011/DROP,Paris", "postal_code"),
        ("12 rue des Lilas,750110000000000000,Paris", "postal_code"),
        ("12 rue\u200bdes Lilas,75011,Paris", "address_line1"),  # an invisible character
        (f"{'x' * 201},75011,Paris", "address_line1"),
    ],
)
def test_a_bad_address_is_refused_with_its_line_and_column(workflow, client, body, cells, path):
    workflow.program()
    session = workflow.session()
    text = (
        "family_name,given_names,birth_date,email,address_line1,postal_code,city\n"
        f"Lovelace,Ada,1990-12-10,ada@example.org,{cells}\n"
    )
    response = client.post(
        f"/api/v1/sessions/{session}/candidates",
        data=text.encode(),
        headers={**body.auth("manager"), "Content-Type": "text/csv"},
    )
    assert response.status_code == 400, response.json
    assert response.json["error"]["code"] == "invalid_candidates"
    assert {"line": 2, "path": path} in [
        {"line": p["line"], "path": p["path"]} for p in response.json["error"]["problems"]
    ]


def test_the_json_import_takes_the_address_in_camel_case(workflow, client, body, runtime):
    workflow.program()
    session = workflow.session()
    response = client.post(
        f"/api/v1/sessions/{session}/candidates",
        json=[
            {
                "familyName": "Lovelace",
                "givenNames": "Ada",
                "birthDate": "1990-12-10",
                "email": "ada@example.org",
                "addressLine1": "12 rue des Lilas",
                "postalCode": "75011",
                "city": "Paris",
            }
        ],
        headers=body.auth("manager"),
    )
    assert response.status_code == 201, response.json
    with runtime.unit() as deps:
        ada = deps.session.scalars(select(Candidate)).one()
        assert (ada.address_line1, ada.postal_code, ada.city) == (
            "12 rue des Lilas",
            "75011",
            "Paris",
        )

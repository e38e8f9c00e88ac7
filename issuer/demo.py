"""The demo certification body that `make run` creates on a fresh instance."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.credentials.issue_request import IssueRequest, Result
from core.db.models import Credential
from core.deps import Deps
from core.keys.directory import find_org
from core.urls import (
    achievement_url,
    credential_url,
    did_document_url,
    issuer_profile_url,
    status_list_url,
)
from issuer.services.issuance import issue_credential
from issuer.services.organizations import create_organization
from issuer.services.programs import create_program
from issuer.services.revocation import revoke_credential

SLUG = "demo"
PROGRAM = {
    "code": "SOUD-1",
    "name": "Soudage à l'arc, niveau 1",
    "description": (
        "Certifie la maîtrise du soudage à l'arc à électrode enrobée sur acier en position à plat."
    ),
    "criteria": (
        "Réussir l'épreuve pratique (12/20 ou plus) et le QCM de sécurité "
        "(note éliminatoire 10/20)."
    ),
    "achievementType": "Certification",
    "alignments": [
        {
            "targetName": "Soudeur / Soudeuse (exemple RNCP)",
            "targetUrl": "https://www.francecompetences.fr/recherche/rncp/",
            "targetFramework": "RNCP",
            "targetType": "ext:RNCP",
        }
    ],
    "validityDays": 1095,
}
CANDIDATES = [
    ("ada.lovelace@example.org", "Ada Lovelace", "16", "15"),
    ("alan.turing@example.org", "Alan Turing", "14", "12"),
    ("grace.hopper@example.org", "Grace Hopper", "13", "17"),
]


def create_demo(deps: Deps) -> dict[str, Any]:
    """Create the demo body, its program and credentials (one revoked) unless they exist."""
    base = deps.settings.base_url
    org = find_org(deps.session, SLUG)
    api_key = None
    if org is None:
        created = create_organization(
            deps, slug=SLUG, name="Organisme de démonstration", url=None, actor="demo"
        )
        org, api_key = created.organization, created.api_key
        create_program(deps, org, PROGRAM, actor="demo")
        for index, (email, name, practical, safety) in enumerate(CANDIDATES):
            request = IssueRequest.for_program(
                PROGRAM["code"],
                email,
                name,
                results=[
                    Result("Épreuve pratique", practical, value_max="20", required_value="12"),
                    Result("QCM sécurité", safety, value_max="20", required_value="10"),
                ],
            )
            issued = issue_credential(deps, org, request, actor="demo")
            if index == len(CANDIDATES) - 1:
                revoke_credential(
                    deps,
                    org,
                    issued.credential.id,
                    "Erreur de saisie de la note pratique",
                    actor="demo",
                )
    rows = deps.session.execute(
        select(Credential.id, Credential.recipient_name, Credential.revoked_at)
        .where(Credential.organization_id == org.id)
        .order_by(Credential.issued_at, Credential.recipient_name)
    )
    return {
        "organization": issuer_profile_url(base, SLUG),
        "did_document": did_document_url(base, SLUG),
        "program": achievement_url(base, SLUG, PROGRAM["code"]),
        "credentials": [
            {"url": credential_url(base, i), "holder": name, "revoked": revoked is not None}
            for i, name, revoked in rows
        ],
        "status_list": status_list_url(base, SLUG, 1),
        "api_key": api_key or "(shown only when the demo body was created)",
    }

"""The jury minutes (procès-verbal de délibération) of a signed session, as a sealed PDF/A-3b.

The issuer gathers what the jury decided (issuer.services.minutes) into the plain values
below; this module only lays them out, in French or English, and seals the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from core.db.models import Organization
from core.deps import Deps
from core.documents.certificate_data import body_mentions
from core.documents.official import sealed_official

TEMPLATE = "minutes.html"

#: A file's outcome, as the minutes name it.
PASSED, FAILED, ABSENT, NOT_ELIGIBLE = "passed", "failed", "absent", "not_eligible"


@dataclass(frozen=True)
class MinutesLine:
    """One candidate of the minutes: the jury's decision and the certificate issued."""

    name: str
    birth_date: date
    outcome: str  # PASSED, FAILED, ABSENT or NOT_ELIGIBLE
    average: str | None
    scores: dict[str, str]  # assessment code -> score as stored ("13.5", "absent")
    explanation: str
    credential: str | None = None
    revoked_on: datetime | None = None


@dataclass(frozen=True)
class Person:
    """Who took one step of the decision (proposed, approved, signed), with their role."""

    name: str | None
    role: str | None
    at: datetime | None


@dataclass(frozen=True)
class Event:
    """One step of the decision's history, from the audit log."""

    at: datetime
    action: str  # "propose", "reopen", "approve", "sign", "resume_signature"
    who: str


@dataclass(frozen=True)
class AssessmentInfo:
    """An assessment of the scheme, as the minutes list it."""

    code: str
    name: str
    coefficient: str
    max_score: str
    eliminatory_below: str | None


@dataclass(frozen=True)
class Minutes:
    """Everything the minutes of one session print."""

    session_id: str
    session_name: str
    starts_on: date
    ends_on: date
    place: str
    program_code: str
    program_name: str
    program_version: int
    framework: str  # "RNCP 12345", or empty
    assessments: list[AssessmentInfo]
    pass_mark: str
    out_of: str
    #: The evaluators the session assigned, else the members who entered its grades.
    evaluators: list[str]
    evaluators_assigned: bool
    proposed: Person
    approved: Person
    signed: Person
    history: list[Event]
    lines: list[MinutesLine]
    version: int
    generated_at: datetime


LABELS: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Procès-verbal de délibération du jury",
        "page": "page",
        "version": "version",
        "generated": "établi le",
        "siret": "SIRET",
        "nda": "N° de déclaration d'activité",
        "certification": "Certification",
        "program_version": "version du référentiel",
        "session": "Session",
        "dates": "Dates",
        "from_to": "du {start} au {end}",
        "place": "Lieu",
        "reference": "Référence",
        "scheme": "Modalités d'évaluation",
        "assessment": "Épreuve",
        "coefficient": "Coefficient",
        "out_of": "Sur",
        "eliminatory": "Note éliminatoire",
        "pass_mark": "Admission : moyenne pondérée d'au moins {mark}/{out_of}, sans note "
        "éliminatoire ni absence.",
        "jury": "Jury",
        "evaluators_assigned": "Évaluateurs désignés : {names}",
        "evaluators_graded": "Notes saisies par : {names}",
        "none": "—",
        "summary": "Synthèse",
        "candidates": "Candidats",
        "passed_count": "Admis",
        "failed_count": "Ajournés",
        "absent_count": "Absents",
        "not_eligible_count": "Non éligibles",
        "issued_count": "Certificats délivrés",
        "results": "Résultats et décisions",
        "candidate": "Candidat",
        "born": "né(e) le",
        "average": "Moyenne",
        "decision": "Décision",
        "certificate": "N° de certificat",
        "revoked": "révoqué le",
        PASSED: "Admis",
        FAILED: "Ajourné",
        ABSENT: "Absent",
        NOT_ELIGIBLE: "Non éligible",
        "decision_steps": "Décision et signatures",
        "proposed": "Proposée par",
        "approved": "Approuvée par",
        "signed": "Signée par",
        "signed_note": "La signature a été donnée avec un second facteur (code TOTP) ; "
        "une même personne ne peut proposer, approuver et signer.",
        "history": "Historique",
        "when": "Date",
        "event": "Étape",
        "by": "Par",
        "propose": "Proposition des résultats",
        "reopen": "Réouverture (modification après proposition)",
        "approve": "Approbation",
        "sign": "Signature",
        "resume_signature": "Reprise de la signature",
        "sealed": "Document scellé électroniquement par l'organisme certificateur "
        "(cachet PAdES). Chaque certificat délivré est vérifiable à l'adresse indiquée "
        "sur le certificat.",
    },
    "en": {
        "title": "Minutes of the jury's deliberation",
        "page": "page",
        "version": "version",
        "generated": "drawn up on",
        "siret": "SIRET",
        "nda": "Registration no.",
        "certification": "Certification",
        "program_version": "version of the program",
        "session": "Session",
        "dates": "Dates",
        "from_to": "from {start} to {end}",
        "place": "Place",
        "reference": "Reference",
        "scheme": "Assessment scheme",
        "assessment": "Assessment",
        "coefficient": "Coefficient",
        "out_of": "Out of",
        "eliminatory": "Eliminatory below",
        "pass_mark": "Passed: a weighted average of at least {mark}/{out_of}, with no "
        "eliminatory score and no absence.",
        "jury": "Jury",
        "evaluators_assigned": "Assigned evaluators: {names}",
        "evaluators_graded": "Grades entered by: {names}",
        "none": "—",
        "summary": "Summary",
        "candidates": "Candidates",
        "passed_count": "Passed",
        "failed_count": "Failed",
        "absent_count": "Absent",
        "not_eligible_count": "Not eligible",
        "issued_count": "Certificates issued",
        "results": "Results and decisions",
        "candidate": "Candidate",
        "born": "born",
        "average": "Average",
        "decision": "Decision",
        "certificate": "Certificate no.",
        "revoked": "revoked on",
        PASSED: "Passed",
        FAILED: "Failed",
        ABSENT: "Absent",
        NOT_ELIGIBLE: "Not eligible",
        "decision_steps": "Decision and signatures",
        "proposed": "Proposed by",
        "approved": "Approved by",
        "signed": "Signed by",
        "signed_note": "The signature was given with a second factor (a TOTP code); no one "
        "may both propose, approve or sign.",
        "history": "History",
        "when": "Date",
        "event": "Step",
        "by": "By",
        "propose": "Results proposed",
        "reopen": "Reopened (a change after the proposal)",
        "approve": "Approval",
        "sign": "Signature",
        "resume_signature": "Signature resumed",
        "sealed": "Electronically sealed by the certification body (PAdES seal). Each "
        "certificate issued can be verified at the address printed on it.",
    },
}

#: Staff roles in words, per language.
ROLES: dict[str, dict[str, str]] = {
    "fr": {
        "admin": "administrateur",
        "manager": "responsable",
        "evaluator": "évaluateur",
        "signatory": "signataire",
        "auditor": "auditeur",
    },
    "en": {
        "admin": "administrator",
        "manager": "manager",
        "evaluator": "evaluator",
        "signatory": "signatory",
        "auditor": "auditor",
    },
}


def minutes_context(minutes: Minutes, org: Organization, language: str) -> dict[str, Any]:
    """What the minutes template renders."""
    counts = {
        outcome: sum(1 for line in minutes.lines if line.outcome == outcome)
        for outcome in (PASSED, FAILED, ABSENT, NOT_ELIGIBLE)
    }
    labels = LABELS[language]
    jury = labels["evaluators_assigned" if minutes.evaluators_assigned else "evaluators_graded"]
    return {
        "lang": language,
        "labels": labels,
        # Joined here: Jinja's join would escape the names once, and the output again.
        "jury": jury.format(names=", ".join(minutes.evaluators) or labels["none"]),
        "roles": ROLES[language],
        "body": body_mentions(org),
        "m": minutes,
        "counts": counts,
        "issued": sum(1 for line in minutes.lines if line.credential),
    }


def make_minutes_pdf(deps: Deps, org: Organization, minutes: Minutes, language: str) -> bytes:
    """The sealed PDF/A-3b of ``minutes`` in ``language`` ("fr" or "en")."""
    return sealed_official(
        deps,
        org,
        TEMPLATE,
        minutes_context(minutes, org, language),
        reason=f"{LABELS[language]['title']} — {minutes.session_name}"[:200],
    )

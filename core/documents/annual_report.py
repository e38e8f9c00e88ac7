"""The annual activity report of a body (the statistics page's report) as a sealed PDF/A-3b."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.db.models import Organization
from core.deps import Deps
from core.documents.certificate_data import body_mentions
from core.documents.official import sealed_official

TEMPLATE = "annual_report.html"

LABELS: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Rapport annuel d'activité {year}",
        "page": "page",
        "generated": "établi le",
        "siret": "SIRET",
        "nda": "N° de déclaration d'activité",
        "scope": "Sessions ayant commencé entre le 1er janvier et le 31 décembre {year} ; "
        "les taux portent sur les dossiers décidés par le jury.",
        "all_programs": "Toutes les certifications",
        "sessions": "Sessions",
        "session": "Session",
        "start": "Début",
        "candidates": "Candidats",
        "eligibility_rate": "Taux d'éligibilité",
        "decided": "Décidés",
        "passed": "Admis",
        "pass_rate": "Taux de réussite",
        "mean_average": "Moyenne (/20)",
        "issued": "Délivrés",
        "revoked": "Révoqués",
        "median_days": "Délai médian (jours)",
        "distribution": "Répartition des moyennes (/20)",
        "assessments": "Réussite par épreuve",
        "assessment": "Épreuve",
        "sat": "Présentés",
        "none": "Aucune session n'a commencé cette année.",
        "median_note": "Délai médian : jours entre le dernier jour de la session et la "
        "délivrance du certificat.",
        "sealed": "Document scellé électroniquement par l'organisme certificateur (cachet "
        "PAdES). Les chiffres sont ceux de la base de Sceau à la date d'établissement.",
    },
    "en": {
        "title": "Annual activity report {year}",
        "page": "page",
        "generated": "drawn up on",
        "siret": "SIRET",
        "nda": "Registration no.",
        "scope": "Sessions that started between 1 January and 31 December {year}; rates over "
        "the files decided by the jury.",
        "all_programs": "All programs",
        "sessions": "Sessions",
        "session": "Session",
        "start": "Start",
        "candidates": "Candidates",
        "eligibility_rate": "Eligibility rate",
        "decided": "Decided",
        "passed": "Passed",
        "pass_rate": "Pass rate",
        "mean_average": "Mean average (/20)",
        "issued": "Issued",
        "revoked": "Revoked",
        "median_days": "Median delay (days)",
        "distribution": "Distribution of averages (/20)",
        "assessments": "Pass rate per assessment",
        "assessment": "Assessment",
        "sat": "Sat",
        "none": "No session started this year.",
        "median_note": "Median delay: days from the session's last day to the certificate's "
        "issuance.",
        "sealed": "Electronically sealed by the certification body (PAdES seal). The figures "
        "are those of Sceau's database on the day it was drawn up.",
    },
}


def report_context(
    org: Organization,
    year: int,
    figures: dict[str, Any],
    names: dict[str, str],
    language: str,
    generated_at: datetime,
) -> dict[str, Any]:
    """What the report template renders: ``figures`` as issuer.services.statistics makes
    them, ``names`` the programs' names by code."""
    labels = LABELS[language]
    return {
        "lang": language,
        "labels": labels,
        "title": labels["title"].format(year=year),
        "scope": labels["scope"].format(year=year),
        "body": body_mentions(org),
        "year": year,
        "figures": figures,
        "names": names,
        "generated_at": generated_at,
    }


def make_report_pdf(deps: Deps, org: Organization, context: dict[str, Any]) -> bytes:
    """The sealed PDF/A-3b of the report ``context`` (report_context)."""
    return sealed_official(deps, org, TEMPLATE, context, reason=context["title"])

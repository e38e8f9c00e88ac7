"""Sample data to check and preview a certificate template: a fictional holder, with the body's
real mentions and the program's real title, results and document options.

The sample goes through the same ``certificate_context`` as a real certificate (from a
credential built as issuing builds it, never stored), so a template sees exactly the shape it
will see in production.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from core import urls
from core.credentials.builder import achievement_document, build_credential
from core.credentials.issue_request import Recipient, Result
from core.db.models import Credential, Organization, Program, ProgramVersion
from core.deps import Deps
from core.documents.certificate_data import Signatory, certificate_context, document_language
from core.workflow.schemes import scheme_from_json

#: The certificate number and holder of every sample.
SAMPLE_ID = "00000000-0000-4000-8000-000000000000"
SAMPLE_HOLDER = "Camille Exemple"
SAMPLE_EMAIL = "camille.exemple@example.org"
#: A sample score is this share of its maximum (15/20).
_SHARE = Decimal("0.75")

_TEXT = {
    "fr": {
        "title": "Certification exemple",
        "description": "Aperçu d'un certificat avec des données fictives.",
        "written": "Épreuve écrite",
        "practical": "Épreuve pratique",
        "average": "Moyenne pondérée",
    },
    "en": {
        "title": "Sample certification",
        "description": "Preview of a certificate with fictional data.",
        "written": "Written exam",
        "practical": "Practical exam",
        "average": "Weighted average",
    },
}


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _scheme_results(scheme: dict[str, Any]) -> list[Result]:
    # The shape the session's sign-off gives (issuer.services.signoff.credential_results).
    parsed = scheme_from_json(scheme)
    results = [
        Result(
            f"{a.name} (coefficient {_plain(a.coefficient)})",
            _plain(a.max_score * _SHARE),
            value_min="0",
            value_max=_plain(a.max_score),
            required_value=None if a.eliminatory_below is None else _plain(a.eliminatory_below),
        )
        for a in parsed.assessments
    ]
    results.append(
        Result(
            "Moyenne pondérée",
            _plain(parsed.out_of * _SHARE),
            value_min="0",
            value_max=_plain(parsed.out_of),
            required_value=_plain(parsed.pass_mark),
            result_type="GradePointAverage",
        )
    )
    return results


def _generic_results(text: dict[str, str]) -> list[Result]:
    return [
        Result(text["written"], "14", value_min="0", value_max="20"),
        Result(text["practical"], "16", value_min="0", value_max="20"),
    ]


def sample_context(deps: Deps, org: Organization, program: Program | None) -> dict[str, Any]:
    """The context a template of ``program`` (None: the body's default) renders in a check or
    preview: what a certificate of a fictional holder would get today."""
    language = document_language(org, program)
    text = _TEXT[language]
    now = deps.clock.now()
    base = deps.settings.base_url
    url = urls.credential_url(base, SAMPLE_ID)
    definition: dict[str, Any] = {
        "name": text["title"],
        "description": text["description"],
        "criteria": text["description"],
    }
    results, validity_days = _generic_results(text), None
    code = "EXEMPLE"
    if program is not None:
        code = program.code
        version = deps.session.scalar(
            select(ProgramVersion).where(
                ProgramVersion.program_id == program.id,
                ProgramVersion.number == program.current_version,
            )
        )
        definition = dict(version.definition if version is not None else program.definition)
        validity_days = version.validity_days if version is not None else program.validity_days
        if version is not None and version.scheme:
            results = _scheme_results(version.scheme)
    document = build_credential(
        credential_url=url,
        issuer={"id": f"did:web:{org.slug}", "type": ["Profile"], "name": org.name},
        achievement=achievement_document(urls.achievement_url(base, org.slug, code), definition),
        recipient=Recipient(SAMPLE_EMAIL, SAMPLE_HOLDER),
        valid_from=now,
        valid_until=now + timedelta(days=validity_days) if validity_days else None,
        awarded=now,
        results=results,
    )
    sample = Credential(
        id=SAMPLE_ID,
        organization_id=org.id,
        recipient_email=SAMPLE_EMAIL,
        recipient_name=SAMPLE_HOLDER,
        achievement_name=str(definition.get("name", "")),
        document=document,
    )  # never added to the session: a template only reads it
    signatory = Signatory(org.signatory_name, org.signatory_role)
    return certificate_context(sample, org, program, signatory, url=url, language=language)

"""The ``document`` step: a certificate PDF is the issuer's sealed document for the credential
it carries and whose QR code it prints.

One code, the most specific failure first: ``attachment_mismatch`` (the QR names a credential of
this service and the attachment is not that credential as stored), ``qr_mismatch`` (no QR on
page 1, or it names another credential than the attached one), ``no_seal``, ``seal_invalid``
(broken, several, or something added after it), ``seal_untrusted`` (intact, but not by a seal
certificate registered here for the credential's issuer), else ``ok``. Sources other than a PDF
get ``not_applicable`` (ok: there is no document to hold against the credential).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import select

from core.credentials.report import Step, VerificationReport
from core.db.models import Credential, SealCertificate
from core.db.models.document import SEAL
from core.deps import Deps
from core.intake.locating import local_credential_id
from core.intake.reading import CertificateFacts
from core.keys.directory import find_org, slug_from_did

_SCHEMES = ("https://", "http://")
_MESSAGES = {
    "ok": "The PDF is sealed by the issuer, unchanged, and carries the credential its QR names.",
    "attachment_mismatch": "The credential attached to the PDF is not the one its QR code names.",
    "qr_mismatch": "The QR code on the PDF's first page does not name the attached credential.",
    "no_seal": "The PDF carries no electronic seal.",
    "seal_invalid": "The PDF's seal is broken: the file was changed after it was sealed.",
    "seal_untrusted": "The PDF is sealed, but not with the issuer's seal registered here.",
}


def not_applicable() -> Step:
    return Step("document", True, "not_applicable", "No document to check: not a PDF.")


def _issuer_seals(deps: Deps, issuer_id: str | None) -> set[str]:
    """SHA-256 of the issuer's seal certificates (current and past) when it is a body here."""
    slug = slug_from_did(deps.settings, issuer_id) if issuer_id else None
    org = find_org(deps.session, slug) if slug else None
    if org is None:
        return set()
    rows = deps.session.scalars(
        select(SealCertificate.certificate_der).where(
            SealCertificate.organization_id == org.id, SealCertificate.role == SEAL
        )
    )
    return {hashlib.sha256(der).hexdigest() for der in rows}


def _seal(deps: Deps, facts: CertificateFacts, issuer_id: str | None) -> str:
    pdf = facts.pdf
    if pdf.signatures == 0:
        return "no_seal"
    if pdf.signatures != 1 or not pdf.intact or not pdf.whole_file:
        return "seal_invalid"
    return "ok" if pdf.signer_sha256 in _issuer_seals(deps, issuer_id) else "seal_untrusted"


def _same_as_stored(row: Credential, attachments: dict[str, bytes]) -> bool:
    """Each credential file the PDF carries is the stored one (JSON by value, JWT exactly)."""
    attached_json = attachments.get("credential.json")
    attached_jwt = attachments.get("credential.jwt")
    if attached_json is None and attached_jwt is None:
        return False
    if attached_jwt is not None and attached_jwt.strip() != row.jwt.encode():
        return False
    if attached_json is None:
        return True
    try:
        return bool(json.loads(attached_json) == row.document)
    except (ValueError, RecursionError):
        return False


def _content(deps: Deps, facts: CertificateFacts, attached_id: Any) -> str:
    """ok, attachment_mismatch or qr_mismatch."""
    urls = [t.strip() for t in facts.qr_texts if t.strip().lower().startswith(_SCHEMES)]
    local_ids = {i for i in (local_credential_id(deps, url) for url in urls) if i is not None}
    if len(local_ids) > 1:
        return "qr_mismatch"  # page 1 names two credentials of ours: which one is it?
    if local_ids:
        row = deps.session.get(Credential, local_ids.pop())
        if row is None or not _same_as_stored(row, facts.pdf.attachments):
            return "attachment_mismatch"
        return "ok"
    return "ok" if isinstance(attached_id, str) and attached_id in urls else "qr_mismatch"


def document_step(deps: Deps, facts: CertificateFacts, report: VerificationReport) -> Step:
    """The document step of a PDF whose attached credential gave ``report``."""
    credential = report.credential or {}
    issuer = report.issuer or {}
    content = _content(deps, facts, credential.get("id"))
    seal = _seal(deps, facts, issuer.get("id") if isinstance(issuer.get("id"), str) else None)
    code = content if content != "ok" else seal
    details = {"seal": seal, "content": content}
    return Step("document", code == "ok", code, _MESSAGES[code], details)

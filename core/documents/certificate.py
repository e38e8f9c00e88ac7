"""The certificate PDF of a credential: template -> HTML -> PDF/A-3b + attachments -> PAdES seal.

A credential's PDF is made once (by the documents job after issuance, or on the spot when it
is first asked for) and archived; the archived file is the one served from then on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from core import urls
from core.credentials.serving import credential_json_text
from core.db.models import (
    Credential,
    Document,
    Enrollment,
    ExamSession,
    Organization,
    Program,
    StaffMember,
)
from core.db.models.document import CERTIFICATE_PDF
from core.deps import Deps
from core.documents.archive import ArchiveStore, credential_document, store_document
from core.documents.certificate_data import Signatory, certificate_context, document_language
from core.documents.pdf import Asset, PdfAttachment, render_pdf
from core.documents.qr import qr_png
from core.documents.seal import seal_pdf
from core.documents.seal_keys import OpenSeal
from core.documents.template_check import render_bounded
from core.documents.templating import active_template, default_template, render_source

PDF_MEDIA_TYPE = "application/pdf"


def _signatory(deps: Deps, credential: Credential, org: Organization) -> Signatory:
    """The staff member who signed the credential's session, with the body's signatory role;
    the body's default signatory for a credential issued through the API."""
    if credential.enrollment_id is None:
        return Signatory(org.signatory_name, org.signatory_role)
    name = deps.session.scalar(
        select(StaffMember.name)
        .join(ExamSession, ExamSession.signed_by == StaffMember.id)
        .join(Enrollment, Enrollment.session_id == ExamSession.id)
        .where(Enrollment.id == credential.enrollment_id)
    )
    return Signatory(name or org.signatory_name, org.signatory_role)


def attachments(credential: Credential) -> list[PdfAttachment]:
    """The signed credential and its VC-JWT, as attached to the certificate PDF."""
    return [
        PdfAttachment(
            name="credential.json",
            data=credential_json_text(credential.document).encode(),
            media_type="application/vc+ld+json",
            description="Open Badges 3.0 credential (W3C Verifiable Credential)",
        ),
        PdfAttachment(
            name="credential.jwt",
            data=credential.jwt.encode(),
            media_type="application/vc+jwt",
            description="The same credential as a VC-JWT",
        ),
    ]


@dataclass(frozen=True)
class CertificateSource:
    """What the renderer gets for one certificate: its template, the values and the files."""

    org: Organization
    html_template: str
    css_template: str
    context: dict[str, Any]
    assets: dict[str, Asset]
    attachments: list[PdfAttachment]

    @property
    def custom(self) -> bool:
        """A body's own template (not Sceau's default): rendered with limits."""
        return (self.html_template, self.css_template) != default_template()


def certificate_source(deps: Deps, credential: Credential) -> CertificateSource:
    """Gather what the credential's certificate is rendered from (reads only)."""
    org = deps.session.get_one(Organization, credential.organization_id)
    program = deps.session.get(Program, credential.program_id) if credential.program_id else None
    url = urls.credential_url(deps.settings.base_url, credential.id)
    language = document_language(org, program)
    context = certificate_context(
        credential, org, program, _signatory(deps, credential, org), url=url, language=language
    )
    html_template, css_template = active_template(deps, org, program)
    return CertificateSource(
        org=org,
        html_template=html_template,
        css_template=css_template,
        context=context,
        assets={"qr.png": Asset(qr_png(url), "image/png")},
        attachments=attachments(credential),
    )


def render_certificate(source: CertificateSource) -> bytes:
    """The unsealed PDF/A-3b. A body's own template renders in a child process bounded in
    time and memory (core.documents.template_check): what passed the check with sample data
    may branch on real data into a bomb; Sceau's default renders here."""
    if source.custom:
        return render_bounded(
            source.html_template,
            source.css_template,
            source.context,
            assets=source.assets,
            attachments=source.attachments,
        )
    return render_pdf(
        render_source(source.html_template, source.context, "HTML template"),
        assets=source.assets,
        attachments=source.attachments,
        stylesheets=[render_source(source.css_template, source.context, "CSS template")],
    )


def make_certificate_pdf(
    deps: Deps, credential: Credential, *, seal: OpenSeal | None = None
) -> bytes:
    """Render and seal the credential's certificate (not archived: see certificate_pdf).

    Without ``seal``, the body's seal certificate is made if it has none (a write)."""
    source = certificate_source(deps, credential)
    pdf = render_certificate(source)
    return seal_pdf(deps, source.org, pdf, reason=seal_reason(credential), seal=seal)


def seal_reason(credential: Credential) -> str:
    """The reason a certificate's seal gives (shown by PDF readers)."""
    return f"Certificat {credential.id}"


def certificate_pdf(
    deps: Deps, store: ArchiveStore, credential: Credential, *, made: bytes | None = None
) -> Document:
    """The credential's archived certificate PDF; archives ``made`` (a PDF prepared outside
    this transaction) or makes one now, if it has none."""
    existing = credential_document(deps.session, credential.id, CERTIFICATE_PDF)
    if existing is not None:
        return existing
    data = made if made is not None else make_certificate_pdf(deps, credential)
    return store_document(
        deps.session,
        store,
        organization_id=credential.organization_id,
        kind=CERTIFICATE_PDF,
        data=data,
        media_type=PDF_MEDIA_TYPE,
        filename=f"certificate-{credential.id}.pdf",
        now=deps.clock.now(),
        credential_id=credential.id,
    )

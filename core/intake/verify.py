"""verify_submission: the door a submission came through, the one pipeline, the document and
recipient steps on top."""

from __future__ import annotations

from dataclasses import dataclass, replace

from core.credentials.report import Step, VerificationReport
from core.db.models import Credential
from core.deps import Deps
from core.documents.baking import unbake_png
from core.documents.png import BadgeImageError
from core.errors import InputError
from core.intake.document import document_step, not_applicable
from core.intake.locating import locate
from core.intake.reading import (
    CertificateFacts,
    certificate_facts,
    photo_qr_texts,
    svg_credential,
)
from core.intake.recipient import recipient_step
from core.intake.sandbox import run_capped
from core.intake.sniffing import file_text, sniff_file, sniff_text
from core.intake.submission import Submission, Verification
from core.verifying import verify_stored, verify_untrusted


@dataclass(frozen=True)
class _Found:
    """The unverified credential (dict, JSON text or JWT) and where it came from."""

    unverified_credential: object
    source: str
    certificate: CertificateFacts | None = None
    stored: Credential | None = None  # when the credential is one of ours, named by its URL


def _from_text(deps: Deps, untrusted_text: str, *, source: str | None = None) -> _Found:
    kind = sniff_text(untrusted_text)
    if kind == "url":
        return _from_url(deps, untrusted_text, source=source or "url")
    if kind == "svg":
        return _from_svg(untrusted_text.encode("utf-8"))
    return _Found(untrusted_text, source or kind)


def _from_url(deps: Deps, untrusted_url: str, *, source: str = "url") -> _Found:
    located = locate(deps, untrusted_url)
    return _Found(located.unverified_credential, source, stored=located.stored)


def _from_svg(untrusted_svg: bytes) -> _Found:
    answer = run_capped(svg_credential, untrusted_svg)
    baked = answer if isinstance(answer, str) else None
    if baked is None:
        raise InputError("the SVG carries no baked credential", code="no_credential")
    return _Found(baked, "svg")


def _from_photo(deps: Deps, untrusted_image: bytes) -> _Found:
    answer = run_capped(photo_qr_texts, untrusted_image)
    texts = [t for t in answer if isinstance(t, str)] if isinstance(answer, list) else []
    urls = [t for t in texts if t.strip().lower().startswith(("https://", "http://"))]
    if not urls:
        raise InputError(
            "no QR code naming a credential was found in the picture", code="no_qr_code"
        )
    return _from_url(deps, urls[0], source="photo")


def _from_pdf(untrusted_pdf: bytes) -> _Found:
    facts = CertificateFacts.from_json(run_capped(certificate_facts, untrusted_pdf))
    attachments = facts.pdf.attachments
    raw = attachments.get("credential.json") or attachments.get("credential.jwt")
    if raw is None:
        raise InputError("the PDF carries no attached credential", code="no_credential")
    try:
        attached = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        attached = ""  # the pipeline's parse step says what is wrong with it
    return _Found(attached or raw, "pdf", facts)


def _from_file(deps: Deps, untrusted_file: bytes) -> _Found:
    kind = sniff_file(untrusted_file)
    if kind == "pdf":
        return _from_pdf(untrusted_file)
    if kind == "png":
        try:
            baked = unbake_png(untrusted_file, max_bytes=len(untrusted_file))
        except BadgeImageError as error:
            raise InputError(error.message, code="unreadable_badge") from None
        if baked is not None:
            return _Found(baked, "png")
        return _from_photo(deps, untrusted_file)
    if kind in ("jpeg", "heif"):
        return _from_photo(deps, untrusted_file)
    return _from_text(deps, file_text(untrusted_file))


def _find(deps: Deps, submission: Submission) -> _Found:
    if submission.file is not None and len(submission.file) > 0:
        return _from_file(deps, submission.file)
    if submission.credential is not None:
        return _Found(submission.credential, "json")
    if submission.jwt is not None and submission.jwt.strip():
        return _Found(submission.jwt, "jwt")
    if submission.url is not None and submission.url.strip():
        return _from_url(deps, submission.url)
    if submission.text is not None and submission.text.strip():
        return _from_text(deps, submission.text)
    raise InputError(
        "nothing to verify: send a file, a credential, a VC-JWT or a credential URL",
        code="not_a_credential",
    )


def _with_steps(report: VerificationReport, extra: list[Step]) -> VerificationReport:
    steps = [*report.steps, *extra]
    return replace(report, steps=steps, verified=report.verified and all(s.ok for s in extra))


def verify_submission(deps: Deps, submission: Submission) -> Verification:
    """Verify one untrusted submission; InputError only when it cannot be read at all
    (unsupported file, a photo without QR code, a URL that does not answer a credential)."""
    found = _find(deps, submission)
    if found.stored is not None:
        report = verify_stored(deps, found.stored)  # its public page's report, maybe cached
    else:
        report = verify_untrusted(deps, found.unverified_credential)
    proof = report.step("proof")
    proof_holds = proof is not None and proof.ok
    extra: list[Step] = []
    if found.certificate is not None:
        extra.append(document_step(deps, found.certificate, report))
    else:
        extra.append(not_applicable())
    if submission.recipient_email or submission.recipient_name:
        extra.append(
            recipient_step(
                report.credential,
                proof_holds=proof_holds,
                typed_email=submission.recipient_email,
                typed_name=submission.recipient_name,
            )
        )
    return Verification(_with_steps(report, extra), found.source)

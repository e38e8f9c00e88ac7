"""What the result page says, fr/en: the verdict sentences, each check's name and explanation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import format_date, format_datetime, gettext
from flask_babel import lazy_gettext as _l

from core.credentials.report import Step
from core.errors import InputError

#: The verdict in one sentence a non-specialist understands (keys: verifier.verdict.VERDICTS).
VERDICT_SENTENCES = {
    "valid": _l("Valid: this certificate is authentic, in force, and has not been revoked."),
    "unknown_issuer": _l(
        "Authentic, but issued by a body that is not registered with this service: "
        "make sure you know and trust this issuer."
    ),
    "not_yet_valid": _l("Not yet valid: this certificate is authentic but takes effect later."),
    "expired": _l("Expired: this certificate is authentic but its validity period is over."),
    "suspended": _l("Suspended: the issuer has suspended this certificate for now."),
    "revoked": _l("Revoked: the issuer has withdrawn this certificate; it is no longer valid."),
    "invalid": _l("Not valid: this certificate could not be confirmed (see the checks below)."),
    "forged": _l(
        "Altered or forged: nothing proves that this certificate comes from the body it names."
    ),
    "unreadable": _l("Unreadable: no certificate could be read from what you gave."),
}

#: Each check's name, by step id.
STEP_TITLES = {
    "parse": _l("Reading"),
    "context": _l("Vocabulary"),
    "schema": _l("Open Badges format"),
    "proof": _l("Issuer's signature"),
    "issuer": _l("Issuer"),
    "dates": _l("Validity dates"),
    "status": _l("Revocation"),
    "document": _l("Document (seal, QR code, badge)"),
    "recipient": _l("Holder"),
}

_UNKNOWN_VOCABULARY = _l("The credential uses a vocabulary this service does not know.")
_UNDEFINED_TERMS = _l("The credential holds terms its vocabulary does not define.")
_UNSIGNED_DATA = _l("The credential holds data its signature does not cover.")
_TOO_COMPLEX = _l("The credential is too complex to check safely.")

#: The plain explanation of every code of core.credentials.report.STEP_CODES (and intake's).
EXPLANATIONS = {
    ("parse", "ok"): _l("The credential was read."),
    ("parse", "malformed_json"): _l("The text is not valid JSON."),
    ("parse", "malformed_jwt"): _l("The text is not a valid VC-JWT."),
    ("parse", "payload_too_large"): _l("The credential is too large or too deeply nested."),
    ("parse", "not_a_credential"): _l("This is not a verifiable credential."),
    ("context", "unknown_context"): _UNKNOWN_VOCABULARY,
    ("context", "invalid_jsonld"): _l("The credential's structure is invalid."),
    ("context", "undefined_term"): _UNDEFINED_TERMS,
    ("context", "unsigned_data"): _UNSIGNED_DATA,
    ("context", "canonicalization_limit"): _TOO_COMPLEX,
    ("context", "not_compact"): _l(
        "The credential hides some of its content under unusual names: it cannot be checked safely."
    ),
    ("schema", "schema_invalid"): _l("The credential does not follow the Open Badges 3.0 format."),
    ("schema", "not_applicable"): _l("Not an Open Badge: the Open Badges format does not apply."),
    ("context", "ok"): _l("Every piece of data is covered by the signature."),
    ("schema", "ok"): _l("The credential follows the Open Badges 3.0 format."),
    ("schema", "not_required"): _l("The Open Badges format was not required."),
    ("proof", "ok"): _l("The issuer's digital signature is intact: nothing was changed."),
    ("proof", "invalid_signature"): _l(
        "The signature does not match the content: the credential was altered or forged."
    ),
    ("proof", "no_proof"): _l("The credential carries no signature."),
    ("proof", "unknown_key"): _l("The signing key is not one the issuer publishes."),
    ("proof", "key_compromised"): _l("The signing key was declared compromised by its owner."),
    ("proof", "key_retired"): _l("The credential claims a date after its signing key was retired."),
    ("proof", "weak_key"): _l("The signing key is too weak to be trusted (RSA under 2048 bits)."),
    ("proof", "unsupported_proof"): _l("The credential's kind of signature is not supported."),
    ("proof", "key_controller_mismatch"): _l(
        "The signing key does not belong to the issuer named."
    ),
    ("proof", "unsigned_data"): _UNSIGNED_DATA,
    ("proof", "algorithm_not_allowed"): _l("The token uses a signature algorithm that is refused."),
    ("proof", "canonicalization_limit"): _TOO_COMPLEX,
    ("proof", "undefined_term"): _UNDEFINED_TERMS,
    ("proof", "unknown_context"): _UNKNOWN_VOCABULARY,
    ("proof", "jwt_claims_mismatch"): _l(
        "The token's claims contradict the credential it carries."
    ),
    ("issuer", "known_issuer"): _l("The issuer is a certification body registered here."),
    ("issuer", "unknown_issuer"): _l(
        "The issuer is not registered with this service: its name is its own claim."
    ),
    ("dates", "valid"): _l("The credential is within its validity period."),
    ("dates", "expired"): _l("The validity period is over."),
    ("dates", "not_yet_valid"): _l("The validity period has not started yet."),
    ("dates", "invalid_date"): _l("A date of the credential is invalid."),
    ("status", "not_revoked"): _l("The issuer has not revoked this credential."),
    ("status", "no_status"): _l("The credential has no revocation list."),
    ("status", "revoked"): _l("The issuer has revoked this credential."),
    ("status", "suspended"): _l("The issuer has suspended this credential."),
    ("status", "status_list_unavailable"): _l("The issuer's revocation list could not be read."),
    ("status", "unsupported_status"): _l(
        "The credential's kind of revocation list is not supported."
    ),
    ("document", "ok"): _l("The document matches the credential it carries."),
    ("document", "not_applicable"): _l("No document to check: the credential came without a PDF."),
    ("document", "seal_invalid"): _l("The PDF's seal is broken: the file was modified."),
    ("document", "seal_untrusted"): _l("The PDF's seal is not this service's."),
    ("document", "no_seal"): _l("The PDF carries no seal."),
    ("document", "attachment_mismatch"): _l(
        "The credential attached to the PDF differs from the one it shows."
    ),
    ("document", "qr_mismatch"): _l("The QR code points to another credential."),
    ("recipient", "match"): _l("The holder you typed matches the credential."),
    ("recipient", "no_match"): _l("The holder you typed does not match the credential."),
    ("recipient", "not_applicable"): _l("The credential names no holder to compare with."),
}

#: What the form says when an input is refused, by InputError code.
ERRORS = {
    "nothing_to_verify": _l("Choose a file, or paste a credential, a JWT or a link."),
    "rate_limited": _l("Too many verifications from your address. Wait a minute, then try again."),
    "file_too_large": _l("This file is too large."),
    "payload_too_large": _l("This input is too large."),
    "not_a_url": _l("Only web addresses (http or https) can be opened."),
    "invalid_url": _l("Only web addresses (http or https) can be opened."),
    "unknown_credential": _l("No credential of this service has this address."),
    "not_a_credential": _l("Choose a file, or paste a credential, a JWT or a link."),
    "no_qr_code": _l("No QR code leading to a certificate was found in this picture."),
    "no_credential": _l("This file carries no credential."),
    "unreadable_badge": _l("This badge image could not be read."),
    "malformed_json": _l("This text is not valid JSON."),
    "unsupported_file": _l(
        "This kind of file is not supported: use the PDF, a PNG or SVG badge, a JSON "
        "credential, a VC-JWT or a photo (JPEG, PNG, HEIC)."
    ),
    "unreadable_image": _l("This picture could not be read."),
    "image_too_large": _l("This picture is too large: take it again at a lower resolution."),
    "pdf_unreadable": _l("This PDF could not be read."),
    "pdf_too_complex": _l("This PDF is too complex to be checked."),
    "file_too_complex": _l("This file is too complex to be checked."),
    "fetch_failed": _l("The address did not answer with a credential."),
}


def explanation(step: Step) -> Any:
    """The plain explanation of a step's outcome, in the page's language."""
    if step.code == "skipped":
        return gettext("Not checked: an earlier check failed.")
    if step.code == "internal_error":
        return gettext("This check could not be completed.")
    return EXPLANATIONS.get((step.id, step.code), step.message)


#: Codes that, for a pasted text rather than a file, mean the text is none of the three kinds.
_NOT_A_TEXT_WE_READ = ("unsupported_file", "not_a_credential", "malformed_json")


def error_message(error: InputError, *, pasted: bool = False) -> str:
    """The form's message for a refused input: ours when we know its code, else the engine's.
    ``pasted``: the input was the text field, not a file."""
    if pasted and error.code in _NOT_A_TEXT_WE_READ:
        return str(_l("This text is neither a JSON credential, a VC-JWT nor a credential link."))
    known = ERRORS.get(error.code)
    if known is not None:
        return str(known)
    return str(gettext("This could not be read as a certificate: %(reason)s", reason=error.message))


#: Where the credential was read from (keys: core.intake.SOURCES).
SOURCE_LABELS = {
    "json": _l("a JSON credential"),
    "jwt": _l("a VC-JWT"),
    "pdf": _l("the certificate PDF"),
    "png": _l("a PNG badge"),
    "svg": _l("an SVG badge"),
    "photo": _l("the QR code of a photo"),
    "url": _l("a credential link"),
}


def localized_date(untrusted_value: object) -> str:
    """A credential's date (ISO 8601) as the page's language writes it; shown as is otherwise."""
    text = str(untrusted_value or "")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    return str(format_date(moment, "long"))


def moment_text(moment: datetime) -> str:
    """When a check ran, as the page's language writes it (UTC)."""
    return str(format_datetime(moment, "long"))


def template_helpers() -> dict[str, Any]:
    """The result page's wording functions, for a blueprint's context processor."""
    return {
        "verdict_sentence": lambda verdict: VERDICT_SENTENCES[verdict],
        "step_title": lambda step_id: STEP_TITLES.get(step_id, step_id),
        "explanation": explanation,
        "source_label": lambda source: SOURCE_LABELS.get(source, source),
    }

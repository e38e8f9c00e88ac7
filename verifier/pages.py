"""The verifier's public pages: the home page (scan, upload, paste) and the one result page."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, g, redirect, render_template, request, url_for

from core.credentials.report import VerificationReport
from core.db.models import Credential
from core.deps import Deps
from core.errors import InputError
from core.intake import Submission, verify_submission
from core.intake.locating import local_credential_id
from core.web.database import deps, read_only
from core.web.limits import rate_limited
from verifier.verdict import claims, is_genuine, verdict_of
from verifier.wording import error_message, localized_date, moment_text, template_helpers

bp = Blueprint("verifier_pages", __name__, template_folder="templates")
bp.add_app_template_filter(localized_date, "verifier_date")

#: Longest pasted text or URL kept (a VC-JWT or JSON credential is far shorter).
MAX_TEXT_CHARS = 200_000


@dataclass(frozen=True)
class Typed:
    """What the visitor typed into the form (untrusted), shown again when the input is refused."""

    text: str = ""
    recipient_email: str = ""
    recipient_name: str = ""


def upload_limit(d: Deps) -> int:
    """The largest file the form sends (SCEAU_MAX_UPLOAD_BYTES), checked before sending too."""
    return d.settings.max_upload_bytes


def _verify(
    d: Deps, typed: Typed, file: bytes | None, filename: str | None, url: str | None
) -> tuple[VerificationReport, str]:
    """The one call into the verification engine: (report, source). Raises InputError."""
    submission = Submission(
        file=file,
        filename=filename,
        text=typed.text if file is None and url is None else None,
        url=url,
        recipient_email=typed.recipient_email or None,
        recipient_name=typed.recipient_name or None,
    )
    verification = verify_submission(d, submission)
    return verification.report, verification.source


def _typed() -> Typed:
    form = request.form
    return Typed(
        text=form.get("text", "")[:MAX_TEXT_CHARS],
        recipient_email=form.get("recipient_email", "").strip()[:320],
        recipient_name=form.get("recipient_name", "").strip()[:200],
    )


def _lang_url(code: str) -> str:
    """The same page in another language. A result reached by POST cannot be reloaded: its
    switch opens the link of the credential when it is a genuine one of this service, else
    the home page."""
    if request.method == "GET" and request.endpoint:
        values: dict[str, Any] = {**request.args.to_dict(), "lang": code}
        return url_for(request.endpoint, **values)
    own_url = g.get("own_credential_url")
    if own_url:
        return url_for("verifier_pages.verify_link", url=own_url, lang=code)
    return url_for("verifier_pages.home", lang=code)


@bp.context_processor
def _page_helpers() -> dict[str, Any]:
    return {**template_helpers(), "lang_url": _lang_url}


def _home(
    typed: Typed, error: InputError | None = None, status: int = 200, *, pasted: bool = False
) -> Response:
    page = render_template(
        "verifier/home.html",
        typed=typed,
        error=error_message(error, pasted=pasted) if error is not None else None,
        max_bytes=upload_limit(deps()),
    )
    return Response(page, status=status)


@bp.errorhandler(429)
def too_many(_error: Exception) -> Response:
    """Over SCEAU_RATE_LIMIT: the home page says so (Retry-After is added by the limiter)."""
    return _home(Typed(), InputError("too many verifications", code="rate_limited"), 429)


def _own_row(d: Deps, report: VerificationReport) -> Credential | None:
    """The stored row of a genuine credential of this service (None for any other)."""
    credential_id = (report.credential or {}).get("id") if is_genuine(report) else None
    local_id = local_credential_id(d, credential_id) if isinstance(credential_id, str) else None
    return d.session.get(Credential, local_id) if local_id is not None else None


def _revocation(d: Deps, report: VerificationReport) -> dict[str, str] | None:
    """When and why the issuer revoked a genuine credential of this instance (our pages show
    the reason; the status list never carries it)."""
    status = report.step("status")
    if status is None or status.code != "revoked":
        return None
    row = _own_row(d, report)
    if row is None or row.revoked_at is None:
        return None
    revoked_on = localized_date(row.revoked_at.isoformat())
    return {"date": revoked_on, "reason": row.revocation_reason or ""}


def _result(
    report: VerificationReport, source: str, typed: Typed, recheck_text: str | None
) -> Response:
    if _own_row(deps(), report) is not None:
        g.own_credential_url = (report.credential or {}).get("id")
    page = render_template(
        "verifier/result.html",
        report=report,
        source=source,
        verdict=verdict_of(report),
        genuine=is_genuine(report),
        shown=claims(report),
        recipient=report.step("recipient"),
        typed=typed,
        recheck_text=recheck_text,
        checked_at=moment_text(deps().clock.now()),
        revocation=_revocation(deps(), report),
    )
    response = Response(page)
    # A verdict is about a moment and a private submission: never kept by a shared cache.
    response.headers["Cache-Control"] = "no-store"
    return response


def _recheck_text(report: VerificationReport, source: str, verified_text: str) -> str | None:
    """What the recipient form posts again: the signed JSON, or the JWT or URL that was
    verified; None when neither can be sent again (a badge whose JWT is inside an image)."""
    if report.format == "ldp" and isinstance(report.credential, dict):
        return json.dumps(report.credential, ensure_ascii=False)
    if source in ("jwt", "url"):
        return verified_text.strip() or None
    return None


@bp.get("/")
@read_only
def home() -> Response:
    return _home(Typed())


@bp.post("/verify")
@rate_limited("verify")
@read_only
def verify_form() -> Response:
    typed = _typed()
    upload = request.files.get("file")
    file = filename = None
    if upload is not None and upload.filename:
        limit = upload_limit(deps())
        file = upload.stream.read(limit + 1)
        filename = upload.filename
        if len(file) > limit:
            error = InputError("the file is too large", code="file_too_large")
            return _home(typed, error, 413)
    if file is None and not typed.text.strip():
        return _home(typed, InputError("nothing to verify", code="nothing_to_verify"), 400)
    try:
        report, source = _verify(deps(), typed, file, filename, None)
    except InputError as error:
        return _home(typed, error, error.http_status, pasted=file is None)
    verified_text = typed.text if file is None else file.decode("utf-8", "replace")
    return _result(report, source, typed, _recheck_text(report, source, verified_text))


@bp.get("/verify")
@rate_limited("verify")
@read_only
def verify_link() -> Response | Any:
    """What the scanner opens: ``/verify?url=<credential URL>`` (http or https only)."""
    untrusted_url = request.args.get("url", "").strip()[:MAX_TEXT_CHARS]
    if not untrusted_url:
        return redirect(url_for("verifier_pages.home"))
    typed = Typed(text=untrusted_url)
    try:
        scheme = urlsplit(untrusted_url).scheme
    except ValueError:
        scheme = ""
    if scheme not in ("http", "https"):
        return _home(typed, InputError("not a web address", code="not_a_url"), 400)
    try:
        report, source = _verify(deps(), typed, None, None, untrusted_url)
    except InputError as error:
        return _home(typed, error, error.http_status)
    recheck = _recheck_text(report, source, untrusted_url)
    return _result(report, source, replace(typed, text=""), recheck)

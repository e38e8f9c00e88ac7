"""What the back office's candidate pages do: import a CSV file or enter one candidate by hand
(both all-or-nothing, checked by core.workflow.candidates), and a file's eligibility form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.accounts.principal import Action, Principal
from core.db.models import Candidate, Credential, Delivery, Enrollment, ExamSession
from core.delivery.records import latest_deliveries
from core.deps import Deps
from core.errors import InputError
from core.urls import credential_url
from core.workflow.candidates import csv_rows, parse_candidates
from core.workflow.eligibility import EligibilityRecord, Override, assess_eligibility
from core.workflow.grading import Language
from core.workflow.schemes import Eligibility
from issuer.services.enrollments import enroll_candidates, program_rules
from issuer.services.sessions import get_enrollment, get_session


def enrolling_session(deps: Deps, principal: Principal, session_id: str) -> ExamSession:
    """The session whose candidates the caller may add to (NotFound, then PermissionDenied)."""
    session = get_session(deps, principal, session_id)
    principal.require(Action.ENROLL)
    return session


def decode_csv(data: bytes) -> str:
    """An uploaded CSV file as text: UTF-8 (a BOM allowed), no NUL; InputError otherwise."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("the CSV is not valid UTF-8", code="malformed_csv") from None
    if "\x00" in text:
        raise InputError("the CSV holds a NUL character", code="malformed_csv")
    return text


def import_candidates_file(
    deps: Deps, principal: Principal, session_id: str, data: bytes
) -> list[tuple[Enrollment, Candidate]]:
    """Enroll every line of an uploaded candidates CSV, or none (InputError naming each bad
    line and column)."""
    enrolling_session(deps, principal, session_id)
    rows = parse_candidates(csv_rows(decode_csv(data)), deps.clock.now().date())
    return enroll_candidates(deps, principal, session_id, rows)


def enroll_one(
    deps: Deps, principal: Principal, session_id: str, cells: dict[str, str]
) -> tuple[Enrollment, Candidate]:
    """Enroll one candidate entered by hand (the columns of the CSV, checked the same way)."""
    enrolling_session(deps, principal, session_id)
    rows = parse_candidates([(1, cells)], deps.clock.now().date())
    return enroll_candidates(deps, principal, session_id, rows)[0]


@dataclass(frozen=True)
class EligibilityFile:
    """A candidate's file as the eligibility form shows it."""

    enrollment: Enrollment
    candidate: Candidate
    session: ExamSession
    rules: Eligibility
    #: The prerequisites with what was recorded for each (False when nothing was).
    prerequisites: list[tuple[str, bool]]
    #: The computed reasons in the page's language (None while nothing was recorded).
    reasons: list[str] | None
    #: The credential issued for this file, its URL and its newest mail to the holder.
    credential: Credential | None = None
    credential_url: str | None = None
    delivery: Delivery | None = None


def eligibility_file(
    deps: Deps, principal: Principal, enrollment_id: str, language: Language = "fr"
) -> EligibilityFile:
    """The file of one enrollment, for the caller who may record its eligibility; its reasons
    are worded again in ``language`` from what was recorded."""
    enrollment = get_enrollment(deps, principal, enrollment_id)
    principal.require(Action.RECORD_ELIGIBILITY)
    session = get_session(deps, principal, enrollment.session_id)
    rules = program_rules(session)
    met = list(enrollment.prerequisites_met or [])
    met += [False] * (len(rules.prerequisites) - len(met))
    reasons = None
    if enrollment.eligibility_at is not None:
        record = EligibilityRecord(
            identity_checked=bool(enrollment.identity_checked),
            identity_document=enrollment.identity_document,
            prerequisites_met=tuple(met[: len(rules.prerequisites)]),
            attendance_percent=enrollment.attendance_percent,
            file_complete=bool(enrollment.file_complete),
        )
        override = None
        if enrollment.eligibility_override:
            override = Override(bool(enrollment.eligible), enrollment.eligibility_override)
        _eligible, reasons = assess_eligibility(rules, record, override, language)
    credential = (
        deps.session.get(Credential, enrollment.credential_id) if enrollment.credential_id else None
    )
    return EligibilityFile(
        enrollment,
        enrollment.candidate,
        session,
        rules,
        list(zip(rules.prerequisites, met, strict=False)),
        reasons,
        credential,
        credential_url(deps.settings.base_url, credential.id) if credential else None,
        latest_deliveries(deps, [credential.id]).get(credential.id) if credential else None,
    )


def eligibility_payload(
    *,
    identity_checked: bool,
    identity_document: str | None,
    prerequisites: list[bool],
    attendance: str | None,
    file_complete: bool,
    override: str | None,
    justification: str | None,
) -> dict[str, Any]:
    """The API's eligibility body from the form's answers (``override``: "eligible",
    "ineligible" or nothing)."""
    payload: dict[str, Any] = {
        "identityChecked": identity_checked,
        "prerequisitesMet": prerequisites,
        "fileComplete": file_complete,
    }
    if identity_document:
        payload["identityDocument"] = identity_document
    if attendance:
        payload["attendancePercent"] = attendance
    if override in ("eligible", "ineligible"):
        payload["override"] = {
            "eligible": override == "eligible",
            "justification": justification or "",
        }
    return payload

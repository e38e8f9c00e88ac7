"""The jury's decision with four eyes: a manager proposes the session's results, another
person approves them, and a signatory (with a fresh TOTP code) signs, which starts issuing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from core.accounts.factors import open_totp_secret, totp_step
from core.accounts.principal import Action, Principal
from core.audit.log import record
from core.db.models import Enrollment, ExamSession, StaffMember
from core.deps import Deps
from core.errors import Conflict, PermissionDenied, RecordedRefusal
from issuer.services.results import compute_results
from issuer.services.sessions import get_session
from issuer.services.signin import count_failure, is_locked

_NEXT = {"open": "propose", "proposed": "approve", "approved": "sign"}


def _expect(session: ExamSession, state: str, action: str) -> None:
    if session.state == state:
        return
    hint = _NEXT.get(session.state)
    raise Conflict(
        f"the session is {session.state}: it cannot be asked to {action}"
        + (f" (next step: {hint})" if hint else ""),
        code=f"session_{session.state}",
    )


def propose(deps: Deps, principal: Principal, session_id: str) -> dict[str, Any]:
    """Record every enrollment's decision as computed now, with the program version."""
    session = get_session(deps, principal, session_id, lock=True)
    principal.require(Action.PROPOSE)
    _expect(session, "open", "propose")
    results = compute_results(deps, session)
    if not results:
        raise Conflict("the session has no candidate", code="no_candidates")
    incomplete = [
        {"enrollment": r.enrollment, "path": "", "message": r.explanation}
        for r in results
        if r.passed is None
    ]
    if incomplete:
        raise Conflict(
            f"{len(incomplete)} file(s) await grades or an eligibility decision",
            code="results_incomplete",
            problems=incomplete,
        )
    review = [
        {"enrollment": r.enrollment, "path": item["assessment"], "message": "second marking gap"}
        for r in results
        for item in r.review
    ]
    if review:
        raise Conflict(
            "second markings differ beyond the program's threshold: enter the settled "
            "score as marking 1 again",
            code="review_pending",
            problems=review,
        )
    now = deps.clock.now()
    version = session.program_version.number
    by_id = {e.id: e for e in session_enrollments(deps, session)}
    for r in results:
        enrollment = by_id[r.enrollment]
        enrollment.state = "proposed"
        enrollment.decision = {
            "eligible": r.eligible,
            "average": r.average,
            "passed": r.passed,
            "explanation": r.explanation,
            "scores": r.scores,
            "blocks": r.blocks,
            "review": [],
            "programVersion": version,
        }
    session.state, session.proposed_by, session.proposed_at = "proposed", principal.staff_id, now
    passed = sum(1 for r in results if r.passed)
    record(
        deps,
        principal,
        "session.propose",
        session.id,
        {"passed": passed, "failed": len(results) - passed, "programVersion": version},
        now=now,
    )
    return {"state": session.state, "passed": passed, "failed": len(results) - passed}


def session_enrollments(deps: Deps, session: ExamSession) -> list[Enrollment]:
    """Every enrollment of the session."""
    return list(deps.session.scalars(select(Enrollment).where(Enrollment.session_id == session.id)))


def approve(deps: Deps, principal: Principal, session_id: str) -> dict[str, Any]:
    """Approve the proposed decisions; never by the person who proposed them."""
    session = get_session(deps, principal, session_id, lock=True)
    principal.require(Action.APPROVE)
    _expect(session, "proposed", "approve")
    if principal.staff_id is None or principal.staff_id == session.proposed_by:
        raise PermissionDenied(
            "four eyes: the person who proposed the decisions cannot approve them",
            code="four_eyes",
        )
    now = deps.clock.now()
    session.state, session.approved_by, session.approved_at = "approved", principal.staff_id, now
    deps.session.execute(
        update(Enrollment).where(Enrollment.session_id == session.id).values(state="approved")
    )
    record(
        deps,
        principal,
        "session.approve",
        session.id,
        now=now,
    )
    return {"state": session.state}


def check_totp(deps: Deps, principal: Principal, code: Any) -> None:
    """PermissionDenied unless ``code`` is a TOTP code of the caller not used before. A wrong
    code counts toward the member's lockout, as at sign-in (the count is kept although the
    request is refused): a stolen token cannot try the million codes."""
    member = deps.session.get(StaffMember, principal.staff_id) if principal.staff_id else None
    if member is None or member.totp_secret is None:
        raise PermissionDenied("signing needs a second factor (TOTP)", code="totp_required")
    now = deps.clock.now()
    if is_locked(member, now):
        raise PermissionDenied(
            "too many wrong codes in a row: try again in a quarter of an hour",
            code="totp_locked",
        )
    given = code.strip() if isinstance(code, str) else ""
    if not (len(given) == 6 and given.isascii() and given.isdigit()):
        # Not a code at all (empty, a typo's length): refused, but not counted as a guess.
        raise PermissionDenied("a TOTP code is six digits", code="invalid_totp")
    secret = open_totp_secret(deps.cipher, member.id, member.totp_secret)
    step = totp_step(secret, given, now, member.totp_last_step)
    if step is None:
        count_failure(deps, member, now)
        raise RecordedRefusal(
            "the TOTP code is wrong, expired or already used", code="invalid_totp"
        )
    member.totp_last_step = step
    member.failed_logins = 0

"""The sign-in use cases without the web: setup links, lockout, TOTP, session fingerprints."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from office_support import PASSWORD
from sqlalchemy import func, select

from core.accounts.factors import check_password
from core.db.models import AuditEvent, StaffMember
from core.errors import InputError, NotFound
from issuer.services.signin import (
    LOCK_FOR,
    change_password,
    complete_setup,
    session_fingerprint,
    setup_details,
    sign_in_password,
    sign_in_totp,
    signed_in_member,
)
from issuer.services.staff import staff_principal

NEW = "another long passphrase"


def _member(deps: Any, member_id: int) -> StaffMember:
    member = deps.session.get(StaffMember, member_id)
    assert member is not None
    return member


def _events(deps: Any, action: str) -> int:
    return deps.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
    )


def test_setup_details_show_the_totp_secret_only_to_roles_that_need_it(runtime, staff) -> None:
    admin = staff("admin", ready=False)
    evaluator = staff("evaluator", ready=False)
    with runtime.unit() as deps:
        details = setup_details(deps, admin.setup_token)
        assert details.email == admin.email and details.organization_slug == "acme"
        assert details.totp_secret == admin.totp_secret
        assert details.totp_uri and details.totp_uri.startswith("otpauth://totp/")
        assert f"secret={admin.totp_secret}" in details.totp_uri
        plain = setup_details(deps, evaluator.setup_token)
        assert plain.totp_secret is None and plain.totp_uri is None


def test_setup_refuses_weak_mismatched_and_missing_code_and_keeps_the_link(
    runtime, staff, clock
) -> None:
    admin = staff("admin", ready=False)
    with runtime.unit() as deps, pytest.raises(InputError) as refused:
        complete_setup(deps, admin.setup_token, password="short", confirm="shorter", code=None)
    assert {p["path"] for p in refused.value.problems} == {"password", "confirm", "code"}
    with runtime.unit() as deps, pytest.raises(InputError) as refused:
        complete_setup(deps, admin.setup_token, password=PASSWORD, confirm=PASSWORD, code="000000")
    assert [p["path"] for p in refused.value.problems] == ["code"]
    with runtime.unit() as deps:
        assert setup_details(deps, admin.setup_token).email == admin.email  # still usable


def test_setup_spends_the_link_once_and_is_audited(runtime, staff, clock) -> None:
    admin = staff("admin", ready=False)
    code = admin.code(clock.instant)
    with runtime.unit() as deps:
        complete_setup(deps, admin.setup_token, password=PASSWORD, confirm=PASSWORD, code=code)
    with runtime.unit() as deps:
        member = _member(deps, admin.id)
        assert member.setup_token_hash is None and member.setup_expires_at is None
        assert check_password(member.password_hash, PASSWORD)
        assert member.totp_last_step == int(clock.instant.timestamp()) // 30
        assert _events(deps, "staff.setup") == 1
        with pytest.raises(NotFound):
            setup_details(deps, admin.setup_token)
        with pytest.raises(NotFound):
            complete_setup(deps, admin.setup_token, password=NEW, confirm=NEW, code=code)


def test_an_expired_or_unknown_link_is_not_found(runtime, staff, clock) -> None:
    member = staff(ready=False)
    clock.instant += timedelta(days=8)
    with runtime.unit() as deps:
        for token in (member.setup_token, "setup_0000_nothing", "x" * 5000):
            with pytest.raises(NotFound):
                setup_details(deps, token)


def _try(runtime: Any, member: Any, password: str) -> str:
    with runtime.unit() as deps:
        return sign_in_password(
            deps, organization=member.org, email=member.email, password=password
        ).status


def test_five_failures_lock_the_account_for_fifteen_minutes(runtime, staff, clock) -> None:
    member = staff()
    for _ in range(4):
        assert _try(runtime, member, "wrong password!") == "refused"
    with runtime.unit() as deps:
        assert _member(deps, member.id).failed_logins == 4
    assert _try(runtime, member, "wrong password!") == "refused"
    with runtime.unit() as deps:
        locked = _member(deps, member.id)
        assert locked.locked_until == clock.instant + LOCK_FOR
        assert _events(deps, "staff.locked") == 1
    assert _try(runtime, member, PASSWORD) == "refused"  # even the right password
    clock.instant += LOCK_FOR
    assert _try(runtime, member, PASSWORD) == "signed_in"
    with runtime.unit() as deps:
        unlocked = _member(deps, member.id)
        assert unlocked.failed_logins == 0 and unlocked.locked_until is None
        assert _events(deps, "staff.login") == 1


def test_a_success_resets_the_count(runtime, staff) -> None:
    member = staff()
    for _ in range(3):
        _try(runtime, member, "wrong password!")
    assert _try(runtime, member, PASSWORD) == "signed_in"
    with runtime.unit() as deps:
        assert _member(deps, member.id).failed_logins == 0


def test_unknown_people_and_organizations_are_refused_alike(runtime, staff) -> None:
    member = staff()
    with runtime.unit() as deps:
        for org, email in (("acme", "nobody@acme.example"), ("nowhere", member.email)):
            attempt = sign_in_password(deps, organization=org, email=email, password=PASSWORD)
            assert attempt.status == "refused" and attempt.member is None


def test_a_member_not_set_up_or_disabled_cannot_sign_in(runtime, staff, clock) -> None:
    pending = staff("manager", ready=False)
    assert _try(runtime, pending, PASSWORD) == "refused"
    member = staff()
    with runtime.unit() as deps:
        _member(deps, member.id).disabled_at = clock.instant
    assert _try(runtime, member, PASSWORD) == "refused"


def test_totp_roles_need_a_code_that_works_once(runtime, staff, clock) -> None:
    admin = staff("admin")
    with runtime.unit() as deps:
        attempt = sign_in_password(deps, organization="acme", email=admin.email, password=PASSWORD)
        assert attempt.status == "totp_required" and attempt.member is not None
        fingerprint = session_fingerprint(deps.settings, attempt.member)
    code = admin.code(clock.instant)

    def totp(value: str, fp: str = fingerprint) -> str:
        with runtime.unit() as deps:
            return sign_in_totp(deps, staff_id=admin.id, fingerprint=fp, code=value).status

    assert totp(code, fp="0" * 32) == "refused"  # a password step of nobody
    assert totp("123456" if code != "123456" else "654321") == "refused"
    assert totp(code) == "signed_in"
    assert totp(code) == "refused"  # replayed
    with runtime.unit() as deps:
        assert _member(deps, admin.id).failed_logins == 1  # only the wrong code counted


def test_the_fingerprint_ends_with_a_new_password_or_a_disabled_account(
    runtime, staff, clock
) -> None:
    member = staff("manager")
    with runtime.unit() as deps:
        row = _member(deps, member.id)
        fingerprint = session_fingerprint(deps.settings, row)
        assert signed_in_member(deps, member.id, fingerprint) is row
        change_password(deps, staff_principal(row), current=PASSWORD, new=NEW)
        assert signed_in_member(deps, member.id, fingerprint) is None
        renewed = session_fingerprint(deps.settings, row)
        assert signed_in_member(deps, member.id, renewed) is row
        row.disabled_at = clock.instant
        assert signed_in_member(deps, member.id, renewed) is None


def test_changing_a_password_needs_the_current_one_and_a_strong_one(runtime, staff) -> None:
    member = staff("auditor")
    with runtime.unit() as deps:
        principal = staff_principal(_member(deps, member.id))
        with pytest.raises(InputError) as refused:
            change_password(deps, principal, current="not it", new="weak")
        assert {p["path"] for p in refused.value.problems} == {"current", "password"}

"""Signing in and out of the back office: one answer for every refusal, the lockout, the TOTP
step, sign-out, and where a visitor who is not signed in is sent."""

from __future__ import annotations

import re
from datetime import timedelta

from office_support import PASSWORD, flashes, submit, text

from core.db.models import StaffMember
from issuer.services.signin import LOCK_FOR

REFUSED = "Connexion refusée : vérifiez l'organisme, l'adresse e-mail et le mot de passe"


def _form(member, **changes: str) -> dict[str, str]:
    return {"organization": member.org, "email": member.email, "password": PASSWORD, **changes}


def test_a_member_signs_in_and_sees_the_dashboard(client, staff) -> None:
    member = staff("evaluator", name="Grace Hopper")
    signed = submit(client, "/staff/login", _form(member))
    assert signed.status_code == 302 and signed.headers["Location"] == "/staff/"
    page = client.get("/staff/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Bonjour Grace Hopper" in html
    assert "Acme Certification — Évaluateur" in html
    assert 'id="awaiting"' in html and "Se déconnecter" in html


def test_every_refusal_says_the_same(client, staff) -> None:
    member = staff("manager")
    answers = [
        submit(client, "/staff/login", _form(member, password="not the password")),
        submit(client, "/staff/login", _form(member, email="nobody@acme.example")),
        submit(client, "/staff/login", _form(member, organization="nowhere")),
        submit(client, "/staff/login", _form(staff("auditor", ready=False))),
    ]
    for answer in answers:
        assert answer.status_code == 401
    messages = {tuple(flashes(answer)) for answer in answers}
    assert len(messages) == 1
    (only,) = messages
    assert len(only) == 1 and only[0].startswith(REFUSED)


def test_five_failures_lock_the_account_for_fifteen_minutes(client, staff, clock, runtime):
    member = staff("manager")
    for _ in range(5):
        answer = submit(client, "/staff/login", _form(member, password="not the password"))
        assert answer.status_code == 401
    with runtime.unit() as deps:
        assert deps.session.get(StaffMember, member.id).locked_until is not None
    locked = submit(client, "/staff/login", _form(member))
    assert locked.status_code == 401 and REFUSED in text(locked)
    clock.instant += LOCK_FOR
    assert submit(client, "/staff/login", _form(member)).status_code == 302


def test_an_admin_gives_a_code_after_the_password_and_a_code_works_once(
    client, staff, clock
) -> None:
    admin = staff("admin")
    first = submit(client, "/staff/login", _form(admin))
    assert first.status_code == 302 and first.headers["Location"] == "/staff/login/code"
    assert client.get("/staff/").status_code == 302  # not signed in before the code
    wrong = submit(client, "/staff/login/code", {"code": "000000"})
    assert wrong.status_code == 401 and REFUSED in text(wrong)
    code = admin.code(clock.instant)
    done = submit(client, "/staff/login/code", {"code": code})
    assert done.status_code == 302 and done.headers["Location"] == "/staff/"
    assert "Administrateur" in client.get("/staff/").get_data(as_text=True)
    submit(client, "/staff/logout", {}, page="/staff/")
    assert submit(client, "/staff/login", _form(admin)).status_code == 302
    replayed = submit(client, "/staff/login/code", {"code": code})
    assert replayed.status_code == 401
    assert client.get("/staff/").status_code == 302


def test_the_code_step_expires(client, staff, clock) -> None:
    admin = staff("signatory")
    submit(client, "/staff/login", _form(admin))
    clock.instant += timedelta(minutes=6)
    late = client.get("/staff/login/code")
    assert late.status_code == 302 and late.headers["Location"] == "/staff/login"


def test_signing_out_ends_the_session_and_needs_the_csrf_token(client, staff) -> None:
    member = staff("auditor")
    submit(client, "/staff/login", _form(member))
    assert client.post("/staff/logout").status_code == 400  # no token: refused
    assert client.get("/staff/").status_code == 200
    out = submit(client, "/staff/logout", {}, page="/staff/")
    assert out.status_code == 302 and out.headers["Location"] == "/staff/login"
    again = client.get("/staff/")
    assert again.status_code == 302


def test_a_visitor_is_sent_to_sign_in_and_back(client, staff) -> None:
    member = staff("evaluator")
    away = client.get("/staff/")
    assert away.status_code == 302 and away.headers["Location"] == "/staff/login?next=/staff/"
    back = submit(client, "/staff/login?next=/staff/", _form(member))
    assert back.headers["Location"] == "/staff/"


def test_next_never_leads_to_another_site(client, staff) -> None:
    member = staff("evaluator")
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:x"):
        answer = submit(client, f"/staff/login?next={target}", _form(member))
        assert answer.headers["Location"] == "/staff/", target
        submit(client, "/staff/logout", {}, page="/staff/")


def test_the_per_organization_address_prefills_the_organization(client, staff) -> None:
    staff("evaluator", org="beta")
    page = client.get("/staff/beta/login").get_data(as_text=True)
    assert re.search(r'<input[^>]*name="organization"[^>]*value="beta"', page)

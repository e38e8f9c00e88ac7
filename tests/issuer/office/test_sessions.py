"""The web session: what ends it (a new password, a disabled account, idleness), its cookie,
and a member of one organization never seeing another's back office."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from office_support import PASSWORD, sign_in, submit, text

from core.db.models import StaffMember
from wsgi import create_app

NEW = "a brand new passphrase"


def test_a_new_password_ends_the_other_sessions_but_not_this_one(app, staff) -> None:
    member = staff("manager")
    here, elsewhere = app.test_client(), app.test_client()
    sign_in(here, member)
    sign_in(elsewhere, member)
    changed = submit(
        here, "/staff/password", {"current": PASSWORD, "password": NEW, "confirm": NEW}
    )
    assert changed.status_code == 302
    assert here.get("/staff/").status_code == 200
    assert elsewhere.get("/staff/").status_code == 302
    assert sign_in(elsewhere, member).status_code == 401  # the old password is gone
    assert sign_in(elsewhere, member, password=NEW).status_code == 302


def test_a_wrong_current_password_changes_nothing(client, staff) -> None:
    member = staff("evaluator")
    sign_in(client, member)
    refused = submit(
        client, "/staff/password", {"current": "not it at all", "password": NEW, "confirm": NEW}
    )
    assert refused.status_code == 400
    assert "Ce n'est pas votre mot de passe actuel." in text(refused)
    assert client.get("/staff/").status_code == 200


def test_a_disabled_member_is_signed_out(client, staff, runtime, clock) -> None:
    member = staff("evaluator")
    sign_in(client, member)
    with runtime.unit() as deps:
        deps.session.get(StaffMember, member.id).disabled_at = clock.instant
    assert client.get("/staff/").status_code == 302


def test_an_idle_session_ends(client, staff, clock, settings) -> None:
    member = staff("evaluator")
    sign_in(client, member)
    clock.instant += timedelta(minutes=settings.staff_idle_minutes - 1)
    assert client.get("/staff/").status_code == 200  # activity renews the session
    clock.instant += timedelta(minutes=settings.staff_idle_minutes - 1)
    assert client.get("/staff/").status_code == 200
    clock.instant += timedelta(minutes=settings.staff_idle_minutes + 1)
    assert client.get("/staff/").status_code == 302


def test_the_cookie_is_httponly_lax_and_secure_behind_https(client, staff, settings) -> None:
    member = staff("evaluator")
    cookies = sign_in(client, member).headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("sceau_session="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    assert all("Secure" not in c for c in cookies)
    https = create_app(replace(settings, base_url="https://certs.example.org"))
    try:
        secure = https.test_client()
        cookies = sign_in(secure, member).headers.getlist("Set-Cookie")
        assert {c.split("=", 1)[0] for c in cookies} == {"sceau_session", "staff_org"}
        assert all("; Secure" in c and "HttpOnly" in c for c in cookies)
    finally:
        https.extensions["sceau"]["sessions"].kw["bind"].dispose()


def test_a_member_sees_only_their_own_organization(app, staff) -> None:
    ours = staff("manager", org="acme", email="same@person.example", name="Acme Person")
    theirs = staff(
        "auditor",
        org="beta",
        email="same@person.example",
        name="Beta Person",
        password="beta's own passphrase",
    )
    acme, beta = app.test_client(), app.test_client()
    sign_in(acme, ours)
    sign_in(beta, theirs)
    acme_page, beta_page = text(acme.get("/staff/")), text(beta.get("/staff/"))
    assert "Acme Certification — Gestionnaire" in acme_page and "Beta" not in acme_page
    assert "Beta Certification — Auditeur" in beta_page and "Acme" not in beta_page
    # The same address with the other body's password opens nothing.
    crossed = app.test_client()
    assert sign_in(crossed, ours, password=theirs.password).status_code == 401

"""The one-time setup page: who it is for, the QR code, the password rules, single use."""

from __future__ import annotations

from datetime import timedelta

from office_support import PASSWORD, csrf_token, submit, text
from sqlalchemy import select

from core.db.models import StaffMember


def _url(member) -> str:
    return f"/staff/setup/{member.setup_token}"


def test_the_page_shows_the_account_and_for_an_admin_the_totp_key_and_qr(client, staff) -> None:
    admin = staff("admin", ready=False)
    page = client.get(_url(admin))
    html = text(page)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert admin.email in html and "Acme Certification" in html and "Administrateur" in html
    assert admin.totp_secret and admin.totp_secret in html
    assert 'src="data:image/svg+xml;base64,' in html
    assert "otpauth://totp/" in html
    evaluator = staff("evaluator", ready=False)
    plain = client.get(_url(evaluator)).get_data(as_text=True)
    assert "otpauth://" not in plain and "data:image/svg" not in plain


def test_a_weak_or_mismatched_password_is_refused_and_the_link_still_works(client, staff) -> None:
    member = staff("manager", ready=False)
    weak = submit(client, _url(member), {"password": "short", "confirm": "short"})
    assert weak.status_code == 400
    assert "au moins 12 caractères" in text(weak)
    differ = submit(client, _url(member), {"password": PASSWORD, "confirm": PASSWORD + "!"})
    assert differ.status_code == 400
    assert "Les deux mots de passe diffèrent." in text(differ)
    assert client.get(_url(member)).status_code == 200


def test_an_admin_must_prove_the_authenticator_before_the_password_is_set(
    client, staff, clock, runtime
) -> None:
    admin = staff("admin", ready=False)
    fields = {"password": PASSWORD, "confirm": PASSWORD}
    missing = submit(client, _url(admin), fields)
    assert missing.status_code == 400 and "Ce code n'est pas valide" in text(missing)
    wrong = submit(client, _url(admin), {**fields, "code": "12345"})
    assert wrong.status_code == 400
    with runtime.unit() as deps:
        assert deps.session.get(StaffMember, admin.id).password_hash is None
    done = submit(client, _url(admin), {**fields, "code": admin.code(clock.instant)})
    assert done.status_code == 302 and done.headers["Location"] == "/staff/acme/login"


def test_the_link_works_once(client, staff) -> None:
    member = staff("evaluator", ready=False)
    done = submit(client, _url(member), {"password": PASSWORD, "confirm": PASSWORD})
    assert done.status_code == 302
    again = client.get(_url(member))
    assert again.status_code == 404
    assert "déjà utilisé ou expiré" in text(again)


def test_expired_and_unknown_links_answer_a_clear_404(client, staff, clock, runtime) -> None:
    member = staff("evaluator", ready=False)
    clock.instant += timedelta(days=7, seconds=1)
    for url in (_url(member), "/staff/setup/setup_deadbeef_nothing", "/staff/setup/junk"):
        page = client.get(url)
        assert page.status_code == 404
        assert "Ce lien d'activation est inconnu" in text(page)
    with runtime.unit() as deps:
        row = deps.session.scalar(select(StaffMember).where(StaffMember.id == member.id))
        assert row.setup_token_hash is not None  # nothing was spent


def test_a_setup_post_without_its_csrf_token_is_refused(client, staff) -> None:
    member = staff("evaluator", ready=False)
    page = client.get(_url(member))
    assert csrf_token(text(page))
    refused = client.post(_url(member), data={"password": PASSWORD, "confirm": PASSWORD})
    assert refused.status_code == 400
    assert "Le formulaire a expiré" in text(refused)
    assert client.get(_url(member)).status_code == 200  # not spent

"""CSRF on every form (the Bearer JSON APIs exempt), and the pages in French and English with
every string of the catalogs translated."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from office_support import PASSWORD, sign_in, submit, text

from core.web.i18n import LOCALES, SOURCE_DIR

ROOT = Path(__file__).resolve().parents[3]
#: Blueprints whose writes authenticate with a Bearer header (or not at all): no CSRF token.
EXEMPT = {"issuer_api", "issuer_workflow", "verifier"}


def test_a_form_post_without_its_token_is_refused(client, staff) -> None:
    member = staff("evaluator")
    fields = {"organization": "acme", "email": member.email, "password": PASSWORD}
    refused = client.post("/staff/login", data=fields)
    assert refused.status_code == 400
    assert "Le formulaire a expiré ou ne vient pas de ce site" in text(refused)
    forged = client.post("/staff/login", data={**fields, "csrf_token": "forged"})
    assert forged.status_code == 400
    assert client.get("/staff/").status_code == 302  # nobody was signed in


def test_every_write_outside_the_bearer_apis_is_protected(app) -> None:
    csrf = app.extensions["csrf"]
    writes = [
        rule
        for rule in app.url_map.iter_rules()
        if rule.methods and rule.methods & {"POST", "PUT", "PATCH", "DELETE"}
    ]
    assert writes
    for rule in writes:
        blueprint = rule.endpoint.rpartition(".")[0]
        if blueprint in EXEMPT:
            continue
        assert blueprint not in csrf._exempt_blueprints, rule
        view = app.view_functions[rule.endpoint]
        assert f"{view.__module__}.{view.__name__}" not in csrf._exempt_views, rule


def test_the_json_apis_still_work_with_a_signed_in_cookie_and_no_token(
    client, staff, acme, ada_request
) -> None:
    sign_in(client, staff("manager", org="beta"))
    issued = client.post("/api/v1/credentials", json=ada_request, headers=acme.auth)
    assert issued.status_code == 201, issued.json
    verified = client.post("/api/v1/verify", json={"credential": issued.json["credential"]})
    assert verified.status_code == 200 and verified.json["verified"] is True
    vc_api = client.post(
        "/credentials/verify", json={"verifiableCredential": issued.json["credential"]}
    )
    assert vc_api.status_code == 200
    session = client.post("/api/v1/sessions", json={}, headers=acme.auth)
    assert session.status_code in (400, 403)  # judged by the API, not refused for CSRF


def test_pages_are_french_by_default_and_english_on_request(client) -> None:
    assert "Connexion à l'espace de gestion" in text(client.get("/staff/login"))
    english = client.get("/staff/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert "Sign in to the back office" in text(english)
    assert '<html lang="en">' in text(english)
    picked = client.get("/staff/login?lang=en")
    assert "lang=en" in picked.headers["Set-Cookie"]
    assert "Sign in to the back office" in text(client.get("/staff/login"))  # it sticks
    back = text(client.get("/staff/login?lang=fr", headers={"Accept-Language": "en"}))
    assert "Connexion à l'espace de gestion" in back
    assert 'href="/staff/login?lang=en"' in back  # the switch of the layout


def test_refusals_and_field_errors_are_translated(client, staff) -> None:
    member = staff("evaluator")
    client.get("/staff/login?lang=en")
    refused = sign_in(client, member, password="not the password")
    assert "Sign-in refused: check the organization" in text(refused)
    empty = submit(client, "/staff/login", {"organization": "", "email": "", "password": ""})
    assert "This field is required." in text(empty)


def test_every_string_of_the_pages_is_in_every_catalog() -> None:
    method_map = [
        ("issuer/**.py", "python"),
        ("issuer/templates/**.html", "jinja2"),
        ("verifier/**.py", "python"),
        ("verifier/templates/**.html", "jinja2"),
    ]
    keywords = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None}
    wanted = {
        message
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, keywords=keywords
        )
    }
    assert len(wanted) > 40
    for locale in LOCALES:
        with (SOURCE_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as po:
            catalog = read_po(po)
        translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
        assert wanted <= translated, (locale, sorted(wanted - translated))

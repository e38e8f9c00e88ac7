"""core.urls: every builder's URL is served by the route that owns it, and the route map agrees."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from core import urls
from core.keys.did import did_web_document_url
from core.keys.directory import org_did

BASE = "https://certs.example.org"
ID = "3f0c1e9a-5b7d-4c2e-9a8f-0d6e4b1c2a77"


def test_the_builders_spell_the_documented_urls() -> None:
    assert urls.credential_url(BASE, ID) == f"{BASE}/c/{ID}"
    assert urls.credential_json_url(BASE, ID) == f"{BASE}/c/{ID}.json"
    assert urls.credential_jwt_url(BASE, ID) == f"{BASE}/c/{ID}.jwt"
    assert urls.credential_pdf_url(BASE, ID) == f"{BASE}/c/{ID}.pdf"
    assert urls.credential_png_url(BASE, ID) == f"{BASE}/c/{ID}.png"
    assert urls.credential_svg_url(BASE, ID) == f"{BASE}/c/{ID}.svg"
    assert urls.issuer_profile_url(BASE, "acme") == f"{BASE}/issuers/acme"
    assert urls.did_document_url(BASE, "acme") == f"{BASE}/issuers/acme/did.json"
    assert urls.achievement_url(BASE, "acme", "WLD-1") == f"{BASE}/achievements/acme/WLD-1"
    assert (
        urls.achievement_image_url(BASE, "acme", "WLD-1") == f"{BASE}/achievements/acme/WLD-1/image"
    )
    assert urls.status_list_url(BASE, "acme", 7) == f"{BASE}/status/acme/7"


def test_the_did_document_url_is_where_did_web_says_the_document_is(settings) -> None:
    did = org_did(settings, "acme")
    scheme = urlsplit(settings.base_url).scheme
    assert urls.did_document_url(settings.base_url, "acme") == did_web_document_url(
        did, scheme=scheme
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"{BASE}/status/acme/7", ("acme", 7)),
        (f"{BASE}/status/acme/x", None),
        (f"{BASE}/status/acme/7/8", None),
        (f"{BASE}/status/acme/٣", None),  # a digit, but not an ASCII one
        (f"{BASE}/issuers/acme", None),
        ("https://elsewhere.example/status/acme/7", None),
        (f"{BASE}.evil.example/status/acme/7", None),
    ],
)
def test_status_list_urls_are_read_back(url: str, expected: Any) -> None:
    assert urls.parse_status_list_url(BASE, url) == expected
    if expected is not None:
        assert urls.status_list_url(BASE, *expected) == url


def test_each_route_pattern_is_registered_by_its_view(app) -> None:
    rules = {rule.rule: rule.endpoint for rule in app.url_map.iter_rules()}
    assert {
        urls.CREDENTIAL_ROUTE: rules.get(urls.CREDENTIAL_ROUTE),
        urls.CREDENTIAL_JSON_ROUTE: rules.get(urls.CREDENTIAL_JSON_ROUTE),
        urls.CREDENTIAL_JWT_ROUTE: rules.get(urls.CREDENTIAL_JWT_ROUTE),
        urls.CREDENTIAL_PDF_ROUTE: rules.get(urls.CREDENTIAL_PDF_ROUTE),
        urls.CREDENTIAL_PNG_ROUTE: rules.get(urls.CREDENTIAL_PNG_ROUTE),
        urls.CREDENTIAL_SVG_ROUTE: rules.get(urls.CREDENTIAL_SVG_ROUTE),
        urls.ISSUER_PROFILE_ROUTE: rules.get(urls.ISSUER_PROFILE_ROUTE),
        urls.DID_DOCUMENT_ROUTE: rules.get(urls.DID_DOCUMENT_ROUTE),
        urls.ACHIEVEMENT_ROUTE: rules.get(urls.ACHIEVEMENT_ROUTE),
        urls.ACHIEVEMENT_IMAGE_ROUTE: rules.get(urls.ACHIEVEMENT_IMAGE_ROUTE),
        urls.STATUS_LIST_ROUTE: rules.get(urls.STATUS_LIST_ROUTE),
    } == {
        urls.CREDENTIAL_ROUTE: "wallet.credential",
        urls.CREDENTIAL_JSON_ROUTE: "wallet.credential_json",
        urls.CREDENTIAL_JWT_ROUTE: "wallet.credential_jwt",
        urls.CREDENTIAL_PDF_ROUTE: "wallet.credential_pdf",
        urls.CREDENTIAL_PNG_ROUTE: "wallet.credential_png",
        urls.CREDENTIAL_SVG_ROUTE: "wallet.credential_svg",
        urls.ISSUER_PROFILE_ROUTE: "issuer_public.profile",
        urls.DID_DOCUMENT_ROUTE: "issuer_public.did_json",
        urls.ACHIEVEMENT_ROUTE: "issuer_public.achievement",
        urls.ACHIEVEMENT_IMAGE_ROUTE: "issuer_public.achievement_image",
        urls.STATUS_LIST_ROUTE: "issuer_public.status_list",
    }


def test_every_builder_url_is_served(client, acme, issue, settings) -> None:
    """Issue a credential of a program, then GET every URL the builders make for it."""
    program = {"code": "WLD-1", "name": "Welding", "description": "Arc.", "criteria": "12+"}
    created = client.post("/api/v1/programs", json=program, headers=acme.auth)
    assert created.status_code == 201, created.json
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"><rect width="4"/></svg>'
    headers = {**acme.auth, "Content-Type": "image/svg+xml"}
    put = client.put("/api/v1/programs/WLD-1/image", data=svg, headers=headers)
    assert put.status_code == 200, put.json
    request = {"recipient": {"email": "ada@example.org"}, "achievement": {"code": "WLD-1"}}
    issued = issue(acme, request)
    credential = issued["credential"]
    credential_id = urlsplit(credential["id"]).path.rsplit("/", 1)[1]
    base = settings.base_url
    built = {
        "credential": urls.credential_url(base, credential_id),
        "credential_json": urls.credential_json_url(base, credential_id),
        "credential_jwt": urls.credential_jwt_url(base, credential_id),
        "credential_pdf": urls.credential_pdf_url(base, credential_id),
        "credential_png": urls.credential_png_url(base, credential_id),
        "credential_svg": urls.credential_svg_url(base, credential_id),
        "issuer_profile": urls.issuer_profile_url(base, acme.slug),
        "did_document": urls.did_document_url(base, acme.slug),
        "achievement": urls.achievement_url(base, acme.slug, "WLD-1"),
        "achievement_image": urls.achievement_image_url(base, acme.slug, "WLD-1"),
        "status_list": urls.status_list_url(base, acme.slug, 1),
    }
    # The documents carry the same URLs that the builders make.
    assert credential["id"] == built["credential"]
    assert credential["credentialSubject"]["achievement"]["id"] == built["achievement"]
    image = credential["credentialSubject"]["achievement"]["image"]
    assert image == {"id": built["achievement_image"], "type": "Image"}
    assert credential["credentialStatus"]["statusListCredential"] == built["status_list"]
    assert credential["issuer"]["url"] == built["issuer_profile"]
    assert issued["id"] == built["credential"]
    for name, url in built.items():
        assert url.startswith(f"{base}/"), name
        for accept in ("application/json", "text/html"):
            response = client.get(urlsplit(url).path, headers={"Accept": accept})
            assert response.status_code == 200, (name, url, accept, response.status_code)
    # An unknown resource under each route is a 404, not another route's answer.
    assert client.get(urlsplit(urls.status_list_url(base, acme.slug, 2)).path).status_code == 404
    missing = "00000000-0000-4000-8000-000000000000"
    assert client.get(urlsplit(urls.credential_url(base, missing)).path).status_code == 404

"""The "Documents" pages of the back office: a template previewed (an image, or the error in
red with the text kept), saved, uploaded, its versions; the legal mentions and the document
options; who may see and change what, in French and English."""

from __future__ import annotations

import base64
import copy
import io
import re
from typing import Any

import pytest
from office_support import csrf_token, sign_in, text
from PIL import Image
from sqlalchemy import select
from workflow_support import PROGRAM

from core.db.models import CertificateTemplate, Organization
from issuer.services.programs import create_program

GOOD = "<h1>{{ labels.title }}</h1><p>MARQUE-BUREAU {{ holder.name }}</p>"


@pytest.fixture
def program(runtime: Any, staff: Any) -> str:
    staff("auditor", email="reader@acme.example")  # creates the body
    with runtime.unit() as deps:
        body = deps.session.scalar(select(Organization).where(Organization.slug == "acme"))
        create_program(deps, body, copy.deepcopy(PROGRAM), actor="test")
    return "SOUD-1"


def _signed_in(app: Any, staff: Any, clock: Any, role: str, org: str = "acme") -> Any:
    client = app.test_client()
    member = staff(role, org=org, email=f"{role}@{org}.example")
    assert sign_in(client, member, at=clock.instant).status_code == 302
    return client


def _post(client: Any, page: str, action: str, data: dict[str, Any]) -> Any:
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(
        action, data={**data, "csrf_token": token}, content_type="multipart/form-data"
    )


def _versions(runtime: Any) -> list[tuple[int | None, int, bool]]:
    with runtime.unit() as deps:
        rows = deps.session.scalars(select(CertificateTemplate).order_by(CertificateTemplate.id))
        return [(r.program_id, r.version, r.active) for r in rows]


def test_a_manager_previews_then_saves_a_program_template(
    app, staff, clock, program, runtime
) -> None:
    manager = _signed_in(app, staff, clock, "manager")
    page = "/staff/programs/SOUD-1/documents"
    shown = text(manager.get(page))
    assert "Modèle de certificat" in shown and "modèle par défaut de Sceau" in shown
    assert "holder.name" in shown and "images.qr" in shown  # the variables are documented
    response = _post(
        manager, page, f"{page}/template/preview", {"html": GOOD, "css": "h1 { color: red }"}
    )
    assert response.status_code == 200
    shown = text(response)
    image = re.search(r'<img src="data:image/png;base64,([^"]+)"[^>]*id="preview-image"', shown)
    assert image is not None
    png = Image.open(io.BytesIO(base64.b64decode(image.group(1))))
    assert png.size == (910, 1287)  # A4 portrait (no @page rule), 110 dpi
    assert "MARQUE-BUREAU" in shown  # the text typed is kept in the form
    assert _versions(runtime) == []  # a preview saves nothing
    response = _post(manager, page, f"{page}/template", {"html": GOOD, "css": ""})
    assert response.status_code == 302 and response.headers["Location"] == page
    shown = text(manager.get(page))
    assert "La version 1 du modèle est enregistrée" in shown
    assert "utilisent son propre modèle, version 1" in shown
    assert len(_versions(runtime)) == 1


def test_a_broken_template_shows_its_error_and_keeps_the_text(
    app, staff, clock, program, runtime
) -> None:
    manager = _signed_in(app, staff, clock, "manager")
    page = "/staff/programs/SOUD-1/documents"
    assert _post(manager, page, f"{page}/template", {"html": GOOD}).status_code == 302
    broken = "<p>\n{% for x in %}</p>"
    for action in ("template/preview", "template"):
        response = _post(manager, page, f"{page}/{action}", {"html": broken, "css": "p {}"})
        assert response.status_code == 422
        shown = text(response)
        error = re.search(
            r'<p class="flash error" role="alert" id="template-error">(.*?)</p>', shown, re.S
        )
        assert error is not None and "Modèle HTML, ligne 2" in error.group(1)
        assert "{% for x in %}" in shown  # what was typed is still there to fix
    pages = '{% for i in range(5) %}<p style="break-after: page">{{ i }}</p>{% endfor %}'
    response = _post(manager, page, f"{page}/template", {"html": pages})
    assert "Le modèle fait 5 pages : un certificat en a 2 au plus." in text(response)
    response = _post(manager, page, f"{page}/template", {"html": '<img src="file:///etc/passwd">'})
    assert "'file:///etc/passwd' est refusée" in text(response)
    response = _post(manager, page, f"{page}/template", {"html": "", "css": "p {}"})
    assert response.status_code == 422
    assert "HTML (Jinja): obligatoire" in text(response)
    assert [(v, a) for _p, v, a in _versions(runtime)] == [(1, True)]


def test_template_files_are_uploaded(app, staff, clock, program, runtime) -> None:
    manager = _signed_in(app, staff, clock, "manager")
    page = "/staff/documents"
    files = {
        "html": "",
        "css": "",
        "html_file": (io.BytesIO(GOOD.encode()), "certificat.html"),
        "css_file": (io.BytesIO(b"\xef\xbb\xbfh1 { color: navy }"), "certificat.css"),
    }
    response = _post(manager, page, f"{page}/template", files)
    assert response.status_code == 302
    with runtime.unit() as deps:
        row = deps.session.scalar(select(CertificateTemplate))
        assert row is not None and row.program_id is None
        assert (row.html, row.css) == (GOOD, "h1 { color: navy }")
    for name, data, message in (
        ("certificat.pdf", b"<p>x</p>", "un fichier nommé .html or .htm"),
        ("certificat.html", b"\xff\xfe<p>", "un fichier texte UTF-8"),
        ("certificat.html", b"x" * (256 * 1024 + 1), "256 Kio au plus"),
    ):
        response = _post(manager, page, f"{page}/template", {"html_file": (io.BytesIO(data), name)})
        assert response.status_code == 422, name
        assert message in text(response), name
    assert len(_versions(runtime)) == 1


def test_versions_are_activated_and_the_default_comes_back(
    app, staff, clock, program, runtime
) -> None:
    manager = _signed_in(app, staff, clock, "manager")
    page = "/staff/programs/SOUD-1/documents"
    for marker in ("UN", "DEUX"):
        assert (
            _post(manager, page, f"{page}/template", {"html": f"<p>{marker}</p>"}).status_code
            == 302
        )
    response = _post(manager, page, f"{page}/template/versions/1/activate", {})
    assert response.status_code == 302
    assert "La version 1 du modèle est de nouveau active." in text(manager.get(page))
    assert [(v, a) for _p, v, a in _versions(runtime)] == [(1, True), (2, False)]
    response = _post(manager, page, f"{page}/template/default", {})
    assert response.status_code == 302
    shown = text(manager.get(page))
    assert "utilisent le modèle de l'organisme" in shown
    assert "modèle par défaut de Sceau" in shown
    assert [a for _p, _v, a in _versions(runtime)] == [False, False]


def test_an_admin_edits_the_legal_mentions(app, staff, clock, program) -> None:
    admin = _signed_in(app, staff, clock, "admin")
    page = "/staff/documents"
    mentions = {
        "legal_name": "Acme SAS",
        "siret": "73282932000075",
        "nda": "11755432175",
        "address": "Lyon",
        "signatory_name": "Claire Dupont",
        "signatory_role": "Directrice",
        "language": "fr",
    }
    refused = _post(admin, page, f"{page}/mentions", mentions)
    assert refused.status_code == 400
    assert "numéro SIRET non valide : sa clé de contrôle est fausse" in text(refused)
    assert 'value="Claire Dupont"' in text(refused)  # what was typed stays
    saved = _post(admin, page, f"{page}/mentions", {**mentions, "siret": "73282932000074"})
    assert saved.status_code == 302
    shown = text(admin.get(page))
    assert "Les mentions légales sont enregistrées." in shown
    assert 'value="73282932000074"' in shown
    assert 'href="/staff/programs/SOUD-1/documents"' in shown  # the programs are listed


def test_a_manager_sets_the_document_options(app, staff, clock, program) -> None:
    manager = _signed_in(app, staff, clock, "manager")
    page = "/staff/programs/SOUD-1/documents"
    options = {
        "language": "en",
        "show_results": "",
        "level": "5",
        "framework": "RS",
        "code": "RNCP1234",
    }
    refused = _post(manager, page, f"{page}/options", options)
    assert refused.status_code == 400
    assert "un code RS, par exemple RS34567" in text(refused)
    saved = _post(manager, page, f"{page}/options", {**options, "code": "RS5678"})
    assert saved.status_code == 302
    shown = text(manager.get(page))
    assert "Les options des documents sont enregistrées." in shown
    assert 'value="RS5678"' in shown
    # A manager reads the body's mentions but may not change them.
    body_page = text(manager.get("/staff/documents"))
    assert 'id="mentions-facts"' in body_page and 'id="mentions-form"' not in body_page
    assert (
        manager.post(
            "/staff/documents/mentions", data={"csrf_token": csrf_token(body_page)}
        ).status_code
        == 403
    )


@pytest.mark.parametrize("role", ["evaluator", "signatory", "auditor"])
def test_other_roles_read_the_documents_but_change_nothing(
    app, staff, clock, program, role
) -> None:
    member = _signed_in(app, staff, clock, role)
    page = "/staff/programs/SOUD-1/documents"
    shown = text(member.get(page))
    assert 'id="template-form"' not in shown and 'id="options-form"' not in shown
    assert 'id="template-html"' in shown
    token = csrf_token(text(member.get("/staff/documents")))
    for action in (
        "template/preview",
        "template",
        "template/default",
        "template/versions/1/activate",
        "options",
    ):
        response = member.post(f"{page}/{action}", data={"csrf_token": token, "html": GOOD})
        assert response.status_code == 403, action
    for action in ("template", "mentions"):
        response = member.post(
            f"/staff/documents/{action}", data={"csrf_token": token, "html": GOOD}
        )
        assert response.status_code == 403, action


def test_another_bodys_program_page_is_404(app, staff, clock, program) -> None:
    other = _signed_in(app, staff, clock, "manager", org="globex")
    assert other.get("/staff/programs/SOUD-1/documents").status_code == 404
    token = csrf_token(text(other.get("/staff/documents")))
    for action in (
        "template/preview",
        "template",
        "template/default",
        "template/versions/1/activate",
        "options",
    ):
        response = other.post(
            f"/staff/programs/SOUD-1/documents/{action}", data={"csrf_token": token, "html": GOOD}
        )
        assert response.status_code == 404, action
    assert "SOUD-1" not in text(other.get("/staff/documents"))


def test_posts_without_their_token_are_refused(app, staff, clock, program, runtime) -> None:
    manager = _signed_in(app, staff, clock, "manager")
    response = manager.post("/staff/programs/SOUD-1/documents/template", data={"html": GOOD})
    assert response.status_code == 400
    assert _versions(runtime) == []


def test_the_pages_speak_english(app, staff, clock, program) -> None:
    manager = _signed_in(app, staff, clock, "manager")
    page = "/staff/programs/SOUD-1/documents?lang=en"
    shown = text(manager.get(page))
    assert "Certificate template" in shown and "Document options" in shown
    assert "Variables a template may use" in shown
    response = _post(
        manager, page, "/staff/programs/SOUD-1/documents/template", {"html": "{{ x.y }}"}
    )
    assert "HTML template: 'x' is undefined" in text(response)

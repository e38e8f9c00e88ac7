"""Certificate templates through the API: a saved template makes the next certificates, a broken
or hostile one is refused with the reason and never used, versions come back, and the body's
legal mentions and the program's options show on the PDF."""

from __future__ import annotations

import io
import time
from typing import Any

import pytest
from documents_support import page_texts
from PIL import Image
from sqlalchemy import select

from core.db.models import AuditEvent
from core.documents.template_check import TIMEOUT_SECONDS

PROGRAM_TEMPLATE = "/api/v1/programs/SOUD-1/template"
BODY_TEMPLATE = "/api/v1/organization/template"
MARKED = "<h1>{{{{ labels.title }}}}</h1><p>{marker} {{{{ holder.name }}}}</p>"


def _template(marker: str) -> dict[str, str]:
    return {"html": MARKED.format(marker=marker), "css": "h1 { color: #123456; }"}


@pytest.fixture
def soud(workflow: Any) -> Any:
    workflow.program()
    return workflow


def _issue(client: Any, body: Any, program: str | None = "SOUD-1") -> str:
    achievement: dict[str, Any] = (
        {"code": program}
        if program
        else {"name": "Hors programme", "description": "d", "criteria": "c"}
    )
    response = client.post(
        "/api/v1/credentials",
        json={
            "recipient": {"email": "ada@example.org", "name": "Ada Lovelace"},
            "achievement": achievement,
            "results": [{"name": "Épreuve pratique", "value": "15", "valueMax": "20"}],
        },
        headers=body.auth("api_key"),
    )
    assert response.status_code == 201, response.json
    return str(response.json["id"].rsplit("/", 1)[1])


def _text(client: Any, uuid: str) -> str:
    response = client.get(f"/c/{uuid}.pdf")
    assert response.status_code == 200, response.data[:300]
    return "\n".join(page_texts(bytes(response.data)))


def _put(client: Any, body: Any, url: str, template: dict[str, str], who: str = "manager") -> Any:
    return client.put(url, json=template, headers=body.auth(who))


def test_a_saved_template_makes_the_next_certificates_not_the_archived_ones(
    client, soud, body
) -> None:
    before = _issue(client, body)
    assert "Décerné à" in _text(client, before)  # the default template, now archived
    response = _put(client, body, PROGRAM_TEMPLATE, _template("MARQUE-SOUD"))
    assert response.status_code == 200, response.json
    assert response.json["source"] == "program" and response.json["version"] == 1
    after = _issue(client, body)
    text = _text(client, after)
    assert "MARQUE-SOUD Ada Lovelace" in text and "Certificat" in text
    assert "MARQUE-SOUD" not in _text(client, before)  # a certificate, once made, stays


def test_the_program_template_wins_over_the_bodys_which_wins_over_the_default(
    client, soud, body
) -> None:
    assert _put(client, body, BODY_TEMPLATE, _template("MARQUE-CORPS")).status_code == 200
    summary = client.get(PROGRAM_TEMPLATE, headers=body.auth("auditor")).json
    assert summary["source"] == "organization" and "MARQUE-CORPS" in summary["html"]
    assert "MARQUE-CORPS" in _text(client, _issue(client, body))
    assert "MARQUE-CORPS" in _text(client, _issue(client, body, program=None))
    assert _put(client, body, PROGRAM_TEMPLATE, _template("MARQUE-SOUD")).status_code == 200
    assert "MARQUE-SOUD" in _text(client, _issue(client, body))
    assert "MARQUE-CORPS" in _text(client, _issue(client, body, program=None))


BROKEN = {
    "syntax": ("<p>\n{% if %}</p>", "HTML template, line 2: "),
    "python": ("{{ ''.__class__.__mro__ }}", "may not use names that start with _"),
    "attr filter": ("{{ ''|attr('__class__') }}", "'__class__' is refused"),
    "loopback": ('<img src="http://127.0.0.1:9/">', "'http://127.0.0.1:9/' is refused"),
    "local file": ('<img src="file:///etc/passwd">', "'file:///etc/passwd' is refused"),
    "css import": ("<style>@import url(file:///etc/passwd);</style><p>x</p>", "is refused"),
    "fifty pages": (
        '{% for i in range(50) %}<p style="break-after: page">{{ i }}</p>{% endfor %}',
        "the template makes 50 pages: a certificate has 2 at most",
    ),
    "undefined": ("{{ nothing.here }}", "'nothing' is undefined"),
    "memory": ("{{ 'x' * 2000000000 }}", "more memory"),
}


def test_broken_templates_are_refused_with_the_reason_and_the_previous_one_stays(
    client, soud, body, runtime
) -> None:
    assert _put(client, body, PROGRAM_TEMPLATE, _template("BONNE-VERSION")).status_code == 200
    for name, (html, expected) in BROKEN.items():
        for method, url in (("PUT", PROGRAM_TEMPLATE), ("POST", f"{PROGRAM_TEMPLATE}/preview")):
            response = client.open(
                url, method=method, json={"html": html}, headers=body.auth("manager")
            )
            assert response.status_code == 422, (name, url, response.data[:200])
            error = response.json["error"]
            assert error["code"] == "template_error", name
            assert expected in error["message"], (name, error["message"])
    css = client.put(
        PROGRAM_TEMPLATE,
        json={"html": "<p>x</p>", "css": "p { background: url(http://127.0.0.1:9/x.png) }"},
        headers=body.auth("manager"),
    )
    assert css.status_code == 422 and "is refused" in css.json["error"]["message"]
    summary = client.get(PROGRAM_TEMPLATE, headers=body.auth("manager")).json
    assert [(v["version"], v["active"]) for v in summary["versions"]] == [(1, True)]
    assert "BONNE-VERSION Ada Lovelace" in _text(client, _issue(client, body))
    with runtime.unit() as deps:
        saves = deps.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("template.%"))
        ).all()
    assert saves == ["template.save"]  # refusals store nothing, audit nothing


def test_a_cpu_bomb_is_stopped_within_the_limit_and_the_server_goes_on(client, soud, body) -> None:
    # Loops that print nothing: only time stops them (printing would hit the memory limit first).
    bomb = "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}"
    started = time.monotonic()
    response = client.post(
        f"{PROGRAM_TEMPLATE}/preview", json={"html": bomb}, headers=body.auth("manager")
    )
    elapsed = time.monotonic() - started
    assert response.status_code == 422
    assert response.json["error"]["code"] == "template_error"
    assert f"more than {TIMEOUT_SECONDS} s" in response.json["error"]["message"]
    assert elapsed < TIMEOUT_SECONDS + 15  # stopped at the limit, not after the loops
    started = time.monotonic()
    assert _put(client, body, PROGRAM_TEMPLATE, {"html": bomb}).status_code == 422
    assert time.monotonic() - started < TIMEOUT_SECONDS + 15
    # The process that served the bomb answers the next request normally.
    good = client.post(
        f"{PROGRAM_TEMPLATE}/preview", json=_template("APRES"), headers=body.auth("manager")
    )
    assert good.status_code == 200 and good.data.startswith(b"\x89PNG")
    assert client.get(PROGRAM_TEMPLATE, headers=body.auth("manager")).json["versions"] == []


def test_the_preview_is_the_first_page_as_a_bounded_png(client, soud, body) -> None:
    response = client.post(
        f"{PROGRAM_TEMPLATE}/preview",
        json={
            "html": "<p>1</p><p style='break-before: page'>2</p>",
            "css": "@page { size: 2000mm }",
        },
        headers=body.auth("manager"),
    )
    assert response.status_code == 200, response.data[:200]
    assert response.content_type == "image/png"
    assert response.headers["Sceau-Template-Pages"] == "2"
    assert response.headers["Cache-Control"] == "no-store"
    image = Image.open(io.BytesIO(response.data))
    assert max(image.size) <= 1600  # a huge page is scaled down, never a huge image
    current = client.get(PROGRAM_TEMPLATE, headers=body.auth("manager")).json
    assert current["source"] == "default"
    default = client.post(
        f"{PROGRAM_TEMPLATE}/preview",
        json={"html": current["html"], "css": current["css"]},
        headers=body.auth("manager"),
    )
    assert default.status_code == 200
    assert Image.open(io.BytesIO(default.data)).size == (1287, 910)  # A4 landscape, 110 dpi


def test_template_inputs_are_checked_before_rendering(client, soud, body) -> None:
    auth = body.auth("manager")
    cases = [
        ({"css": "p {}"}, 400, "invalid_request"),
        ({"html": ""}, 400, "invalid_request"),
        ({"html": "<p>x</p>", "js": "alert(1)"}, 400, "invalid_request"),
        ({"html": "<p>\x00</p>"}, 400, "invalid_input"),
        ({"html": "é" * (128 * 1024 + 1)}, 413, "payload_too_large"),
        ({"html": "<p>x</p>", "css": 12}, 400, "invalid_request"),
    ]
    for payload, status, code in cases:
        response = client.put(PROGRAM_TEMPLATE, json=payload, headers=auth)
        assert (response.status_code, response.json["error"]["code"]) == (status, code), payload
    assert client.get(PROGRAM_TEMPLATE, headers=auth).json["versions"] == []


def test_versions_come_back_and_back_to_default(client, soud, body, runtime) -> None:
    auth = body.auth("manager")
    assert _put(client, body, PROGRAM_TEMPLATE, _template("VERSION-UN")).status_code == 200
    assert _put(client, body, PROGRAM_TEMPLATE, _template("VERSION-DEUX")).status_code == 200
    response = client.post(f"{PROGRAM_TEMPLATE}/versions/1/activate", headers=auth)
    assert response.status_code == 200
    assert [(v["version"], v["active"]) for v in response.json["versions"]] == [
        (2, False),
        (1, True),
    ]
    assert response.json["version"] == 1 and "VERSION-UN" in response.json["html"]
    assert "VERSION-UN" in _text(client, _issue(client, body))
    assert client.post(f"{PROGRAM_TEMPLATE}/versions/9/activate", headers=auth).status_code == 404
    response = client.delete(PROGRAM_TEMPLATE, headers=auth)
    assert response.status_code == 200
    assert response.json["source"] == "default" and response.json["version"] is None
    assert not any(v["active"] for v in response.json["versions"])
    assert "Décerné à" in _text(client, _issue(client, body))
    with runtime.unit() as deps:
        events = deps.session.execute(
            select(AuditEvent.action, AuditEvent.subject, AuditEvent.actor).where(
                AuditEvent.action.like("template.%")
            )
        ).all()
    assert [e.action for e in events] == [
        "template.save",
        "template.save",
        "template.activate",
        "template.default",
    ]
    assert {e.subject for e in events} == {"acme/SOUD-1"}
    assert {e.actor for e in events} == {"staff:manager@acme.example"}


def test_a_template_that_turns_into_a_bomb_on_real_data_is_stopped_too(client, soud, body) -> None:
    """Found by the red team: a template cheap on the check's sample data and costly on a real
    credential ran unbounded in the web worker (16 s, 3 GB)."""
    sample = "00000000-0000-4000-8000-000000000000"
    branching = (
        f"{{% set n = 1 if certificate.number == '{sample}' else 30000 %}}"
        "{% for a in range(n) %}{% for b in range(100000) %}{% endfor %}{% endfor %}"
        "<p>{{ holder.name }}</p>"
    )
    memory = (
        f"{{% set n = 1 if certificate.number == '{sample}' else 1500000000 %}}"
        "{% set s = 'a' * n %}{{ (s ~ 'b')|length }}"
    )
    for html in (branching, memory):
        assert _put(client, body, PROGRAM_TEMPLATE, {"html": html}).status_code == 200
        uuid = _issue(client, body)
        started = time.monotonic()
        response = client.get(f"/c/{uuid}.pdf")
        assert response.status_code == 503, response.data[:200]
        assert b"template" not in response.data.lower()  # the public is not told why
        assert time.monotonic() - started < TIMEOUT_SECONDS + 15
    # The server goes on: a credential of the default template still gets its PDF.
    assert client.get(f"/c/{_issue(client, body, program=None)}.pdf").status_code == 200

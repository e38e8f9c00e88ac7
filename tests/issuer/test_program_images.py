"""PUT /api/v1/programs/<code>/image, the public image, and the image on the achievement."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import func, select
from workflow_support import PROGRAM, make_body

from core.credentials.schema import schema_problems
from core.db.models import AuditEvent, Document
from core.db.models.document import PROGRAM_IMAGE

IMAGE_URL = "/api/v1/programs/SOUD-1/image"
PUBLIC_URL = "/achievements/acme/SOUD-1/image"
SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100">'
    b'<rect width="200" height="100" fill="#084"/></svg>'
)


def png(size: tuple[int, int] = (96, 96), colour: str = "#c03") -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, colour).save(out, "PNG")
    return out.getvalue()


def put_image(client: Any, headers: dict[str, str], data: bytes, media_type: str) -> Any:
    return client.put(IMAGE_URL, data=data, headers={**headers, "Content-Type": media_type})


def _images(runtime: Any) -> int:
    with runtime.unit() as deps:
        return int(
            deps.session.scalar(
                select(func.count()).select_from(Document).where(Document.kind == PROGRAM_IMAGE)
            )
        )


# --- who may set it (the attacks first) -------------------------------------------------------


def test_another_body_cannot_set_or_see_this_bodys_program_image(
    client, workflow, body, runtime
) -> None:
    workflow.program()
    other = make_body(runtime, "other")
    for who in ("api_key", "manager", "admin"):
        response = put_image(client, other.auth(who), png(), "image/png")
        assert response.status_code == 404, response.json
        assert response.json["error"]["code"] == "unknown_program"
    assert _images(runtime) == 0
    # Its own program of the same code is another program: this body's image stays unset.
    client.post("/api/v1/programs", json=PROGRAM, headers=other.auth("api_key"))
    assert put_image(client, other.auth("api_key"), png(), "image/png").status_code == 200
    assert client.get(PUBLIC_URL).status_code == 404
    assert client.get("/achievements/other/SOUD-1/image").status_code == 200


@pytest.mark.parametrize(
    ("who", "status"),
    [("evaluator", 403), ("auditor", 403), ("signatory", 403), ("manager", 200), ("admin", 200)],
)
def test_only_program_managers_may_set_it(client, workflow, body, who: str, status: int) -> None:
    workflow.program()
    assert put_image(client, body.auth(who), png(), "image/png").status_code == status


def test_without_a_token_it_is_401(client, workflow) -> None:
    workflow.program()
    assert put_image(client, {}, png(), "image/png").status_code == 401


def test_an_unknown_program_is_404(client, body) -> None:
    response = put_image(client, body.auth("api_key"), png(), "image/png")
    assert response.status_code == 404


# --- what is stored and served ----------------------------------------------------------------


def test_the_image_is_served_publicly_with_its_etag(client, workflow, body, runtime) -> None:
    workflow.program()
    response = put_image(client, body.auth("api_key"), png(), "image/png")
    assert response.status_code == 200, response.json
    answer = response.json
    assert answer["image"] == {"id": f"http://{_host(client)}{PUBLIC_URL}", "type": "Image"}
    assert (answer["mediaType"], answer["width"], answer["height"]) == ("image/png", 96, 96)

    served = client.get(PUBLIC_URL)
    assert served.status_code == 200 and served.content_type == "image/png"
    assert hashlib.sha256(served.data).hexdigest() == answer["sha256"] == served.get_etag()[0]
    assert Image.open(io.BytesIO(served.data)).tobytes() == Image.open(io.BytesIO(png())).tobytes()
    assert served.headers["Cache-Control"] == "public, max-age=300"
    assert served.headers["Access-Control-Allow-Origin"] == "*"
    assert "sandbox" in served.headers["Content-Security-Policy"]
    again = client.get(PUBLIC_URL, headers={"If-None-Match": f'"{answer["sha256"]}"'})
    assert again.status_code == 304 and again.data == b""

    with runtime.unit() as deps:
        event = deps.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "program.image")
        ).one()
        assert event.subject == "acme/SOUD-1" and event.data["sha256"] == answer["sha256"]


def test_the_newest_image_is_the_programs_even_within_one_second(client, workflow, body) -> None:
    workflow.program()
    for data, media_type in (
        (png(), "image/png"),
        (SVG, "image/svg+xml"),
        (png(colour="#00f"), "image/png"),
    ):
        assert put_image(client, body.auth("manager"), data, media_type).status_code == 200
    served = client.get(PUBLIC_URL)
    assert served.content_type == "image/png"
    assert Image.open(io.BytesIO(served.data)).getpixel((0, 0)) == (0, 0, 255, 255)
    assert put_image(client, body.auth("manager"), SVG, "image/svg+xml").status_code == 200
    svg = client.get(PUBLIC_URL)
    assert (svg.content_type, svg.data) == ("image/svg+xml", SVG)


def test_no_image_no_public_image(client, workflow) -> None:
    workflow.program()
    assert client.get(PUBLIC_URL).status_code == 404
    assert client.get("/achievements/nobody/SOUD-1/image").status_code == 404
    assert client.get("/achievements/acme/NOPE/image").status_code == 404


def _host(client: Any) -> str:
    return client.application.extensions["sceau"]["settings"].base_url.split("//", 1)[1]


# --- the achievement --------------------------------------------------------------------------


def test_credentials_issued_after_carry_the_image_and_stay_valid(
    client, workflow, body, settings
) -> None:
    workflow.program()
    request = {"recipient": {"email": "ada@example.org"}, "achievement": {"code": "SOUD-1"}}
    before = client.post("/api/v1/credentials", json=request, headers=body.auth("api_key")).json
    assert "image" not in before["credential"]["credentialSubject"]["achievement"]

    assert put_image(client, body.auth("api_key"), SVG, "image/svg+xml").status_code == 200
    image = {"id": f"{settings.base_url}{PUBLIC_URL}", "type": "Image"}
    after = client.post("/api/v1/credentials", json=request, headers=body.auth("api_key"))
    assert after.status_code == 201, after.json
    credential = after.json["credential"]
    assert credential["credentialSubject"]["achievement"]["image"] == image
    assert schema_problems(credential) == []
    report = client.post("/api/v1/verify", json={"credential": credential}).json
    assert report["verified"] is True, report  # the context step is strict (safe mode)

    # The program's achievement, public and through the API, shows it too.
    public = client.get("/achievements/acme/SOUD-1", headers={"Accept": "application/json"})
    assert public.json["image"] == image
    page = client.get("/achievements/acme/SOUD-1", headers={"Accept": "text/html"})
    assert f'<img src="{image["id"]}"' in page.get_data(as_text=True)
    summary = client.get("/api/v1/programs/SOUD-1", headers=body.auth("api_key")).json
    assert summary["achievement"]["image"] == image


def test_an_uploaded_image_takes_the_place_of_one_the_definition_names(
    client, workflow, body, settings
) -> None:
    named = {"id": "https://cdn.example/badge.png", "type": "Image", "caption": "Badge"}
    workflow.program(image=named)
    request = {"recipient": {"email": "ada@example.org"}, "achievement": {"code": "SOUD-1"}}
    issued = client.post("/api/v1/credentials", json=request, headers=body.auth("api_key")).json
    assert issued["credential"]["credentialSubject"]["achievement"]["image"] == named
    put_image(client, body.auth("api_key"), png(), "image/png")
    issued = client.post("/api/v1/credentials", json=request, headers=body.auth("api_key")).json
    achievement = issued["credential"]["credentialSubject"]["achievement"]
    assert achievement["image"] == {"id": f"{settings.base_url}{PUBLIC_URL}", "type": "Image"}


# --- bad images -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "media_type", "status", "code"),
    [
        (png(), "text/plain", 400, "unsupported_media_type"),
        (png(), "application/json", 400, "unsupported_media_type"),
        (b"", "image/png", 400, "empty_body"),
        (SVG, "image/png", 400, "invalid_image"),
        (png(), "image/svg+xml", 400, "invalid_image"),
        (png((2100, 8)), "image/png", 400, "invalid_image"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 30, "image/png", 400, "invalid_image"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1" onload="alert(1)"/>',
            "image/svg+xml",
            400,
            "invalid_image",
        ),
        (
            b'<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1">&x;</svg>',
            "image/svg+xml",
            400,
            "invalid_image",
        ),
        (b"x" * ((1 << 20) + 1), "image/png", 413, "payload_too_large"),
    ],
)
def test_bad_images_are_refused_with_a_clear_error(
    client, workflow, body, runtime, data: bytes, media_type: str, status: int, code: str
) -> None:
    workflow.program()
    response = put_image(client, body.auth("manager"), data, media_type)
    assert response.status_code == status, response.json
    assert response.json["error"]["code"] == code
    assert response.json["error"]["message"]
    assert _images(runtime) == 0

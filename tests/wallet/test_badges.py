"""GET /c/<uuid>.png and .svg: the badge with the credential baked in, archived once."""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select

from core.db.models import Credential, Document
from core.db.models.document import BADGE_PNG, BADGE_SVG
from core.documents.archive import archive_store
from core.documents.badges import badge_png
from core.documents.baking import unbake_png, unbake_svg
from core.documents.png import encode_chunk, read_chunks

UNBAKE = {"png": unbake_png, "svg": unbake_svg}
MEDIA = {"png": "image/png", "svg": "image/svg+xml"}


def _path(issued: dict[str, Any]) -> str:
    return "/" + issued["id"].split("/", 3)[3]


def _verify_text(client: Any, text: str) -> dict[str, Any]:
    """POST the unbaked text to the verifier as it is, byte for byte."""
    body = '{"credential": ' + text + "}"
    response = client.post("/api/v1/verify", data=body.encode(), content_type="application/json")
    assert response.status_code == 200, response.json
    return dict(response.json)


def _steps(report: dict[str, Any]) -> dict[str, str]:
    return {s["id"]: s["code"] for s in report["steps"]}


@pytest.mark.parametrize("extension", ["png", "svg"])
def test_the_baked_credential_is_the_served_json_and_verifies(
    client, acme, issue, ada_request, extension: str
) -> None:
    path = _path(issue(acme, ada_request))
    response = client.get(f"{path}.{extension}")
    assert response.status_code == 200
    assert response.content_type == MEDIA[extension]
    served = client.get(f"{path}.json").get_data(as_text=True)
    text = UNBAKE[extension](response.data)
    assert text == served  # byte-identical to /c/<uuid>.json
    report = _verify_text(client, text)
    assert report["verified"] is True, report


def test_the_default_badge_is_used_without_a_program(client, acme, issue, ada_request) -> None:
    path = _path(issue(acme, ada_request))
    image = Image.open(io.BytesIO(client.get(f"{path}.png").data))
    assert (image.size, image.mode) == ((512, 512), "RGBA")
    svg = client.get(f"{path}.svg").get_data(as_text=True)
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert ">AC</text>" in svg and ">Acme Certification</text>" in svg


def _tamper_png(data: bytes, old: bytes, new: bytes) -> bytes:
    """Replace bytes inside the credential chunk and give it a right CRC: a valid PNG whose
    credential is no longer the one signed."""
    chunk = next(c for c in read_chunks(data, len(data)) if c.type == b"iTXt")
    payload = data[chunk.data_start : chunk.data_end]
    assert payload.count(old) == 1
    return (
        data[: chunk.start] + encode_chunk(b"iTXt", payload.replace(old, new)) + data[chunk.end :]
    )


def test_one_changed_byte_in_the_baked_json_fails_verification(
    client, acme, issue, ada_request
) -> None:
    path = _path(issue(acme, ada_request))
    png = client.get(f"{path}.png").data
    tampered = _tamper_png(png, b'"value": "15"', b'"value": "19"')
    assert unbake_png(tampered) is not None
    report = _verify_text(client, unbake_png(tampered) or "")
    assert report["verified"] is False and _steps(report)["proof"] == "invalid_signature"

    svg = client.get(f"{path}.svg").data
    assert svg.count(b"Welding, level 1") == 2  # the name, and the achievement's name
    forged = svg.replace(b'"Welding, level 1"', b'"Welding, level 2"', 1)
    report = _verify_text(client, unbake_svg(forged) or "")
    assert report["verified"] is False and _steps(report)["proof"] == "invalid_signature"


# --- archived once, served from the archive ---------------------------------------------------


def _documents(runtime: Any, kind: str) -> list[Document]:
    with runtime.unit() as deps:
        return list(deps.session.scalars(select(Document).where(Document.kind == kind)))


def test_the_badge_is_made_once_and_then_served_as_archived(
    client, acme, issue, ada_request, runtime, settings
) -> None:
    path = _path(issue(acme, ada_request))
    first = client.get(f"{path}.png")
    assert _documents(runtime, BADGE_SVG) == []  # each format is made when asked for
    (document,) = _documents(runtime, BADGE_PNG)
    assert document.credential_id == path.rsplit("/", 1)[1]
    assert (document.media_type, document.size) == ("image/png", len(first.data))
    assert first.get_etag() == (document.sha256, False)
    assert first.headers["Cache-Control"] == "public, max-age=86400, immutable"
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    assert first.headers["Content-Disposition"].endswith(f'badge-{document.credential_id}.png"')

    again = client.get(f"{path}.png")
    assert again.data == first.data and len(_documents(runtime, BADGE_PNG)) == 1
    cached = client.get(f"{path}.png", headers={"If-None-Match": f'"{document.sha256}"'})
    assert cached.status_code == 304 and cached.data == b""

    # What is served is what the archive holds, checked against its SHA-256.
    stored = Path(settings.archive_dir) / document.storage_key
    assert stored.read_bytes() == first.data
    stored.write_bytes(first.data[:-1] + b"\x00")
    broken = client.get(f"{path}.png")
    assert broken.status_code == 500 and broken.content_type == "application/json"
    stored.write_bytes(first.data)


def test_a_revoked_credentials_badge_is_still_served(client, acme, issue, ada_request) -> None:
    issued = issue(acme, ada_request)
    path = _path(issued)
    uuid = path.rsplit("/", 1)[1]
    revoked = client.post(
        f"/api/v1/credentials/{uuid}/revoke", json={"reason": "fraud"}, headers=acme.auth
    )
    assert revoked.status_code == 200
    response = client.get(f"{path}.svg")
    assert response.status_code == 200
    report = _verify_text(client, unbake_svg(response.data) or "")
    assert report["verified"] is False and _steps(report)["status"] == "revoked"


def test_unknown_credentials_have_no_badge(client, acme, issue, ada_request) -> None:
    issue(acme, ada_request)
    missing = "00000000-0000-4000-8000-000000000000"
    for extension in ("png", "svg"):
        assert client.get(f"/c/{missing}.{extension}").status_code == 404
    assert client.get("/c/not-a-uuid.png").status_code == 404
    assert client.get(f"/c/{missing}.gif").status_code == 404


# --- the program's image ----------------------------------------------------------------------


def _program_credential(client: Any, acme: Any, image: bytes, media_type: str) -> str:
    program = {"code": "WLD-1", "name": "Welding", "description": "Arc.", "criteria": "12+"}
    assert client.post("/api/v1/programs", json=program, headers=acme.auth).status_code == 201
    put = client.put(
        "/api/v1/programs/WLD-1/image",
        data=image,
        headers={**acme.auth, "Content-Type": media_type},
    )
    assert put.status_code == 200, put.json
    request = {"recipient": {"email": "ada@example.org"}, "achievement": {"code": "WLD-1"}}
    issued = client.post("/api/v1/credentials", json=request, headers=acme.auth)
    assert issued.status_code == 201, issued.json
    return _path(issued.json)


def test_a_png_program_image_is_the_badge(client, acme) -> None:
    out = io.BytesIO()
    Image.new("RGB", (120, 80), "#2a7").save(out, "PNG")
    path = _program_credential(client, acme, out.getvalue(), "image/png")
    baked = Image.open(io.BytesIO(client.get(f"{path}.png").data))
    assert baked.size == (120, 80) and baked.getpixel((5, 5)) == (0x22, 0xAA, 0x77)
    svg = client.get(f"{path}.svg").get_data(as_text=True)
    assert 'viewBox="0 0 120 80"' in svg and "data:image/png;base64," in svg
    assert unbake_svg(svg.encode()) == client.get(f"{path}.json").get_data(as_text=True)

    # The archived badge never changes, whatever happens to the program's image later.
    before = client.get(f"{path}.png").data
    other = io.BytesIO()
    Image.new("RGB", (50, 50), "#000").save(other, "PNG")
    client.put(
        "/api/v1/programs/WLD-1/image",
        data=other.getvalue(),
        headers={**acme.auth, "Content-Type": "image/png"},
    )
    assert client.get(f"{path}.png").data == before


def test_an_svg_program_image_is_the_badge(client, acme) -> None:
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 150">'
        b'<rect width="300" height="150" fill="#f80"/></svg>'
    )
    path = _program_credential(client, acme, svg, "image/svg+xml")
    baked = client.get(f"{path}.svg").data
    assert baked.startswith(b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 150" ')
    assert baked.endswith(b'<rect width="300" height="150" fill="#f80"/></svg>')
    png = Image.open(io.BytesIO(client.get(f"{path}.png").data))
    assert png.size == (512, 256) and png.getpixel((256, 128)) == (255, 0x88, 0, 255)


# --- two first requests at once ---------------------------------------------------------------


def test_two_first_requests_at_once_answer_the_same_bytes(
    app, client, acme, issue, ada_request, runtime
) -> None:
    path = _path(issue(acme, ada_request))
    barrier = threading.Barrier(4)
    answers: list[Any] = []

    def fetch(extension: str) -> None:
        barrier.wait()
        response = app.test_client().get(f"{path}.{extension}")
        answers.append((extension, response.status_code, response.data))

    threads = [threading.Thread(target=fetch, args=(e,)) for e in ("png", "png", "svg", "svg")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(a[:2] for a in answers) == [("png", 200)] * 2 + [("svg", 200)] * 2
    for extension in ("png", "svg"):
        bodies = {a[2] for a in answers if a[0] == extension}
        assert len(bodies) == 1
        assert bodies == {client.get(f"{path}.{extension}").data}
    assert len(_documents(runtime, BADGE_PNG)) == len(_documents(runtime, BADGE_SVG)) == 1


def test_the_second_of_two_racing_units_gets_the_first_ones_badge(
    acme, issue, ada_request, runtime, settings
) -> None:
    """Two workers make the badge at once: the one that records it second is handed the first
    one's record (store_document), and the bytes it wrote are removed from the archive."""
    credential_id = _path(issue(acme, ada_request)).rsplit("/", 1)[1]
    store = archive_store(settings)
    folder = Path(settings.archive_dir)
    before = {p for p in folder.rglob("*") if p.is_file()}
    second: list[Document] = []

    def later_unit() -> None:
        with runtime.unit() as deps:
            row = deps.session.get_one(Credential, credential_id)
            second.append(badge_png(deps, store, row))

    with runtime.unit() as deps:
        first = badge_png(deps, store, deps.session.get_one(Credential, credential_id))
        thread = threading.Thread(target=later_unit)
        thread.start()
        time.sleep(1)  # the other unit is now waiting on this one (lock or unique index)
        assert thread.is_alive()
    thread.join(timeout=30)
    assert [d.id for d in second] == [first.id]
    written = {p for p in folder.rglob("*") if p.is_file()} - before
    assert [p.relative_to(folder).as_posix() for p in written] == [first.storage_key]


def test_an_archived_badge_is_read_without_waiting_for_a_writer(
    app, client, acme, issue, ada_request, runtime
) -> None:
    path = _path(issue(acme, ada_request))
    client.get(f"{path}.png")  # archived
    results: list[int] = []
    with runtime.unit() as deps:  # a writer holds its transaction open (SQLite's write lock)
        deps.session.get_one(Credential, path.rsplit("/", 1)[1])
        thread = threading.Thread(
            target=lambda: results.append(app.test_client().get(f"{path}.png").status_code)
        )
        thread.start()
        thread.join(timeout=5)
        assert not thread.is_alive(), "the archived badge waited for the writer"
    assert results == [200]

"""The credential baked in /c/<uuid>.png and .svg, checked by Digital Bazaar's reference stack."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.documents.baking import unbake_png, unbake_svg

pytestmark = pytest.mark.interop


@pytest.mark.parametrize("extension", ["png", "svg"])
def test_reference_stack_verifies_the_baked_credential_and_not_a_tampered_one(
    issue, client, acme, ada_request, live_server, run_node, tmp_path: Path, extension: str
) -> None:
    issued = issue(acme, ada_request)
    path = "/" + issued["id"].split("/", 3)[3]
    image = client.get(f"{path}.{extension}")
    assert image.status_code == 200
    text = (unbake_png if extension == "png" else unbake_svg)(image.data)
    assert text == client.get(f"{path}.json").get_data(as_text=True)

    baked = tmp_path / "baked.json"
    baked.write_text(text or "", encoding="utf-8")
    out = run_node("verify.mjs", str(baked), "--base", live_server)
    assert out["verified"] is True, out

    tampered = tmp_path / "tampered.json"
    tampered.write_text((text or "").replace('"value": "15"', '"value": "19"'), encoding="utf-8")
    bad = run_node("verify.mjs", str(tampered), "--base", live_server)
    assert bad["verified"] is False

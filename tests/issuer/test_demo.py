"""The demo body of `make run`: created once, with one revoked credential, idempotent."""

from __future__ import annotations

from issuer.demo import create_demo


def test_demo_is_created_once_and_verifies(runtime, client) -> None:
    with runtime.unit() as deps:
        first = create_demo(deps)
    with runtime.unit() as deps:
        second = create_demo(deps)
    assert first["api_key"].startswith("sceau_") and not second["api_key"].startswith("sceau_")
    assert first["credentials"] == second["credentials"] and len(first["credentials"]) == 3
    assert [c["revoked"] for c in first["credentials"]].count(True) == 1
    for entry in first["credentials"]:
        uuid = entry["url"].rsplit("/", 1)[1]
        credential = client.get(f"/c/{uuid}.json").json
        report = client.post("/api/v1/verify", json={"credential": credential}).json
        assert report["verified"] is (not entry["revoked"])
    program = client.get("/achievements/demo/SOUD-1", headers={"Accept": "application/json"})
    assert program.status_code == 200 and program.json["name"] == "Soudage à l'arc, niveau 1"

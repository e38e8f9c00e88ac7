"""The `sceau` command line: organizations, CSV issuance, revocation, verification, audit."""

from __future__ import annotations

import json
from pathlib import Path


def _json_tail(output: str) -> dict:
    return json.loads(output[output.index("{") :])


def test_org_create_prints_slug_did_and_key(sceau, settings) -> None:
    result = sceau("org", "create", "--slug", "acme", "--name", "Acme Certification")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    host = settings.base_url.split("//", 1)[1].replace(":", "%3A")
    assert data["slug"] == "acme" and data["did"] == f"did:web:{host}:issuers:acme"
    assert data["api_key"].startswith("sceau_")
    again = sceau("org", "create", "--slug", "acme", "--name", "Again")
    assert again.exit_code != 0 and "already exists" in again.output


def test_csv_issue_reports_bad_rows_and_is_idempotent(sceau, tmp_path: Path, client) -> None:
    assert sceau("org", "create", "--slug", "acme", "--name", "Acme").exit_code == 0
    program = tmp_path / "program.json"
    program.write_text(
        json.dumps(
            {
                "code": "WLD-1",
                "name": "Welding",
                "description": "Arc welding.",
                "criteria": "12/20 or more.",
                "achievementType": "Certification",
            }
        )
    )
    assert sceau("program", "create", "--org", "acme", "--file", str(program)).exit_code == 0
    rows = tmp_path / "session.csv"
    rows.write_text(
        "email,name,result:Practical exam\n"
        "ada@example.org,Ada Lovelace,15/20\n"
        "not-an-email,Bad Row,10/20\n"
        "alan@example.org,Alan Turing,13/20\n"
    )
    first = sceau("issue", "--org", "acme", "--csv", str(rows), "--program", "WLD-1")
    assert first.exit_code == 1
    assert "line 3" in first.stderr and "recipient.email" in first.stderr
    assert _json_tail(first.stdout) == {
        "issued": 2,
        "skipped": 0,
        "failed": [
            {
                "line": 3,
                "email": "not-an-email",
                "reason": _json_tail(first.stdout)["failed"][0]["reason"],
            }
        ],
    }
    second = sceau("issue", "--org", "acme", "--csv", str(rows), "--program", "WLD-1")
    assert _json_tail(second.stdout)["issued"] == 0 and _json_tail(second.stdout)["skipped"] == 2
    unknown = sceau("issue", "--org", "acme", "--csv", str(rows), "--program", "NOPE")
    assert (
        _json_tail(unknown.stdout)["issued"] == 0 and len(_json_tail(unknown.stdout)["failed"]) == 3
    )


def test_revoke_and_verify_commands(sceau, tmp_path: Path, client) -> None:
    key = json.loads(sceau("org", "create", "--slug", "acme", "--name", "Acme").stdout)["api_key"]
    body = {
        "recipient": {"email": "a@example.org"},
        "achievement": {"name": "X", "description": "Y", "criteria": "Z"},
    }
    issued = client.post(
        "/api/v1/credentials", json=body, headers={"Authorization": f"Bearer {key}"}
    ).json
    credential_file = tmp_path / "credential.json"
    credential_file.write_text(json.dumps(issued["credential"]))
    jwt_file = tmp_path / "credential.jwt"
    jwt_file.write_text(issued["jwt"])
    assert sceau("verify", str(credential_file)).exit_code == 0
    assert sceau("verify", str(jwt_file)).exit_code == 0
    revoked = sceau("revoke", "--org", "acme", "--reason", "Error", issued["id"])
    assert revoked.exit_code == 0, revoked.output
    result = sceau("verify", str(credential_file))
    assert result.exit_code == 1 and json.loads(result.stdout)["verified"] is False
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json")
    assert sceau("verify", str(garbage)).exit_code != 0
    audit = sceau("audit", "verify")
    assert audit.exit_code == 0 and json.loads(audit.stdout)["intact"] is True

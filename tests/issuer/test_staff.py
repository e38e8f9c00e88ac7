"""Staff accounts from the command line, their tokens, and their second factor."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from core.accounts.factors import check_password, hash_password, totp_step


def _json(result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.mark.parametrize(
    ("role", "needs_totp"),
    [
        ("admin", True),
        ("signatory", True),
        ("manager", False),
        ("evaluator", False),
        ("auditor", False),
    ],
)
def test_staff_create_prints_one_json_object(sceau, acme, settings, role, needs_totp) -> None:
    out = _json(
        sceau(
            "staff",
            "create",
            "--org",
            "acme",
            "--email",
            "Ann@Acme.Example",
            "--role",
            role,
            "--name",
            "Ann",
        )
    )
    assert set(out) == {"email", "role", "setup_url", "totp_secret"}
    assert out["email"] == "ann@acme.example"
    assert out["role"] == role
    assert out["setup_url"].startswith(f"{settings.base_url}/staff/setup/setup_")
    if needs_totp:
        assert len(out["totp_secret"]) == 32
        pyotp.TOTP(out["totp_secret"]).now()  # a valid base32 secret
    else:
        assert out["totp_secret"] is None


def test_a_member_is_created_once_and_roles_are_checked(sceau, acme) -> None:
    args = ("staff", "create", "--org", "acme", "--email", "ann@acme.example")
    assert sceau(*args, "--role", "manager").exit_code == 0
    again = sceau(*args, "--role", "manager")
    assert again.exit_code != 0
    assert "already a member" in again.output
    assert sceau(*args, "--role", "boss").exit_code != 0
    assert (
        sceau(
            "staff", "create", "--org", "nobody", "--email", "x@y.example", "--role", "manager"
        ).exit_code
        != 0
    )


def test_a_personal_token_acts_as_its_member(sceau, acme, client) -> None:
    sceau("staff", "create", "--org", "acme", "--email", "ann@acme.example", "--role", "auditor")
    token = _json(sceau("staff", "token", "--org", "acme", "--email", "ann@acme.example"))["token"]
    assert token.startswith("sceau_pt_")
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/programs/NOPE", headers=auth).status_code == 404
    # An auditor reads, but may not create programs.
    response = client.post("/api/v1/programs", json={"code": "X", "name": "X"}, headers=auth)
    assert response.status_code == 403
    assert sceau("staff", "token", "--org", "acme", "--email", "bob@acme.example").exit_code != 0


def test_passwords_are_argon2_and_checked_in_constant_work() -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert check_password(stored, "correct horse battery")
    assert not check_password(stored, "correct horse batterY")
    assert not check_password(None, "anything")
    assert not check_password("not a hash", "anything")


def test_a_totp_code_works_once_and_only_near_its_time() -> None:
    secret = pyotp.random_base32()
    now = datetime(2026, 11, 27, 12, 0, 0, tzinfo=UTC)
    code = pyotp.TOTP(secret).at(now)
    step = totp_step(secret, code, now, None)
    assert step == int(now.timestamp()) // 30
    assert totp_step(secret, code, now, step) is None  # replayed
    assert totp_step(secret, code, now + timedelta(seconds=30), None) == step  # drift
    assert totp_step(secret, code, now + timedelta(seconds=90), None) is None
    assert totp_step(secret, "12345", now, None) is None
    assert totp_step(secret, "１２３４５６", now, None) is None

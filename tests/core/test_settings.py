"""Settings come from the environment only, parsed once; bad values stop the start."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from core.errors import ConfigurationError
from core.settings import load_settings

KEY = base64.urlsafe_b64encode(b"k" * 32).decode()


def test_defaults_in_development_generate_secrets_with_a_warning(tmp_path: Path, caplog) -> None:
    settings = load_settings({"SCEAU_INSTANCE_DIR": str(tmp_path)})
    assert settings.env == "development" and settings.base_url == "http://localhost:8000"
    assert settings.database_url == f"sqlite:///{tmp_path / 'sceau.db'}"
    assert len(settings.master_key) == 32 and (tmp_path / "master.key").exists()
    assert (tmp_path / "master.key").stat().st_mode & 0o077 == 0
    assert "SCEAU_MASTER_KEY is not set" in caplog.text
    again = load_settings({"SCEAU_INSTANCE_DIR": str(tmp_path)})
    assert again.master_key == settings.master_key and again.secret_key == settings.secret_key
    assert settings.host_for_did == "localhost%3A8000"


def test_production_requires_its_secrets(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="SCEAU_SECRET_KEY, SCEAU_MASTER_KEY"):
        load_settings({"SCEAU_ENV": "production", "SCEAU_INSTANCE_DIR": str(tmp_path)})
    settings = load_settings(
        {
            "SCEAU_ENV": "production",
            "SCEAU_SECRET_KEY": "s" * 40,
            "SCEAU_MASTER_KEY": KEY,
            "SCEAU_INSTANCE_DIR": str(tmp_path),
        }
    )
    assert settings.master_key == b"k" * 32
    assert not (tmp_path / "master.key").exists()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SCEAU_ENV", "staging", "SCEAU_ENV"),
        ("SCEAU_BASE_URL", "ftp://x", "SCEAU_BASE_URL"),
        ("SCEAU_BASE_URL", "https://certs.example.org/path", "origin"),
        ("DATABASE_URL", "mysql://x", "DATABASE_URL"),
        ("SCEAU_MASTER_KEY", "c2hvcnQ", "32 bytes"),
        ("SCEAU_STATUS_LIST_SIZE", "1000", "at least 131072"),
        ("SCEAU_MAX_BODY_BYTES", "lots", "integer"),
        ("SCEAU_NET_TIMEOUT", "-1", "positive"),
        ("SCEAU_NET_ALLOW_PRIVATE", "perhaps", "true or false"),
        ("SCEAU_JWT_ALGORITHMS", "ES256,HS256", "ES256, EdDSA and RS256"),
    ],
)
def test_bad_values_are_start_up_errors(
    tmp_path: Path, name: str, value: str, message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        load_settings({"SCEAU_INSTANCE_DIR": str(tmp_path), name: value})


def test_postgresql_urls_use_psycopg(tmp_path: Path) -> None:
    settings = load_settings(
        {"SCEAU_INSTANCE_DIR": str(tmp_path), "DATABASE_URL": "postgresql://u@h/db"}
    )
    assert settings.database_url == "postgresql+psycopg://u@h/db"

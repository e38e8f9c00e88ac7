"""One frozen, typed Settings object, parsed once from the environment; bad values fail fast."""

from __future__ import annotations

import base64
import logging
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from limits import parse_many

from core.errors import ConfigurationError
from core.keys.trusted_issuers import TrustedIssuers, load_trusted_issuers

log = logging.getLogger(__name__)

ENVIRONMENTS = ("development", "test", "production")


@dataclass(frozen=True)
class Settings:
    """Everything configurable about a Sceau instance (see the README's table)."""

    env: str = "development"
    base_url: str = "http://localhost:8000"
    database_url: str = "sqlite:///instance/sceau.db"
    instance_dir: Path = Path("instance")
    secret_key: str = field(default="", repr=False)
    master_key: bytes = field(default=b"", repr=False)
    redis_url: str | None = None
    #: The task queue's name in its storage: instances sharing one Redis need their own.
    queue_name: str = "sceau"
    max_body_bytes: int = 1024 * 1024
    #: Largest file uploaded to the verifier (POST /api/v1/verify and /verify as a form).
    max_upload_bytes: int = 10 * 1024 * 1024
    max_json_depth: int = 32
    status_list_size: int = 131072
    status_cache_seconds: int = 60
    canonicalization_max_work: int = 20000
    net_timeout_seconds: float = 5.0
    net_max_bytes: int = 1024 * 1024
    net_allow_private: bool = False
    net_allow_http: bool = False
    jwt_algorithms: tuple[str, ...] = ("ES256", "EdDSA", "RS256")
    clock_skew_seconds: int = 300
    sign_in_rate_limit: str = "10/minute"
    #: The budget of the public verification endpoints per client address; "off" = no limit.
    verify_rate_limit: str = "60/minute"
    #: Issuers shown as registered besides this instance's bodies (SCEAU_TRUSTED_ISSUERS).
    trusted_issuers: TrustedIssuers | None = field(default=None, repr=False)
    staff_idle_minutes: int = 480
    #: Where mails go: smtp://host:port or smtps://user:password@host:port; None = the outbox.
    smtp_url: str | None = field(default=None, repr=False)
    mail_from: str = "Sceau <no-reply@localhost>"
    #: An RFC 3161 time-stamping service: seals become PAdES B-T instead of B-B.
    tsa_url: str | None = None
    archive_retention_years: int = 10

    @property
    def archive_dir(self) -> Path:
        """The folder of the archive store (core.documents.archive)."""
        return self.instance_dir / "archive"

    @property
    def outbox_dir(self) -> Path:
        """Where mails are written as .eml files when no SMTP server is configured."""
        return self.instance_dir / "outbox"

    @property
    def host_for_did(self) -> str:
        """The `did:web` host part of the base URL: the port's colon percent-encoded."""
        netloc = urlsplit(self.base_url).netloc
        return netloc.replace(":", "%3A")


def _queue_name(value: str) -> str:
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,63}", value):
        raise ConfigurationError(
            "SCEAU_QUEUE_NAME must be 1-64 lowercase letters, digits, '-' or '_'"
        )
    return value


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ConfigurationError(f"{name} must be at least {minimum}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a number, got {raw!r}") from None
    if value <= 0:
        raise ConfigurationError(f"{name} must be positive")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigurationError(f"{name} must be true or false, got {raw!r}")


def _base_url(raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigurationError(f"SCEAU_BASE_URL must be an http(s) origin, got {raw!r}")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ConfigurationError("SCEAU_BASE_URL must be an origin without path, query or fragment")
    return f"{parts.scheme}://{parts.netloc}"


def _dev_secret(instance_dir: Path, filename: str, env_name: str) -> str:
    """Read or create a development secret in the instance folder, with a warning."""
    path = instance_dir / filename
    if path.exists():
        return path.read_text().strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    value = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    path.touch(mode=0o600)
    path.write_text(value + "\n")
    log.warning("%s is not set: generated a development value in %s", env_name, path)
    return value


def _rate_limit(
    raw: str, name: str = "SCEAU_SIGN_IN_RATE_LIMIT", *, may_be_off: bool = False
) -> str:
    """A Flask-Limiter limit such as ``10/minute`` or ``10 per minute`` (or ``off``)."""
    if may_be_off and raw.lower() == "off":
        return "off"
    try:
        if not parse_many(raw):
            raise ValueError(raw)
    except ValueError:
        hint = " (or off)" if may_be_off else ""
        raise ConfigurationError(f"{name} must read like 10/minute{hint}, got {raw!r}") from None
    return raw


def _trusted_issuers(raw: str) -> TrustedIssuers | None:
    """The registry file named by SCEAU_TRUSTED_ISSUERS, read and checked now (fail fast)."""
    return load_trusted_issuers(Path(raw).expanduser()) if raw else None


def _master_key(raw: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    except ValueError:
        raise ConfigurationError("SCEAU_MASTER_KEY must be 32 bytes in base64url") from None
    if len(key) != 32:
        raise ConfigurationError("SCEAU_MASTER_KEY must be 32 bytes in base64url")
    return key


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Parse the environment into Settings; raise ConfigurationError on any bad value."""
    env = os.environ if environ is None else environ
    mode = env.get("SCEAU_ENV", "development").strip() or "development"
    if mode not in ENVIRONMENTS:
        raise ConfigurationError(f"SCEAU_ENV must be one of {', '.join(ENVIRONMENTS)}")
    instance_dir = Path(env.get("SCEAU_INSTANCE_DIR", "instance")).resolve()
    database_url = env.get("DATABASE_URL", "").strip() or f"sqlite:///{instance_dir / 'sceau.db'}"
    if not database_url.startswith(("sqlite", "postgresql")):
        raise ConfigurationError("DATABASE_URL must be a sqlite:// or postgresql+psycopg:// URL")
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://") :]

    secret_key = env.get("SCEAU_SECRET_KEY", "")
    master_raw = env.get("SCEAU_MASTER_KEY", "")
    if mode == "production":
        missing = [
            n
            for n, v in (("SCEAU_SECRET_KEY", secret_key), ("SCEAU_MASTER_KEY", master_raw))
            if not v
        ]
        if missing:
            raise ConfigurationError(
                "missing required settings in production: " + ", ".join(missing)
            )
    if not secret_key:
        secret_key = _dev_secret(instance_dir, "secret.key", "SCEAU_SECRET_KEY")
    if not master_raw:
        master_raw = _dev_secret(instance_dir, "master.key", "SCEAU_MASTER_KEY")

    listed = env.get("SCEAU_JWT_ALGORITHMS", "ES256,EdDSA,RS256")
    algorithms = tuple(a.strip() for a in listed.split(",") if a.strip())
    refused = [a for a in algorithms if a not in ("ES256", "EdDSA", "RS256")]
    if refused or not algorithms:
        raise ConfigurationError("SCEAU_JWT_ALGORITHMS may only list ES256, EdDSA and RS256")

    return Settings(
        env=mode,
        base_url=_base_url(env.get("SCEAU_BASE_URL", "http://localhost:8000")),
        database_url=database_url,
        instance_dir=instance_dir,
        secret_key=secret_key,
        master_key=_master_key(master_raw),
        redis_url=env.get("REDIS_URL") or None,
        queue_name=_queue_name(env.get("SCEAU_QUEUE_NAME", "").strip() or "sceau"),
        max_body_bytes=_int(env, "SCEAU_MAX_BODY_BYTES", 1024 * 1024),
        max_upload_bytes=_int(env, "SCEAU_MAX_UPLOAD_BYTES", 10 * 1024 * 1024),
        max_json_depth=_int(env, "SCEAU_MAX_JSON_DEPTH", 32),
        status_list_size=_int(env, "SCEAU_STATUS_LIST_SIZE", 131072, minimum=131072),
        status_cache_seconds=_int(env, "SCEAU_STATUS_CACHE_SECONDS", 60, minimum=0),
        canonicalization_max_work=_int(env, "SCEAU_CANON_MAX_WORK", 20000),
        net_timeout_seconds=_float(env, "SCEAU_NET_TIMEOUT", 5.0),
        net_max_bytes=_int(env, "SCEAU_NET_MAX_BYTES", 1024 * 1024),
        net_allow_private=_bool(env, "SCEAU_NET_ALLOW_PRIVATE", False),
        net_allow_http=_bool(env, "SCEAU_NET_ALLOW_HTTP", False),
        jwt_algorithms=algorithms,
        clock_skew_seconds=_int(env, "SCEAU_CLOCK_SKEW_SECONDS", 300, minimum=0),
        sign_in_rate_limit=_rate_limit(
            env.get("SCEAU_SIGN_IN_RATE_LIMIT", "").strip() or "10/minute"
        ),
        verify_rate_limit=_rate_limit(
            env.get("SCEAU_RATE_LIMIT", "").strip() or "60/minute",
            "SCEAU_RATE_LIMIT",
            may_be_off=True,
        ),
        trusted_issuers=_trusted_issuers(env.get("SCEAU_TRUSTED_ISSUERS", "").strip()),
        staff_idle_minutes=_int(env, "SCEAU_STAFF_IDLE_MINUTES", 480),
        smtp_url=_smtp_url(env.get("SCEAU_SMTP_URL", "").strip()),
        mail_from=env.get("SCEAU_MAIL_FROM", "").strip() or _default_sender(env),
        tsa_url=_tsa_url(env.get("SCEAU_TSA_URL", "").strip()),
        archive_retention_years=_int(env, "SCEAU_ARCHIVE_RETENTION_YEARS", 10),
    )


def _smtp_url(raw: str) -> str | None:
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        # Never echo the value: it may carry a password.
        raise ConfigurationError(
            "SCEAU_SMTP_URL must be smtp://host:port or smtps://user:password@host:port"
        )
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError as error:
        raise ConfigurationError("SCEAU_SMTP_URL has a port that is not a number") from error
    return raw


def _default_sender(env: Mapping[str, str]) -> str:
    host = urlsplit(env.get("SCEAU_BASE_URL", "") or "http://localhost").hostname or "localhost"
    return f"Sceau <no-reply@{host}>"


def _tsa_url(raw: str) -> str | None:
    if not raw:
        return None
    if urlsplit(raw).scheme not in ("http", "https"):
        raise ConfigurationError("SCEAU_TSA_URL must be an http:// or https:// URL")
    return raw

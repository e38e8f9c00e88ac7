"""Authentication factors of staff: argon2 passwords, TOTP codes and random bearer tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from core.keys.cipher import KeyCipher

_HASHER = PasswordHasher()
#: Checked against when an account has no password, so a login takes the same time either way.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024


def hash_password(password: str) -> str:
    """An argon2id hash of the password (its own salt and parameters inside)."""
    return _HASHER.hash(password)


def check_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches; constant work whether or not a hash is stored."""
    try:
        return _HASHER.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"at most {MAX_PASSWORD_LENGTH} characters"
    return None


def token_hash(token: str) -> str:
    """Bearer tokens are 256-bit random values: SHA-256 suffices to store them (unlike
    passwords, they cannot be guessed from a dictionary)."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(prefix: str) -> tuple[str, str]:
    """A fresh bearer token ``<prefix><id>_<secret>`` and its lookup id."""
    lookup = secrets.token_hex(8)
    return f"{prefix}{lookup}_{secrets.token_urlsafe(32)}", lookup


def new_totp_secret() -> str:
    """A base32 TOTP secret (160 bits), as authenticator apps read it."""
    return pyotp.random_base32(32)


def seal_totp_secret(cipher: KeyCipher, staff_id: int, secret: str) -> bytes:
    """The TOTP secret encrypted under the master key, bound to its staff member."""
    return cipher.encrypt(secret.encode(), aad=f"totp:{staff_id}".encode())


def open_totp_secret(cipher: KeyCipher, staff_id: int, sealed: bytes) -> str:
    """The clear TOTP secret of a staff member."""
    return cipher.decrypt(sealed, aad=f"totp:{staff_id}".encode()).decode()


def totp_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """The time step ``code`` is valid for (the current one or its neighbours, for clock
    drift), or None. A step at or before ``last_step`` is refused: a code works once."""
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // totp.interval
    for step in (current, current - 1, current + 1):
        if last_step is not None and step <= last_step:
            continue
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None

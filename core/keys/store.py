"""The key store: creates, rotates and opens an organization's signing keys (encrypted at rest)."""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from core.db.models import Organization, SigningKey
from core.db.models.keys import ACTIVE, COMPROMISED, ED25519, P256, RETIRED
from core.errors import ConfigurationError, Conflict, NotFound
from core.keys.cipher import (
    KeyCipher,
    generate_ed25519,
    generate_p256,
    load_private_key,
    private_key_bytes,
)
from core.keys.multikey import ed25519_public_multikey, jwk_thumbprint, public_jwk


@dataclass(frozen=True)
class SigningKeys:
    """The active private keys of one organization, opened for one unit of work."""

    did: str
    ed25519_kid: str
    ed25519: Ed25519PrivateKey
    p256_kid: str
    p256: ec.EllipticCurvePrivateKey

    @property
    def proof_method(self) -> str:
        """The verificationMethod of Data Integrity proofs."""
        return f"{self.did}#{self.ed25519_kid}"

    @property
    def jwt_kid(self) -> str:
        """The `kid` header of VC-JWTs."""
        return f"{self.did}#{self.p256_kid}"


def _raw_public(key: Ed25519PrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    if isinstance(key, Ed25519PrivateKey):
        return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)


def _kid(key: Ed25519PrivateKey | ec.EllipticCurvePrivateKey) -> str:
    # Ed25519 keys are named by their Multikey (as did:key does), P-256 keys by their JWK
    # thumbprint: both derive from the key itself, so an id can never point at another key.
    if isinstance(key, Ed25519PrivateKey):
        return ed25519_public_multikey(key.public_key())
    return "jwk-" + jwk_thumbprint(public_jwk(key.public_key()))


def _add_key(
    session: Session,
    org: Organization,
    key: Ed25519PrivateKey | ec.EllipticCurvePrivateKey,
    algorithm: str,
    cipher: KeyCipher,
    now: datetime,
) -> SigningKey:
    kid = _kid(key)
    row = SigningKey(
        organization_id=org.id,
        kid=kid,
        algorithm=algorithm,
        public_key=_raw_public(key),
        private_key_encrypted=cipher.encrypt(private_key_bytes(key), aad=kid.encode()),
        status=ACTIVE,
        created_at=now,
    )
    session.add(row)
    return row


def lock_keys(session: Session, org: Organization) -> None:
    """Take the organization's key lock before reading the clock for a rotation or compromise.

    Issuing transactions hold a shared lock on the same row while they sign (open_signing_keys),
    so a rotation waits for them: every proof made with a key is dated no later than its
    retirement. On SQLite, write transactions are serialized anyway.
    """
    session.execute(
        select(Organization.id).where(Organization.id == org.id).with_for_update()
    ).one()


def _new_version(org: Organization) -> None:
    org.key_version = secrets.token_hex(16)


def create_keys(
    session: Session, org: Organization, cipher: KeyCipher, now: datetime
) -> list[SigningKey]:
    """Give the organization a fresh Ed25519 and P-256 key, retiring the active ones (rotation).

    Call lock_keys first (and read ``now`` after it) when the organization already has keys.
    """
    for row in session.scalars(
        select(SigningKey).where(SigningKey.organization_id == org.id, SigningKey.status == ACTIVE)
    ):
        row.status = RETIRED
        row.retired_at = now
    rows = [
        _add_key(session, org, generate_ed25519(), ED25519, cipher, now),
        _add_key(session, org, generate_p256(), P256, cipher, now),
    ]
    _new_version(org)
    session.flush()
    return rows


def compromise_key(
    session: Session, org: Organization, kid: str, cipher: KeyCipher, now: datetime
) -> tuple[SigningKey, SigningKey | None]:
    """Withdraw a key; when it was the active key of its kind, a new one replaces it.

    Returns (the compromised row, its replacement or None). Call lock_keys first.
    """
    row = session.scalar(
        select(SigningKey).where(SigningKey.organization_id == org.id, SigningKey.kid == kid)
    )
    if row is None:
        raise NotFound(f"organization {org.slug!r} has no key {kid!r}")
    if row.status == COMPROMISED:
        raise Conflict(f"key {kid!r} is already marked compromised", code="already_compromised")
    replacement = None
    if row.status == ACTIVE:
        key = generate_ed25519() if row.algorithm == ED25519 else generate_p256()
        replacement = _add_key(session, org, key, row.algorithm, cipher, now)
        row.retired_at = now
    row.status = COMPROMISED
    row.compromised_at = now
    _new_version(org)
    session.flush()
    return row, replacement


def published_keys(session: Session, org_id: int) -> list[SigningKey]:
    """Every key that verifiers may use: active and retired (compromised keys are withdrawn)."""
    return list(
        session.scalars(
            select(SigningKey)
            .where(SigningKey.organization_id == org_id, SigningKey.status.in_((ACTIVE, RETIRED)))
            .order_by(SigningKey.id)
        )
    )


_ACTIVE_KEYS = select(SigningKey).where(
    SigningKey.organization_id == bindparam("org_id"), SigningKey.status == ACTIVE
)
# Shared with other signers, exclusive with lock_keys: the keys cannot change under a signer.
_KEY_VERSION = (
    select(Organization.key_version)
    .where(Organization.id == bindparam("org_id"))
    .with_for_update(read=True)
)

_MAX_CACHED = 64
_opened: OrderedDict[tuple[int, str, str, bytes], SigningKeys] = OrderedDict()
_opened_lock = threading.Lock()


def _open(cipher: KeyCipher, row: SigningKey) -> Ed25519PrivateKey | ec.EllipticCurvePrivateKey:
    key = load_private_key(cipher.decrypt(row.private_key_encrypted, aad=row.kid.encode()))
    if not isinstance(key, (Ed25519PrivateKey, ec.EllipticCurvePrivateKey)):
        raise ConfigurationError(f"key {row.kid} has an unsupported type")
    return key


def open_signing_keys(
    session: Session, org: Organization, did: str, cipher: KeyCipher
) -> SigningKeys:
    """Decrypt the organization's active keys for signing.

    Decrypted keys are cached per process under the organization's key version, read here with
    a shared lock in the caller's transaction: a rotation or compromise committed by any
    process changes the version, so the next unit of work opens the new keys.
    """
    version = session.execute(_KEY_VERSION, {"org_id": org.id}).scalar_one()
    # The cipher's master key is part of the cache key: another instance's database in the
    # same process (tests) never gets these keys.
    cache_key = (org.id, version, did, cipher.fingerprint)
    with _opened_lock:
        cached = _opened.get(cache_key)
        if cached is not None:
            _opened.move_to_end(cache_key)
            return cached
    active = {row.algorithm: row for row in session.scalars(_ACTIVE_KEYS, {"org_id": org.id})}
    if ED25519 not in active or P256 not in active:
        raise ConfigurationError(f"organization {org.slug} has no active signing keys")
    ed = _open(cipher, active[ED25519])
    p256 = _open(cipher, active[P256])
    if not isinstance(ed, Ed25519PrivateKey) or not isinstance(p256, ec.EllipticCurvePrivateKey):
        raise ConfigurationError(f"organization {org.slug} has keys of the wrong type")
    keys = SigningKeys(did, active[ED25519].kid, ed, active[P256].kid, p256)
    if version:
        with _opened_lock:
            _opened[cache_key] = keys
            while len(_opened) > _MAX_CACHED:
                _opened.popitem(last=False)
    return keys


def key_states(session: Session, org_id: int) -> list[SigningKey]:
    """Every key of the organization, compromised ones included (for the verifier's states)."""
    return list(
        session.scalars(
            select(SigningKey).where(SigningKey.organization_id == org_id).order_by(SigningKey.id)
        )
    )


def public_key_of(row: SigningKey) -> Ed25519PublicKey | ec.EllipticCurvePublicKey:
    """The public key of a stored row."""
    if row.algorithm == ED25519:
        return Ed25519PublicKey.from_public_bytes(row.public_key)
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), row.public_key)

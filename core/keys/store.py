"""The key store: creates, rotates and opens an organization's signing keys (encrypted at rest)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from core.db.models import Organization, SigningKey
from core.db.models.keys import ACTIVE, ED25519, P256, RETIRED
from core.errors import ConfigurationError
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


def create_keys(
    session: Session, org: Organization, cipher: KeyCipher, now: datetime
) -> list[SigningKey]:
    """Give the organization a fresh Ed25519 and P-256 key, retiring the active ones (rotation)."""
    for row in session.scalars(
        select(SigningKey).where(SigningKey.organization_id == org.id, SigningKey.status == ACTIVE)
    ):
        row.status = RETIRED
        row.retired_at = now
    rows = [
        _add_key(session, org, generate_ed25519(), ED25519, cipher, now),
        _add_key(session, org, generate_p256(), P256, cipher, now),
    ]
    session.flush()
    return rows


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


@functools.lru_cache(maxsize=64)
def _open(
    cipher: KeyCipher, kid: str, encrypted: bytes
) -> Ed25519PrivateKey | ec.EllipticCurvePrivateKey:
    # Keyed by the ciphertext itself: a rotated or withdrawn key is never served from here,
    # since only the rows that the database still lists as active are ever looked up.
    key = load_private_key(cipher.decrypt(encrypted, aad=kid.encode()))
    if not isinstance(key, (Ed25519PrivateKey, ec.EllipticCurvePrivateKey)):
        raise ConfigurationError(f"key {kid} has an unsupported type")
    return key


def open_signing_keys(
    session: Session, org: Organization, did: str, cipher: KeyCipher
) -> SigningKeys:
    """Decrypt the organization's active keys for signing."""
    active = {
        row.algorithm: row
        for row in session.scalars(_ACTIVE_KEYS, {"org_id": org.id})
    }
    if ED25519 not in active or P256 not in active:
        raise ConfigurationError(f"organization {org.slug} has no active signing keys")
    ed = _open(cipher, active[ED25519].kid, active[ED25519].private_key_encrypted)
    p256 = _open(cipher, active[P256].kid, active[P256].private_key_encrypted)
    if not isinstance(ed, Ed25519PrivateKey) or not isinstance(p256, ec.EllipticCurvePrivateKey):
        raise ConfigurationError(f"organization {org.slug} has keys of the wrong type")
    return SigningKeys(did, active[ED25519].kid, ed, active[P256].kid, p256)


def public_key_of(row: SigningKey) -> Ed25519PublicKey | ec.EllipticCurvePublicKey:
    """The public key of a stored row."""
    if row.algorithm == ED25519:
        return Ed25519PublicKey.from_public_bytes(row.public_key)
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), row.public_key)

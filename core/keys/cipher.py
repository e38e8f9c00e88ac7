"""Encryption of private keys at rest (AES-256-GCM under SCEAU_MASTER_KEY) and key generation."""

from __future__ import annotations

import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_der_private_key,
)

from core.errors import ConfigurationError, InputError

PrivateKey = Ed25519PrivateKey | ec.EllipticCurvePrivateKey

# Token layout: version (1 byte) ‖ nonce (12 bytes) ‖ ciphertext+tag (AES-256-GCM, 16-byte tag).
FORMAT_V1 = 1
NONCE_BYTES = 12
TAG_BYTES = 16
_DECRYPT_FAILED = "cannot decrypt key: wrong SCEAU_MASTER_KEY?"


class KeyCipher:
    """Encrypts and decrypts private-key bytes; the ``aad`` binds a token to its owner (key id)."""

    def __init__(self, master_key: bytes) -> None:
        if not isinstance(master_key, bytes) or len(master_key) != 32:
            raise ConfigurationError("SCEAU_MASTER_KEY must be 32 bytes (AES-256)")
        self._aead = AESGCM(master_key)
        #: Names the master key without revealing it (keys of in-process caches).
        self.fingerprint = hashlib.sha256(b"sceau key cache\0" + master_key).digest()

    def encrypt(self, plaintext: bytes, *, aad: bytes) -> bytes:
        """Encrypt with a fresh random 96-bit nonce; the format byte is authenticated too."""
        nonce = os.urandom(NONCE_BYTES)
        header = bytes([FORMAT_V1])
        return header + nonce + self._aead.encrypt(nonce, plaintext, header + aad)

    def decrypt(self, token: bytes, *, aad: bytes) -> bytes:
        """Decrypt a token made by :meth:`encrypt`; ConfigurationError if it does not open."""
        if len(token) < 1 + NONCE_BYTES + TAG_BYTES or token[0] != FORMAT_V1:
            raise ConfigurationError(_DECRYPT_FAILED)
        nonce = token[1 : 1 + NONCE_BYTES]
        try:
            return self._aead.decrypt(nonce, token[1 + NONCE_BYTES :], token[:1] + aad)
        except InvalidTag:
            raise ConfigurationError(_DECRYPT_FAILED) from None


def generate_ed25519() -> Ed25519PrivateKey:
    """A new Ed25519 key (Data Integrity proofs)."""
    return Ed25519PrivateKey.generate()


def generate_p256() -> ec.EllipticCurvePrivateKey:
    """A new P-256 key (VC-JWT, ES256)."""
    return ec.generate_private_key(ec.SECP256R1())


def private_key_bytes(key: PrivateKey) -> bytes:
    """Unencrypted PKCS#8 DER of the key — only ever handed to :class:`KeyCipher`."""
    return key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())


def load_private_key(der: bytes) -> PrivateKey:
    """Load a PKCS#8 DER Ed25519 or P-256 private key; InputError for anything else."""
    try:
        key = load_der_private_key(der, password=None)
    except (ValueError, TypeError):
        raise InputError("not a PKCS#8 DER private key", code="invalid_key") from None
    if isinstance(key, Ed25519PrivateKey):
        return key
    if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
        return key
    raise InputError("unsupported private key type (need Ed25519 or P-256)", code="invalid_key")

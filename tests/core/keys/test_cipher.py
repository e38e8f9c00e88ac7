"""Tests of core.keys.cipher: AES-256-GCM at-rest encryption and key (de)serialization."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from core.errors import ConfigurationError, InputError
from core.keys.cipher import (
    FORMAT_V1,
    KeyCipher,
    generate_ed25519,
    generate_p256,
    load_private_key,
    private_key_bytes,
)

MASTER = bytes(range(32))
OTHER = bytes(range(1, 33))


def test_round_trip_and_format() -> None:
    cipher = KeyCipher(MASTER)
    token = cipher.encrypt(b"secret key bytes", aad=b"key:1")
    assert token[0] == FORMAT_V1
    assert len(token) == 1 + 12 + len(b"secret key bytes") + 16
    assert b"secret key bytes" not in token
    assert cipher.decrypt(token, aad=b"key:1") == b"secret key bytes"


def test_nonce_is_fresh() -> None:
    cipher = KeyCipher(MASTER)
    assert cipher.encrypt(b"x", aad=b"a") != cipher.encrypt(b"x", aad=b"a")


def _assert_refused(cipher: KeyCipher, token: bytes, aad: bytes) -> None:
    with pytest.raises(ConfigurationError) as info:
        cipher.decrypt(token, aad=aad)
    assert info.value.message == "cannot decrypt key: wrong SCEAU_MASTER_KEY?"
    assert str(info.value) == info.value.message
    assert info.value.__cause__ is None


def test_wrong_master_key_wrong_aad_and_tampering_are_refused() -> None:
    token = KeyCipher(MASTER).encrypt(b"payload", aad=b"key:1")
    _assert_refused(KeyCipher(OTHER), token, b"key:1")
    _assert_refused(KeyCipher(MASTER), token, b"key:2")
    flipped = bytearray(token)
    flipped[-1] ^= 1
    _assert_refused(KeyCipher(MASTER), bytes(flipped), b"key:1")
    _assert_refused(KeyCipher(MASTER), bytes([2]) + token[1:], b"key:1")
    _assert_refused(KeyCipher(MASTER), token[:20], b"key:1")
    _assert_refused(KeyCipher(MASTER), b"", b"key:1")


@pytest.mark.parametrize("bad", [b"", b"short", bytes(31), bytes(33)])
def test_master_key_must_be_32_bytes(bad: bytes) -> None:
    with pytest.raises(ConfigurationError):
        KeyCipher(bad)


def test_ed25519_key_survives_encryption() -> None:
    key = generate_ed25519()
    cipher = KeyCipher(MASTER)
    der = private_key_bytes(key)
    assert der.startswith(b"\x30")  # a DER SEQUENCE (PKCS#8)
    loaded = load_private_key(cipher.decrypt(cipher.encrypt(der, aad=b"k"), aad=b"k"))
    assert isinstance(loaded, Ed25519PrivateKey)
    assert loaded.public_key().public_bytes(
        Encoding.Raw, PublicFormat.Raw
    ) == key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def test_p256_key_round_trip() -> None:
    key = generate_p256()
    assert isinstance(key.curve, ec.SECP256R1)
    loaded = load_private_key(private_key_bytes(key))
    assert isinstance(loaded, ec.EllipticCurvePrivateKey)
    assert loaded.private_numbers() == key.private_numbers()


def test_load_private_key_rejects_garbage_and_other_types() -> None:
    with pytest.raises(InputError):
        load_private_key(b"not der")
    with pytest.raises(InputError):
        load_private_key(private_key_bytes(ec.generate_private_key(ec.SECP384R1())))
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    der = rsa_key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
    with pytest.raises(InputError):
        load_private_key(der)

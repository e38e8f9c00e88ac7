"""Tests of core.keys.multikey: Ed25519 / P-256 Multikey and JWK encodings, RFC 7638 thumbprints."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from jwcrypto import jwk as jwcrypto_jwk

from core.encoding import b64url_decode, b64url_encode, multibase_encode
from core.errors import KeyResolutionError
from core.keys.multikey import (
    ed25519_private_from_multikey,
    ed25519_private_multikey,
    ed25519_public_from_multikey,
    ed25519_public_multikey,
    jwk_thumbprint,
    p256_public_from_multikey,
    p256_public_multikey,
    public_jwk,
    public_key_from_jwk,
)

# The key pair of the W3C vc-di-eddsa test vectors (keyPair.json).
VECTOR_PUBLIC = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
VECTOR_PRIVATE = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"

# RFC 8037 Appendix A.1 / A.3: an Ed25519 key and its RFC 7638 thumbprint.
RFC8037_D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
RFC8037_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
RFC8037_THUMBPRINT = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def _raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def test_vc_di_eddsa_key_pair_vector() -> None:
    private = ed25519_private_from_multikey(VECTOR_PRIVATE)
    assert ed25519_public_multikey(private.public_key()) == VECTOR_PUBLIC
    assert _raw(ed25519_public_from_multikey(VECTOR_PUBLIC)) == _raw(private.public_key())
    assert ed25519_private_multikey(private) == VECTOR_PRIVATE


def test_ed25519_multikey_round_trip() -> None:
    key = Ed25519PrivateKey.generate().public_key()
    text = ed25519_public_multikey(key)
    assert text.startswith("z6Mk")
    assert _raw(ed25519_public_from_multikey(text)) == _raw(key)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "u7QE",  # not base58btc
        "z0OIl",  # bad base58 characters
        multibase_encode(b"\xed\x01" + b"\x01" * 31),  # too short
        multibase_encode(b"\xed\x01" + b"\x01" * 33),  # too long
        multibase_encode(b"\x80\x26" + b"\x01" * 32),  # a secret key
        multibase_encode(b"\xec\x01" + b"\x01" * 32),  # x25519
    ],
)
def test_ed25519_public_from_multikey_rejects(bad: str) -> None:
    with pytest.raises(KeyResolutionError):
        ed25519_public_from_multikey(bad)


def test_ed25519_private_from_multikey_rejects_public() -> None:
    with pytest.raises(KeyResolutionError):
        ed25519_private_from_multikey(VECTOR_PUBLIC)


def test_p256_multikey_round_trip() -> None:
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    text = p256_public_multikey(key)
    assert text.startswith("zDn")
    assert p256_public_from_multikey(text).public_numbers() == key.public_numbers()
    with pytest.raises(KeyResolutionError):
        p256_public_from_multikey(multibase_encode(b"\x80\x24\x04" + b"\x00" * 32))


def test_ed25519_jwk_matches_rfc8037() -> None:
    private = Ed25519PrivateKey.from_private_bytes(b64url_decode(RFC8037_D))
    jwk = public_jwk(private.public_key())
    assert jwk == {"kty": "OKP", "crv": "Ed25519", "x": RFC8037_X}
    assert jwk_thumbprint(jwk) == RFC8037_THUMBPRINT
    assert _raw(public_key_from_jwk(jwk)) == _raw(private.public_key())  # type: ignore[arg-type]


def test_p256_jwk_round_trip_and_thumbprint_agree_with_jwcrypto() -> None:
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    jwk = public_jwk(key)
    assert set(jwk) == {"kty", "crv", "x", "y"}
    assert (jwk["kty"], jwk["crv"]) == ("EC", "P-256")
    assert len(b64url_decode(jwk["x"])) == 32 and len(b64url_decode(jwk["y"])) == 32
    loaded = public_key_from_jwk(jwk)
    assert isinstance(loaded, ec.EllipticCurvePublicKey)
    assert loaded.public_numbers() == key.public_numbers()
    reference = jwcrypto_jwk.JWK(**jwk)
    assert jwk_thumbprint(jwk) == reference.thumbprint()
    # Extra members do not change the thumbprint.
    assert jwk_thumbprint({**jwk, "kid": "x", "use": "sig"}) == jwk_thumbprint(jwk)


def test_p256_jwk_keeps_leading_zero_bytes() -> None:
    # Deterministic search for a key whose x coordinate starts with a zero byte.
    key = next(
        k
        for k in (ec.derive_private_key(i, ec.SECP256R1()).public_key() for i in range(1, 10_000))
        if k.public_numbers().x < 2**248
    )
    jwk = public_jwk(key)
    assert b64url_decode(jwk["x"])[0] == 0 and len(b64url_decode(jwk["x"])) == 32
    loaded = public_key_from_jwk(jwk)
    assert isinstance(loaded, ec.EllipticCurvePublicKey)
    assert loaded.public_numbers() == key.public_numbers()


def test_public_jwk_rejects_other_curves() -> None:
    with pytest.raises(KeyResolutionError):
        public_jwk(ec.generate_private_key(ec.SECP384R1()).public_key())


def _p256_jwk() -> dict[str, str]:
    return public_jwk(ec.generate_private_key(ec.SECP256R1()).public_key())


@pytest.mark.parametrize(
    "mutate",
    [
        lambda j: {**j, "d": "AAAA"},
        lambda j: {**j, "kty": "RSA"},
        lambda j: {**j, "crv": "P-384"},
        lambda j: {**j, "crv": "secp256k1"},
        lambda j: {k: v for k, v in j.items() if k != "y"},
        lambda j: {**j, "x": "!!"},
        lambda j: {**j, "x": b64url_encode(b"\x01" * 31)},
        lambda j: {**j, "y": b64url_encode(b"\x01" * 32)},  # not on the curve
        lambda j: {**j, "kty": "oct", "k": "AAAA"},
    ],
)
def test_public_key_from_jwk_rejects(mutate: object) -> None:
    jwk = mutate(_p256_jwk())  # type: ignore[operator]
    with pytest.raises(KeyResolutionError):
        public_key_from_jwk(jwk)


def test_public_key_from_jwk_rejects_private_okp() -> None:
    with pytest.raises(KeyResolutionError):
        public_key_from_jwk({"kty": "OKP", "crv": "Ed25519", "x": RFC8037_X, "d": RFC8037_D})
    with pytest.raises(KeyResolutionError):
        public_key_from_jwk({"kty": "OKP", "crv": "X25519", "x": RFC8037_X})


def test_thumbprint_rejects_incomplete_or_unknown() -> None:
    with pytest.raises(KeyResolutionError):
        jwk_thumbprint({"kty": "EC", "crv": "P-256", "x": "AA"})
    with pytest.raises(KeyResolutionError):
        jwk_thumbprint({"kty": "RSA", "n": "AA", "e": "AQAB"})
    with pytest.raises(KeyResolutionError):
        jwk_thumbprint({"kty": ["EC"]})


def _rsa_jwk(bits: int = 2048) -> dict[str, str]:
    return {
        k: v
        for k, v in jwcrypto_jwk.JWK.generate(kty="RSA", size=bits).export(as_dict=True).items()
        if k in ("kty", "n", "e", "d", "p", "q", "dp", "dq", "qi")
    }


def test_rsa_public_jwk_loads_and_private_members_are_refused() -> None:
    full = _rsa_jwk()
    public = {k: full[k] for k in ("kty", "n", "e")}
    key = public_key_from_jwk(public)
    assert isinstance(key, rsa.RSAPublicKey) and key.key_size == 2048
    assert key.public_numbers().n == int.from_bytes(b64url_decode(public["n"]), "big")
    for member in ("d", "p", "q", "dp", "dq", "qi"):
        with pytest.raises(KeyResolutionError, match="private"):
            public_key_from_jwk({**public, member: full[member]})


@pytest.mark.parametrize(
    "mutate",
    [
        lambda j: {k: v for k, v in j.items() if k != "n"},
        lambda j: {**j, "e": "AQ"},  # e = 1
        lambda j: {**j, "e": b64url_encode(b"\x01" * 9)},  # longer than 8 bytes
        lambda j: {**j, "n": b64url_encode(b"\xff" * 32)},  # 256 bits: below what we read
        lambda j: {**j, "n": b64url_encode(b"\xff" * 1025)},  # 8200 bits: above
        lambda j: {**j, "n": "!!"},
    ],
)
def test_rsa_jwk_rejects(mutate: object) -> None:
    public = {k: v for k, v in _rsa_jwk().items() if k in ("kty", "n", "e")}
    with pytest.raises(KeyResolutionError):
        public_key_from_jwk(mutate(public))  # type: ignore[operator]

"""Public-key encodings: Ed25519 Multikey (multibase + multicodec) and JWK (P-256, Ed25519, RSA)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from core.encoding import b64url_decode, b64url_encode, multibase_decode, multibase_encode
from core.errors import InputError, KeyResolutionError

PublicKey = Ed25519PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey

#: RSA moduli read from a JWK: shorter ones still load, so that the verifier can name them
#: weak (VC-JWT refuses under 2048 bits); longer ones would only cost time.
RSA_MIN_LOADED_BITS = 512
RSA_MAX_BITS = 8192

# Multicodec prefixes (varint-encoded): ed25519-pub 0xed, ed25519-priv 0x1300, p256-pub 0x1200.
ED25519_PUB_PREFIX = b"\xed\x01"
ED25519_PRIV_PREFIX = b"\x80\x26"
P256_PUB_PREFIX = b"\x80\x24"

# JWK members that reveal a private key (RFC 7518 §6.2.2, §6.3.2; RFC 8037).
_PRIVATE_JWK_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


def _decode_multibase_key(value: object, prefix: bytes, what: str) -> bytes:
    if not isinstance(value, str):
        raise KeyResolutionError(f"{what} must be a multibase string")
    try:
        raw = multibase_decode(value)
    except InputError:
        raise KeyResolutionError(f"{what} is not valid multibase base58btc") from None
    if not raw.startswith(prefix):
        raise KeyResolutionError(f"{what} has the wrong multicodec prefix")
    return raw[len(prefix) :]


def ed25519_public_multikey(key: Ed25519PublicKey) -> str:
    """'z6Mk…': 'z' + base58btc(0xed 0x01 ‖ the 32-byte raw public key)."""
    raw = key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return multibase_encode(ED25519_PUB_PREFIX + raw)


def ed25519_public_from_multikey(value: str) -> Ed25519PublicKey:
    """Decode an Ed25519 Multikey public key; KeyResolutionError if it is anything else."""
    raw = _decode_multibase_key(value, ED25519_PUB_PREFIX, "Ed25519 public Multikey")
    if len(raw) != 32:
        raise KeyResolutionError("Ed25519 public Multikey has the wrong length")
    return Ed25519PublicKey.from_public_bytes(raw)


def ed25519_private_multikey(key: Ed25519PrivateKey) -> str:
    """'z3u2…': 'z' + base58btc(0x80 0x26 ‖ the 32-byte seed) — for test vectors only."""
    seed = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return multibase_encode(ED25519_PRIV_PREFIX + seed)


def ed25519_private_from_multikey(value: str) -> Ed25519PrivateKey:
    """Decode an Ed25519 Multikey secret key (0x80 0x26 ‖ 32-byte seed)."""
    raw = _decode_multibase_key(value, ED25519_PRIV_PREFIX, "Ed25519 secret Multikey")
    if len(raw) != 32:
        raise KeyResolutionError("Ed25519 secret Multikey has the wrong length")
    return Ed25519PrivateKey.from_private_bytes(raw)


def p256_public_from_multikey(value: str) -> ec.EllipticCurvePublicKey:
    """Decode a P-256 Multikey public key (0x80 0x24 ‖ 33-byte compressed point)."""
    raw = _decode_multibase_key(value, P256_PUB_PREFIX, "P-256 public Multikey")
    if len(raw) != 33 or raw[0] not in (2, 3):
        raise KeyResolutionError("P-256 public Multikey must be a compressed point")
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError:
        raise KeyResolutionError("P-256 public Multikey is not a point on the curve") from None


def p256_public_multikey(key: ec.EllipticCurvePublicKey) -> str:
    """'zDn…': 'z' + base58btc(0x80 0x24 ‖ the 33-byte compressed point)."""
    _require_p256(key)
    return multibase_encode(
        P256_PUB_PREFIX + key.public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
    )


def _require_p256(key: ec.EllipticCurvePublicKey) -> None:
    if not isinstance(key.curve, ec.SECP256R1):
        raise KeyResolutionError("only P-256 elliptic-curve keys are supported")


def public_jwk(key: PublicKey) -> dict[str, str]:
    """The public JWK of a P-256 (kty EC) or Ed25519 (kty OKP) key."""
    if isinstance(key, Ed25519PublicKey):
        raw = key.public_bytes(Encoding.Raw, PublicFormat.Raw)
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(raw)}
    if isinstance(key, ec.EllipticCurvePublicKey):
        _require_p256(key)
        numbers = key.public_numbers()
        return {
            "kty": "EC",
            "crv": "P-256",
            "x": b64url_encode(numbers.x.to_bytes(32, "big")),
            "y": b64url_encode(numbers.y.to_bytes(32, "big")),
        }
    raise KeyResolutionError("unsupported key type")


def _jwk_coordinate(jwk: dict[str, Any], name: str, length: int) -> bytes:
    value = jwk.get(name)
    if not isinstance(value, str):
        raise KeyResolutionError(f"JWK member {name!r} is missing")
    try:
        raw = b64url_decode(value)
    except InputError:
        raise KeyResolutionError(f"JWK member {name!r} is not base64url") from None
    if len(raw) != length:
        raise KeyResolutionError(f"JWK member {name!r} has the wrong length")
    return raw


def public_key_from_jwk(jwk: dict[str, Any]) -> PublicKey:
    """Load a public P-256, Ed25519 or RSA key from a JWK; private or unknown keys are refused."""
    if not isinstance(jwk, dict):
        raise KeyResolutionError("a JWK must be a JSON object")
    if _PRIVATE_JWK_MEMBERS & jwk.keys():
        raise KeyResolutionError("the JWK contains private key material")
    kty, crv = jwk.get("kty"), jwk.get("crv")
    if kty == "OKP" and crv == "Ed25519":
        return Ed25519PublicKey.from_public_bytes(_jwk_coordinate(jwk, "x", 32))
    if kty == "EC" and crv == "P-256":
        x = int.from_bytes(_jwk_coordinate(jwk, "x", 32), "big")
        y = int.from_bytes(_jwk_coordinate(jwk, "y", 32), "big")
        try:
            return ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
        except ValueError:
            raise KeyResolutionError("the JWK is not a point on P-256") from None
    if kty == "RSA":
        return _rsa_public_key(jwk)
    raise KeyResolutionError("unsupported JWK key type or curve (need EC P-256, OKP Ed25519, RSA)")


def _rsa_public_key(jwk: dict[str, Any]) -> rsa.RSAPublicKey:
    values: list[int] = []
    for name, longest in (("n", RSA_MAX_BITS // 8), ("e", 8)):
        value = jwk.get(name)
        if not isinstance(value, str) or len(value) > longest * 4 // 3 + 4:
            raise KeyResolutionError(f"JWK member {name!r} is missing or too long")
        try:
            raw = b64url_decode(value)
        except InputError:
            raise KeyResolutionError(f"JWK member {name!r} is not base64url") from None
        if len(raw) > longest:
            raise KeyResolutionError(f"JWK member {name!r} is too long")
        values.append(int.from_bytes(raw, "big"))
    modulus, exponent = values
    if not RSA_MIN_LOADED_BITS <= modulus.bit_length() <= RSA_MAX_BITS:
        raise KeyResolutionError("the RSA modulus has an unsupported size")
    try:
        return rsa.RSAPublicNumbers(exponent, modulus).public_key()
    except ValueError:
        raise KeyResolutionError("the JWK is not a valid RSA public key") from None


_THUMBPRINT_MEMBERS = {"EC": ("crv", "kty", "x", "y"), "OKP": ("crv", "kty", "x")}


def jwk_thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 thumbprint: base64url(SHA-256(the required members, sorted, no whitespace))."""
    kty = jwk.get("kty")
    members = _THUMBPRINT_MEMBERS.get(kty) if isinstance(kty, str) else None
    if members is None:
        raise KeyResolutionError("unsupported JWK key type for a thumbprint")
    required: dict[str, Any] = {}
    for name in members:
        if not isinstance(jwk.get(name), str):
            raise KeyResolutionError(f"JWK member {name!r} is missing")
        required[name] = jwk[name]
    canonical = json.dumps(required, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return b64url_encode(hashlib.sha256(canonical.encode("utf-8")).digest())

"""VC-JWT: sign (OB 3.0 profile, ES256), parse untrusted tokens (VC 2.0 and VC-JWT 1.1 forms),
verify signatures (ES256, EdDSA, RS256), check claims."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from core.credentials.untrusted import parse_untrusted_json
from core.encoding import b64url_decode
from core.errors import InputError, InvalidSignature, PayloadTooLarge, ProofError

# Registered JWT claims (RFC 7519 §4.1) that the OB 3.0 profile adds next to the credential.
REGISTERED_CLAIMS = ("iss", "jti", "nbf", "sub", "exp", "iat", "aud")
FORM_JWT = "jwt"  # OB 3.0 profile: the credential's properties at the top level of the payload
FORM_VC_CLAIM = "vc-claim"  # legacy VC 1.1 JWT: the credential under the "vc" claim
FORM_JOSE_COSE = "vc-jose-cose"  # VC-JOSE-COSE (typ vc+jwt): the payload is the credential

#: RSA keys shorter than this prove nothing (NIST SP 800-131A; RFC 7518 §3.3 asks 2048 too).
RSA_MIN_BITS = 2048
#: The first context of a VC Data Model 1.1 credential.
_VC_V1_CONTEXT = "https://www.w3.org/2018/credentials/v1"

_JOSE_COSE_TYPES = {"vc+jwt", "vc+ld+json+jwt", "vc+ld+jwt", "vc"}
_MALFORMED = "not a JWT (compact JWS with a JSON header and payload)"


@dataclass(frozen=True)
class ParsedJwt:
    """An UNVERIFIED token split into its parts; nothing here has been checked."""

    header: dict[str, Any]
    payload: dict[str, Any]
    credential: dict[str, Any]
    form: str
    token: str


# --- helpers ---------------------------------------------------------------------------------


#: Deepest nesting of a JWT's header or payload.
MAX_JSON_DEPTH = 32


def _json_object(segment: str) -> dict[str, Any]:
    # The same bounded reader as every other untrusted JSON: duplicate keys, NaN/Infinity,
    # overflowing numbers and lone surrogates are refused, numbers are read as JavaScript does.
    try:
        value = parse_untrusted_json(
            b64url_decode(segment), max_bytes=len(segment), max_depth=MAX_JSON_DEPTH
        )
    except InputError:
        raise InputError(_MALFORMED, code="malformed_jwt") from None
    if not isinstance(value, dict):
        raise InputError(_MALFORMED, code="malformed_jwt")
    return value


def _media_type(value: object) -> str:
    if not isinstance(value, str):
        return ""
    value = value.strip().lower()
    return value[len("application/") :] if value.startswith("application/") else value


def issuer_id(credential: dict[str, Any]) -> str | None:
    """The issuer's id, whether ``issuer`` is a string or an object."""
    issuer = credential.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) and issuer else None


def _subject_ids(credential: dict[str, Any]) -> list[str]:
    subjects = credential.get("credentialSubject")
    items = subjects if isinstance(subjects, list) else [subjects]
    return [s["id"] for s in items if isinstance(s, dict) and isinstance(s.get("id"), str)]


def numeric_date(value: object) -> int | None:
    """An xsd:dateTime with a time zone as a JWT NumericDate (whole seconds), else None."""
    if not isinstance(value, str) or "T" not in value.upper():
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return math.floor(moment.timestamp())


# --- signing ---------------------------------------------------------------------------------


def sign_vc_jwt(
    credential: dict[str, Any],
    *,
    private_key: ec.EllipticCurvePrivateKey,
    kid: str,
    issued_at: datetime | None = None,
) -> str:
    """Sign ``credential`` as an OB 3.0 VC-JWT with ES256 (proof removed, JWT claims added).

    ``issued_at`` becomes ``iat``: the signing date, by which verifiers bound a retired key.
    """
    if not isinstance(private_key, ec.EllipticCurvePrivateKey) or not isinstance(
        private_key.curve, ec.SECP256R1
    ):
        raise InputError("a VC-JWT is signed with a P-256 key (ES256)", code="invalid_key")
    clashing = [c for c in REGISTERED_CLAIMS if c in credential]
    if clashing:
        raise InputError("the credential uses reserved JWT claim names: " + ", ".join(clashing))
    payload = {k: v for k, v in credential.items() if k != "proof"}
    iss = issuer_id(credential)
    if iss is None:
        raise InputError("the credential has no issuer id")
    payload["iss"] = iss
    if isinstance(credential.get("id"), str):
        payload["jti"] = credential["id"]
    for member, claim in (("validFrom", "nbf"), ("validUntil", "exp")):
        if member in credential:
            seconds = numeric_date(credential[member])
            if seconds is None:
                raise InputError(f"{member} is not a date-time with a time zone")
            payload[claim] = seconds
    subjects = _subject_ids(credential)
    if len(subjects) == 1:
        payload["sub"] = subjects[0]
    if issued_at is not None:
        payload["iat"] = math.floor(issued_at.timestamp())
    return jwt.encode(payload, private_key, algorithm="ES256", headers={"kid": kid, "typ": "JWT"})


# --- parsing (no verification) ---------------------------------------------------------------


def parse_vc_jwt(untrusted_token: str, *, max_length: int = 200_000) -> ParsedJwt:
    """Split and decode a VC-JWT WITHOUT verifying it, and pick out the credential."""
    if not isinstance(untrusted_token, str):
        raise InputError(_MALFORMED, code="malformed_jwt")
    token = untrusted_token.strip()
    if len(token) > max_length:
        raise PayloadTooLarge("the JWT is too long")
    parts = token.split(".")
    if len(parts) != 3 or not parts[0] or not parts[1]:
        raise InputError(_MALFORMED, code="malformed_jwt")
    header, payload = _json_object(parts[0]), _json_object(parts[1])
    if parts[2]:
        _signature_bytes(parts[2])
    if not isinstance(header.get("alg"), str):
        raise InputError("the JWT header has no algorithm", code="malformed_jwt")

    kinds = {_media_type(header.get("typ")), _media_type(header.get("cty"))}
    if kinds & _JOSE_COSE_TYPES:
        return ParsedJwt(header, payload, dict(payload), FORM_JOSE_COSE, token)
    if "vc" in payload:
        vc = payload["vc"]
        if not isinstance(vc, dict):
            raise InputError("the JWT 'vc' claim is not an object", code="malformed_jwt")
        return ParsedJwt(header, payload, _from_vc_claim(vc, payload), FORM_VC_CLAIM, token)
    credential = {k: v for k, v in payload.items() if k not in REGISTERED_CLAIMS}
    return ParsedJwt(header, payload, credential, FORM_JWT, token)


def _signature_bytes(segment: str) -> bytes:
    try:
        return b64url_decode(segment)
    except InputError:
        raise InputError(_MALFORMED, code="malformed_jwt") from None


def _from_vc_claim(vc: dict[str, Any], payload: dict[str, Any]) -> dict[str, Any]:
    """VC 1.1 §6.3.1 decoding: id, issuer and subject id may live only in jti / iss / sub, and
    (for a VC 1.1 credential) issuanceDate / expirationDate only in nbf / exp."""
    credential = dict(vc)
    contexts = credential.get("@context")
    first = contexts[0] if isinstance(contexts, list) and contexts else contexts
    if first == _VC_V1_CONTEXT:
        for claim, member in (("nbf", "issuanceDate"), ("exp", "expirationDate")):
            instant = _claim_instant(payload.get(claim))
            if member not in credential and instant is not None:
                credential[member] = instant
    if "id" not in credential and isinstance(payload.get("jti"), str):
        credential["id"] = payload["jti"]
    if "issuer" not in credential and isinstance(payload.get("iss"), str):
        credential["issuer"] = payload["iss"]
    subject = credential.get("credentialSubject")
    if isinstance(subject, dict) and "id" not in subject and isinstance(payload.get("sub"), str):
        credential["credentialSubject"] = {**subject, "id": payload["sub"]}
    return credential


def _claim_instant(value: object) -> str | None:
    """A NumericDate claim as an xsd:dateTime in UTC, or None when it is not one."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    try:
        moment = datetime.fromtimestamp(math.floor(value), tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# --- signature -------------------------------------------------------------------------------


def _key_algorithms(public_key: object) -> set[str]:
    if isinstance(public_key, Ed25519PublicKey):
        return {"EdDSA"}
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        by_curve = {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}
        alg = by_curve.get(public_key.curve.name)
        return {alg} if alg else set()
    if isinstance(public_key, rsa.RSAPublicKey):
        return {"RS256"}
    return set()


def verify_vc_jwt_signature(token: str, public_key: object, *, algorithms: tuple[str, ...]) -> None:
    """Verify the JWS signature with ``public_key``; only configured algorithms that fit the key.

    Dates are not checked here (the pipeline checks them with its clock).  Raises ProofError
    ("algorithm_not_allowed") for a refused algorithm and InvalidSignature for a bad signature.
    """
    parsed = parse_vc_jwt(token)
    alg = parsed.header["alg"]
    refused = alg.lower() == "none" or alg.upper().startswith("HS")
    fitting = _key_algorithms(public_key)
    usable = [a for a in algorithms if a in fitting]  # never "none" / HS*: no key type fits them
    if refused or alg not in usable:
        raise ProofError(
            f"JWT algorithm {alg[:20]!r} is not allowed for this key", code="algorithm_not_allowed"
        )
    if isinstance(public_key, rsa.RSAPublicKey) and public_key.key_size < RSA_MIN_BITS:
        raise ProofError("the RSA key is shorter than 2048 bits", code="weak_key")
    if "crit" in parsed.header:
        raise ProofError("the JWT lists critical header extensions that are not supported")
    try:
        jwt.decode(
            parsed.token,
            key=public_key,  # type: ignore[arg-type]
            algorithms=usable,
            options={
                "verify_signature": True,
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
                "verify_aud": False,
                "verify_iss": False,
                "verify_sub": False,
                "verify_jti": False,
            },
        )
    except jwt.InvalidSignatureError:
        raise InvalidSignature("the JWT signature does not verify") from None
    except jwt.InvalidAlgorithmError:
        raise ProofError("the JWT algorithm is not allowed", code="algorithm_not_allowed") from None
    except jwt.PyJWTError:
        raise ProofError("the JWT could not be verified") from None


# --- claims ----------------------------------------------------------------------------------


def check_jwt_claims_consistency(parsed: ParsedJwt) -> list[str]:
    """Problems where iss / jti / nbf / exp / sub disagree with the credential they carry.

    For the OB 3.0 profile a claim missing while the credential has the value is a problem too.
    """
    payload, credential = parsed.payload, parsed.credential
    strict = parsed.form == FORM_JWT
    problems: list[str] = []

    def compare(claim: str, expected: object, what: str) -> None:
        if claim in payload:
            if expected is None:
                problems.append(f"'{claim}' is set but the credential has no {what}")
            elif payload[claim] != expected:
                problems.append(f"'{claim}' does not match the credential's {what}")
        elif strict and expected is not None:
            problems.append(f"'{claim}' is missing (the credential has a {what})")

    compare("iss", issuer_id(credential), "issuer id")
    compare("jti", credential.get("id") if isinstance(credential.get("id"), str) else None, "id")

    subjects = _subject_ids(credential)
    if "sub" in payload:
        if payload["sub"] not in subjects:
            problems.append("'sub' does not match the credential's subject id")
    elif strict and len(subjects) == 1:
        problems.append("'sub' is missing (the credential subject has an id)")

    for claim, members in (
        ("nbf", ("validFrom", "issuanceDate")),
        ("exp", ("validUntil", "expirationDate")),
    ):
        problem = _date_problem(payload, credential, claim, members, strict=strict)
        if problem:
            problems.append(problem)
    return problems


def _date_problem(
    payload: dict[str, Any],
    credential: dict[str, Any],
    claim: str,
    members: tuple[str, str],
    *,
    strict: bool,
) -> str | None:
    """nbf / exp against validFrom / validUntil (or the VC 1.1 issuanceDate / expirationDate)."""
    member = next((m for m in members if m in credential), None)
    expected = numeric_date(credential[member]) if member else None
    if member and expected is None:
        return f"the credential's {member} is not a date-time with a time zone"
    if claim not in payload:
        missing = strict and member is not None
        return f"'{claim}' is missing (the credential has a {member})" if missing else None
    value = payload[claim]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return f"'{claim}' is not a NumericDate"
    if expected is None:
        return f"'{claim}' is set but the credential has no {members[0]}" if strict else None
    if math.floor(value) != expected:
        return f"'{claim}' does not match the credential's {member}"
    return None

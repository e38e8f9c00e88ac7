"""The later steps of the verification pipeline (issuer, dates, status) and what they share."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from core.clock import Clock, isoformat_z, parse_instant
from core.credentials.loader import CREDENTIALS_V1
from core.credentials.report import Format, Step
from core.credentials.vcjwt import ParsedJwt
from core.errors import SceauError

STATUS_ENTRY_TYPES = ("BitstringStatusListEntry", "StatusList2021Entry")
MAX_STATUS_ENTRIES = 4


class StatusChecker(Protocol):
    """Reads the status bit of one credentialStatus entry (fetching and verifying its list)."""

    def is_revoked(self, entry: dict[str, Any], *, issuer_id: str) -> bool:
        """True when the bit is set; StatusListError when the list cannot be trusted or read."""
        ...


class IssuerRegistry(Protocol):
    """The issuers this verifier knows: the bodies of this instance and registered ones."""

    def lookup(self, issuer_id: str) -> dict[str, Any] | None:
        """``{"name": …, "url": …, "registry": …}`` for a known issuer (its DID exactly), else
        None; ``registry`` says who vouches for it (``THIS_SERVICE`` or a registry's name)."""
        ...

    def is_known_name(self, name: str) -> bool:
        """True when ``name`` is (loosely) the name of a known issuer: an unknown issuer that
        claims it is impersonating one."""
        ...


#: The ``registry`` of the issuers of this instance itself.
THIS_SERVICE = "this service"


#: Capitals of other scripts drawn like Latin capitals (mapped before case folding, which would
#: turn Greek Ν into ν, a "v").
_CAPITALS = str.maketrans(
    {
        **dict.fromkeys("ΑАᎪꓮ", "A"), **dict.fromkeys("ΒВᏴꓐ", "B"), **dict.fromkeys("СϹᏟꓚ", "C"),
        **dict.fromkeys("Ꭰꓓ", "D"), **dict.fromkeys("ΕЕᎬꓰ", "E"), **dict.fromkeys("ꓝ", "F"),
        **dict.fromkeys("ᏀꓖԌ", "G"), **dict.fromkeys("ΗНᎻꓧ", "H"), **dict.fromkeys("ΙІӀꓲ", "I"),
        **dict.fromkeys("ЈᎫꓙ", "J"), **dict.fromkeys("ΚКᏦꓗ", "K"), **dict.fromkeys("ᏞꓡⅬ", "L"),
        **dict.fromkeys("ΜМᎷꓟ", "M"), **dict.fromkeys("Νꓠ", "N"), **dict.fromkeys("ΟОՕꓳ", "O"),
        **dict.fromkeys("ΡРᏢꓑ", "P"), **dict.fromkeys("ԚⵕQ", "Q"), **dict.fromkeys("ᎡꓣƦ", "R"),
        **dict.fromkeys("ЅᏚꓢ", "S"), **dict.fromkeys("ΤТᎢꓔ", "T"), **dict.fromkeys("ꓴՍ", "U"),
        **dict.fromkeys("ᏙꓦѴ", "V"), **dict.fromkeys("ᎳꓪԜ", "W"), **dict.fromkeys("ΧХꓫ", "X"),
        **dict.fromkeys("ΥҮꓬ", "Y"), **dict.fromkeys("ΖᏃꓜ", "Z"),
    }
)  # fmt: skip
#: Small letters of other scripts drawn like Latin ones (after case folding): a look-alike of
#: a registered body's name reads as that name (the common confusables of Unicode TR 39).
_LOOK_ALIKES = str.maketrans(
    {
        **dict.fromkeys("аɑαⲁᴀꭺ", "a"), **dict.fromkeys("вʙ", "b"), **dict.fromkeys("сϲⲥᴄ", "c"),
        **dict.fromkeys("ԁᴅđ", "d"), **dict.fromkeys("еєεⲉᴇɛ", "e"), **dict.fromkeys("ɡɢԍցɠ", "g"),
        **dict.fromkeys("һʜ", "h"), **dict.fromkeys("ј", "j"), **dict.fromkeys("κкᴋ", "k"),
        **dict.fromkeys("мᴍ", "m"), **dict.fromkeys("ηпոɴƞ", "n"),
        **dict.fromkeys("оοσօⲟᴏ०٥۵0੦০୦௦౦೦൦๐໐ɵⵔ𐒆", "o"), **dict.fromkeys("рρⲣᴘ", "p"), "ԛ": "q",
        **dict.fromkeys("гʀꭇɾꞃ", "r"), **dict.fromkeys("ѕꜱꞅ", "s"), **dict.fromkeys("тτᴛŧ", "t"),
        **dict.fromkeys("υսᴜ", "u"), **dict.fromkeys("νѵᴠ", "v"), **dict.fromkeys("ԝᴡ", "w"),
        **dict.fromkeys("хχⲭ", "x"), **dict.fromkeys("уγʏ", "y"), "ᴢ": "z",
        # i, l, 1 and I (folded to i) read alike: one letter for all of them.
        **dict.fromkeys("іıιїɩⲓɪӏl1|", "i"),
    }
)  # fmt: skip
#: Letters drawn as nothing (Hangul fillers) and other default-ignorable letters.
_INVISIBLE = frozenset("\u115f\u1160\u3164\uffa0\u17b4\u17b5\u180b\u180c\u180d\u180e\u2800")
#: Latin letter pairs read as one letter.
_DIGRAPHS = (("rn", "m"), ("vv", "w"))


def loose_name(name: str) -> str:
    """A name as people read it: compatibility forms (fullwidth, mathematical letters), case,
    accents, invisible and format characters, punctuation and symbols dropped or folded, and
    letters of other scripts (or digits) that look Latin read as Latin, spaces ignored: two
    names equal here look alike (and a few that do not: harmless, since it only withholds an
    unknown issuer's claimed name)."""
    capitals = unicodedata.normalize("NFKC", name).translate(_CAPITALS)
    # Case folding turns some small letters into capitals of their script (Cherokee): map the
    # capitals again after it.
    folded = unicodedata.normalize("NFKD", capitals.casefold().translate(_CAPITALS).lower())
    kept = "".join(
        " " if unicodedata.category(c)[0] in "PSZ" else c
        for c in folded
        if unicodedata.category(c)[0] != "M"
        and unicodedata.category(c) not in ("Cf", "Cc")
        and c not in _INVISIBLE
    )
    # Without any space at all: an invisible letter may stand for one, or sit inside a word.
    read = "".join(kept.translate(_LOOK_ALIKES).split())
    for pair, letter in _DIGRAPHS:
        read = read.replace(pair, letter)
    return read


class Stop(Exception):
    """Ends a step early with its outcome (a failed step)."""

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.message = message
        self.details = details or {}


@dataclass
class Parsed:
    """The input once read: still unverified."""

    format: Format
    unverified_credential: dict[str, Any]
    issuer_id: str
    token: str | None = None
    jwt: ParsedJwt | None = None


def as_list(value: object) -> list[Any]:
    """A value as a list (JSON-LD allows one value where a list is expected)."""
    return value if isinstance(value, list) else [value]


def is_vc_1_1(credential: dict[str, Any]) -> bool:
    """Whether the credential follows VC Data Model 1.1 (its first context is the 2018 one)."""
    contexts = as_list(credential.get("@context"))
    return bool(contexts) and contexts[0] == CREDENTIALS_V1


def issuer_step(
    parsed: Parsed, issuers: IssuerRegistry, *, require_known: bool
) -> tuple[Step, dict[str, Any]]:
    """The issuer step and the report's issuer summary ``{id, name, known}`` (with the
    ``registry`` that vouches for a known issuer). Runs only once the proof holds."""
    issuer_id = parsed.issuer_id
    known = issuers.lookup(issuer_id)
    claimed = parsed.unverified_credential.get("issuer")
    claimed_name = claimed.get("name") if isinstance(claimed, dict) else None
    if not isinstance(claimed_name, str) or not claimed_name.strip():
        claimed_name = None
    if known is not None:
        name = known.get("name") if isinstance(known.get("name"), str) else claimed_name
        registry = known.get("registry") if isinstance(known.get("registry"), str) else None
        registry = registry or THIS_SERVICE
        message = (
            "The issuer is a certification body of this service."
            if registry == THIS_SERVICE
            else f"The issuer is registered as {name} in the trusted issuers registry {registry}."
        )
        details = {"issuerId": issuer_id, "registry": registry}
        step = Step("issuer", True, "known_issuer", message, details)
        return step, {"id": issuer_id, "name": name, "known": True, "registry": registry}
    message = (
        "Warning: the issuer is neither a certification body of this service nor in its "
        "trusted issuers registry; the signature only proves who holds its key, and its name "
        "is its own claim."
    )
    if claimed_name is not None and issuers.is_known_name(claimed_name):
        # An unregistered DID wearing a registered body's name: the name is never shown.
        message = (
            "Warning: the issuer claims the name of a registered certification body, but its "
            "identifier is not that body's: do not trust this credential as theirs."
        )
        claimed_name = None
    step = Step("issuer", not require_known, "unknown_issuer", message, {"issuerId": issuer_id})
    return step, {"id": issuer_id, "name": claimed_name, "known": False}


def dates_step(parsed: Parsed, clock: Clock, skew_seconds: int = 0) -> Step:
    """validFrom / validUntil (or VC 1.1 issuanceDate / expirationDate, and JWT nbf / exp).

    A start up to ``skew_seconds`` in the future is accepted, as the VC verifiers of the field
    do: the issuer's clock may run a little ahead of ours.
    """
    credential = parsed.unverified_credential
    if is_vc_1_1(credential) and not isinstance(credential.get("issuanceDate"), str):
        raise Stop("invalid_date", "A VC 1.1 credential must have an issuanceDate.")
    claims = parsed.jwt.payload if parsed.jwt is not None else {}
    starts = [credential.get("validFrom"), credential.get("issuanceDate")]
    ends = [credential.get("validUntil"), credential.get("expirationDate")]
    if isinstance(claims, dict):
        starts.append(claims.get("nbf"))
        ends.append(claims.get("exp"))
    try:
        valid_from = [parse_instant(v) for v in starts if v is not None]
        valid_until = [parse_instant(v) for v in ends if v is not None]
    except (ValueError, OverflowError, OSError):
        raise Stop("invalid_date", "A validity date of the credential is not a date.") from None
    now = clock.now()
    details = {"checkedAt": isoformat_z(now)}
    if valid_from:
        details["validFrom"] = isoformat_z(max(valid_from))
    if valid_until:
        details["validUntil"] = isoformat_z(min(valid_until))
    if valid_from and max(valid_from) > now + timedelta(seconds=skew_seconds):
        raise Stop("not_yet_valid", "The credential is not valid yet.", details)
    if valid_until and min(valid_until) < now:
        raise Stop("expired", "The credential has expired.", details)
    return Step("dates", True, "valid", "The credential is within its validity period.", details)


def status_step(credential: dict[str, Any], issuer_id: str, checker: StatusChecker) -> Step:
    """The credentialStatus entries, read through the status checker; fails closed."""
    raw = credential.get("credentialStatus")
    if raw is None:
        return Step("status", True, "no_status", "The credential has no revocation status.")
    entries = as_list(raw)
    if not entries or len(entries) > MAX_STATUS_ENTRIES:
        raise Stop("unsupported_status", "The credential's status information is not supported.")
    outcomes: list[str] = []
    for entry in entries:
        purpose = entry.get("statusPurpose") if isinstance(entry, dict) else None
        if (
            not isinstance(entry, dict)
            or entry.get("type") not in STATUS_ENTRY_TYPES
            or purpose not in ("revocation", "suspension")
        ):
            raise Stop(
                "unsupported_status", "The credential's status information is not supported."
            )
        try:
            set_bit = checker.is_revoked(entry, issuer_id=issuer_id)
        except SceauError:
            raise Stop(
                "status_list_unavailable",
                "The revocation list could not be retrieved or trusted, so revocation cannot be "
                "ruled out.",
            ) from None
        if set_bit:
            outcomes.append("revoked" if purpose == "revocation" else "suspended")
    if "revoked" in outcomes:
        raise Stop("revoked", "The issuer has revoked this credential.")
    if "suspended" in outcomes:
        raise Stop("suspended", "The issuer has suspended this credential.")
    return Step("status", True, "not_revoked", "The issuer has not revoked this credential.")


__all__ = [
    "THIS_SERVICE",
    "IssuerRegistry",
    "Parsed",
    "StatusChecker",
    "Stop",
    "as_list",
    "dates_step",
    "is_vc_1_1",
    "issuer_step",
    "loose_name",
    "status_step",
]

"""The typed request to issue one credential, and its parser from the API's JSON payload.

Every way of asking for a credential ends up as one :class:`IssueRequest`: the issuer API parses
its JSON body with :func:`parse_issue_request`, the CSV import and the workflow build one in
code. An ``IssueRequest`` is valid by construction: building one runs the checks of
``schemas/api/issue_credential.json`` on its JSON form, so the service never sees an unchecked
request, whichever door it came through. For example::

    IssueRequest(
        recipient=Recipient("ada@example.org", "Ada Lovelace"),
        achievement=ProgramCode("SOUD-1"),
        results=[Result("Épreuve pratique", Decimal("15.5"), value_max="20", required_value="12")],
        valid_until=datetime(2030, 1, 1, tzinfo=UTC),
    )

What needs the database or the clock (the program exists, ``validUntil`` falls after the
default ``validFrom`` of now, an inline achievement uses only defined terms) is checked by the
issuing service.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

from core.errors import InputError
from core.validation import refuse_control_characters, refuse_jsonld_keywords, validate_payload

#: The resultType values that OB 3.0 defines (the enum of the issuing schema).
ResultType = Literal[
    "GradePointAverage",
    "LetterGrade",
    "Percent",
    "PerformanceLevel",
    "PredictedScore",
    "RawScore",
    "Result",
    "RubricCriterion",
    "RubricCriterionLevel",
    "RubricScore",
    "ScaledScore",
    "Status",
]
#: A score as a decimal string, or a number (kept exactly as ``str()`` writes it).
Value = str | int | Decimal


def _text(value: Value | None) -> str | None:
    # Credentials carry result values as strings; Decimal("15.50") keeps its written scale.
    return None if value is None else str(value)


@dataclass(frozen=True)
class Recipient:
    """Who receives the credential; the e-mail only ever appears hashed."""

    email: str
    name: str | None = None
    show_name: bool = True


@dataclass(frozen=True)
class Result:
    """One grade: ``value`` of the result named ``name``, with its optional scale and pass mark.

    Numbers are stored as their ``str()`` (``Decimal`` keeps its scale), as the credential
    writes them; ``result_type`` is the OB ``resultType`` of its ResultDescription (RawScore
    when left out)."""

    name: str
    value: Value
    value_min: Value | None = None
    value_max: Value | None = None
    required_value: Value | None = None
    result_type: ResultType | None = None

    def __post_init__(self) -> None:
        for name in ("value", "value_min", "value_max", "required_value"):
            object.__setattr__(self, name, _text(getattr(self, name)))

    def to_json(self) -> dict[str, Any]:
        """The result as the issuing API spells it."""
        out: dict[str, Any] = {"name": self.name, "value": self.value}
        for key, value in (
            ("valueMin", self.value_min),
            ("valueMax", self.value_max),
            ("requiredValue", self.required_value),
            ("resultType", self.result_type),
        ):
            if value is not None:
                out[key] = value
        return out


@dataclass(frozen=True)
class Evidence:
    """One piece of evidence (OB Evidence); ``id`` is an http(s) URL. At least one field."""

    id: str | None = None
    name: str | None = None
    description: str | None = None
    narrative: str | None = None
    genre: str | None = None
    audience: str | None = None

    #: The OB terms, in the order the credential writes them.
    FIELDS = ("id", "name", "description", "narrative", "genre", "audience")

    def to_json(self) -> dict[str, str]:
        """The evidence as the issuing API (and the credential) spell it, unset fields left out."""
        return {k: v for k in self.FIELDS if (v := getattr(self, k)) is not None}


@dataclass(frozen=True)
class ProgramCode:
    """The achievement is a version of the organization's program with this code: the
    current one, or ``version`` (a session's decisions are issued with the version that
    computed them)."""

    code: str
    version: int | None = None


@dataclass(frozen=True)
class InlineAchievement:
    """An achievement defined in the request itself (schemas/api/achievement.json fields)."""

    definition: Mapping[str, Any]

    def __post_init__(self) -> None:
        # A private copy: the caller's dict may change later, and the achievement's id is a
        # hash of this definition.
        object.__setattr__(self, "definition", copy.deepcopy(dict(self.definition)))


Achievement = ProgramCode | InlineAchievement


def _instant(value: datetime | None, path: str) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise InputError(
            "date-time without time zone",
            code="invalid_request",
            problems=[{"path": path, "message": "add Z or an offset"}],
        )
    # Credentials carry whole seconds in UTC; normalizing here makes equal instants equal.
    return value.astimezone(UTC).replace(microsecond=0)


@dataclass(frozen=True)
class IssueRequest:
    """What to issue: to whom, which achievement, when valid, with which results and evidence.

    ``valid_from`` defaults to the time of issuing, ``valid_until`` to ``valid_from`` plus the
    program's validity (no end for an inline achievement); both must be aware datetimes and
    are kept in UTC to the second. Construction raises :class:`core.errors.InputError` (with
    the same codes and problem paths as the API) when the request could not be issued.
    """

    recipient: Recipient
    achievement: Achievement
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    results: Sequence[Result] = field(default=())
    evidence: Sequence[Evidence] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "results", tuple(self.results))
        object.__setattr__(self, "evidence", tuple(self.evidence))
        object.__setattr__(self, "valid_from", _instant(self.valid_from, "validFrom"))
        object.__setattr__(self, "valid_until", _instant(self.valid_until, "validUntil"))
        check_payload(self.to_json())

    @classmethod
    def for_program(
        cls,
        code: str,
        email: str,
        name: str | None = None,
        *,
        version: int | None = None,
        show_name: bool = True,
        results: Sequence[Result] = (),
        valid_from: datetime | None = None,
        valid_until: datetime | None = None,
        evidence: Sequence[Evidence] = (),
    ) -> IssueRequest:
        """The common case: the program ``code`` awarded to ``email`` (and ``name``)."""
        return cls(
            recipient=Recipient(email, name, show_name),
            achievement=ProgramCode(code, version),
            valid_from=valid_from,
            valid_until=valid_until,
            results=results,
            evidence=evidence,
        )

    def to_json(self) -> dict[str, Any]:
        """The request in the issuing API's canonical spelling (schemas/api/issue_credential.json):
        unset fields left out, numbers as strings, dates as ``YYYY-MM-DDTHH:MM:SSZ``."""
        recipient: dict[str, Any] = {"email": self.recipient.email}
        if self.recipient.name is not None:
            recipient["name"] = self.recipient.name
        if not self.recipient.show_name:
            recipient["showName"] = False
        out: dict[str, Any] = {"recipient": recipient}
        if isinstance(self.achievement, ProgramCode):
            out["achievement"] = {"code": self.achievement.code}
            if self.achievement.version is not None:
                out["achievement"]["version"] = self.achievement.version
        else:
            out["achievement"] = copy.deepcopy(dict(self.achievement.definition))
        for key, instant in (("validFrom", self.valid_from), ("validUntil", self.valid_until)):
            if instant is not None:
                out[key] = instant.strftime("%Y-%m-%dT%H:%M:%SZ")
        if self.results:
            out["results"] = [r.to_json() for r in self.results]
        if self.evidence:
            out["evidence"] = [e.to_json() for e in self.evidence]
        return out

    def fingerprint(self) -> str:
        """SHA-256 of the canonical JSON form: equal requests, however built, match."""
        return json_fingerprint(self.to_json())


def json_fingerprint(value: Any) -> str:
    """SHA-256 of a JSON value with sorted keys, to compare retries under one Idempotency-Key."""
    canonical = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_payload(payload: Any) -> None:
    """The checks of an issuing payload that need no database: its JSON Schema, no JSON-LD
    keyword, no control character (InputError naming every problem found by the first that
    fails)."""
    validate_payload("issue_credential", payload)
    refuse_jsonld_keywords(payload)
    refuse_control_characters(payload)


def parse_instant(value: str, path: str) -> datetime:
    """An RFC 3339 date-time with a time zone, in UTC to the second; InputError at ``path``."""
    try:
        instant = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            "not a date-time",
            code="invalid_request",
            problems=[{"path": path, "message": "expected an RFC 3339 date-time"}],
        ) from None
    if instant.tzinfo is None:
        raise InputError(
            "date-time without time zone",
            code="invalid_request",
            problems=[{"path": path, "message": "add Z or an offset"}],
        )
    return instant.astimezone(UTC).replace(microsecond=0)


def parse_issue_request(payload: Any) -> IssueRequest:
    """The request of an issuing API body (schemas/api/issue_credential.json), or InputError
    with the code and the paths of the problems (``invalid_request``, ``jsonld_keyword``,
    ``control_characters``)."""
    check_payload(payload)
    recipient = payload["recipient"]
    definition = payload["achievement"]
    return IssueRequest(
        recipient=Recipient(
            recipient["email"], recipient.get("name"), recipient.get("showName", True)
        ),
        achievement=(
            ProgramCode(definition["code"], definition.get("version"))
            if "code" in definition
            else InlineAchievement(definition)
        ),
        valid_from=(
            parse_instant(payload["validFrom"], "validFrom") if "validFrom" in payload else None
        ),
        valid_until=(
            parse_instant(payload["validUntil"], "validUntil") if "validUntil" in payload else None
        ),
        results=[
            Result(
                name=r["name"],
                value=str(r["value"]),
                value_min=_text(r.get("valueMin")),
                value_max=_text(r.get("valueMax")),
                required_value=_text(r.get("requiredValue")),
                result_type=r.get("resultType"),
            )
            for r in payload.get("results", [])
        ],
        evidence=[
            Evidence(**{k: e[k] for k in Evidence.FIELDS if k in e})
            for e in payload.get("evidence", [])
        ],
    )

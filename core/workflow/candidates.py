"""Candidate rows as imported (CSV or JSON): parsed and checked line by line, without a
database, so that an import either creates every row or none and names each bad line."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from core.errors import InputError
from core.workflow.csvfile import csv_records
from core.workflow.text import has_invisible, tidy

#: The CPF's `modaliteAcces` codes (flux d'accrochage 1.1.2), the access route of an enrollment.
ACCESS_ROUTES = (
    "FORMATION_INITIALE_HORS_APPRENTISSAGE",
    "FORMATION_INITIALE_APPRENTISSAGE",
    "FORMATION_CONTINUE_HORS_CONTRAT_DE_PROFESSIONNALISATION",
    "FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION",
    "VAE",
    "EQUIVALENCE_DIPLOME_ETRANGER",
    "CANDIDAT_LIBRE",
)
REQUIRED = ("family_name", "given_names", "birth_date", "email")
#: The postal address certificates are sent to (optional; line 1 and city go together).
ADDRESS = ("address_line1", "address_line2", "postal_code", "city", "country")
_ADDRESS_LIMITS = {
    "address_line1": 200,
    "address_line2": 200,
    "postal_code": 16,
    "city": 100,
    "country": 60,
}
OPTIONAL = (
    "usage_name",
    "sex",
    "birth_place_insee",
    "birth_postal_code",
    "birth_country",
    "access_route",
    *ADDRESS,
)
COLUMNS = REQUIRED + OPTIONAL
MAX_ROWS = 20_000

_EMAIL = re.compile(r"\A[^@\s]{1,64}@[^@\s]+\.[^@\s]+\Z")
_DATE = re.compile(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
# A commune's INSEE code (Corsica: 2A/2B), or 99xxx for a country.
_INSEE = re.compile(r"\A(?:[0-9]{5}|2[AB][0-9]{3})\Z")
_POSTAL = re.compile(r"\A[0-9]{5}\Z")
# Postal codes of every country: letters, digits, spaces and hyphens (SW1A 1AA, 1010, 75011).
_ANY_POSTAL = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9 -]{0,15}\Z")
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


@dataclass(frozen=True)
class CandidateRow:
    """One candidate to enroll, checked."""

    line: int
    family_name: str
    given_names: tuple[str, ...]
    birth_date: date
    email: str
    usage_name: str | None = None
    sex: str | None = None
    birth_place_insee: str | None = None
    birth_postal_code: str | None = None
    birth_country: str | None = None
    access_route: str | None = None
    #: address_line1, address_line2, postal_code, city, country (None: no address given).
    address: dict[str, str | None] | None = None


class _Problems(list[dict[str, Any]]):
    def add(self, line: int, column: str, message: str) -> None:
        self.append({"line": line, "path": column, "message": message})


def _name(value: str, line: int, column: str, problems: _Problems, limit: int = 200) -> str:
    text = tidy(value)
    if has_invisible(text):
        problems.add(line, column, "control characters are not allowed")
    elif len(text) > limit:
        problems.add(line, column, f"at most {limit} characters")
    return text


def _row(line: int, cells: dict[str, str], today: date, problems: _Problems) -> CandidateRow:
    before = len(problems)
    if "__extra__" in cells:
        problems.add(line, "", cells["__extra__"])
        return CandidateRow(line, "", (), date.min, "")
    for column in REQUIRED:
        if not cells.get(column, "").strip():
            problems.add(line, column, "required")
    family = _name(cells.get("family_name", ""), line, "family_name", problems)
    given = tuple(_name(cells.get("given_names", ""), line, "given_names", problems).split())
    if len(given) > 3:
        problems.add(line, "given_names", "at most three given names, separated by spaces")
    born = date.min
    raw_date = cells.get("birth_date", "").strip()
    if raw_date:
        try:
            if not _DATE.match(raw_date):
                raise ValueError
            born = date.fromisoformat(raw_date)
            if not date(1900, 1, 1) <= born <= today:
                problems.add(line, "birth_date", "must be between 1900-01-01 and today")
        except ValueError:
            problems.add(line, "birth_date", "a date written YYYY-MM-DD")
    email = cells.get("email", "").strip().lower()
    if email and (len(email) > 320 or not _EMAIL.match(email) or has_invisible(email)):
        problems.add(line, "email", "an e-mail address")
    optional = {c: " ".join(cells.get(c, "").split()) or None for c in OPTIONAL}
    if optional["usage_name"]:
        optional["usage_name"] = _name(optional["usage_name"], line, "usage_name", problems)
    sex = (optional["sex"] or "").upper() or None
    if sex not in (None, "M", "F"):
        problems.add(line, "sex", "M or F, as the CPF declaration records it")
    insee = (optional["birth_place_insee"] or "").upper() or None
    if insee is not None and not _INSEE.match(insee):
        problems.add(
            line, "birth_place_insee", "a commune's INSEE code (5 characters), or 99xxx abroad"
        )
    if optional["birth_postal_code"] and not _POSTAL.match(optional["birth_postal_code"]):
        problems.add(line, "birth_postal_code", "a French postal code (5 digits)")
    if optional["birth_country"]:
        optional["birth_country"] = _name(
            optional["birth_country"], line, "birth_country", problems, limit=60
        )
    route = (optional["access_route"] or "").upper() or None
    if route is not None and route not in ACCESS_ROUTES:
        problems.add(line, "access_route", "one of " + ", ".join(ACCESS_ROUTES))
    address = _address(optional, line, problems)
    if len(problems) > before:
        return CandidateRow(line, family, given, born, email)
    return CandidateRow(
        line,
        family,
        given,
        born,
        email,
        usage_name=optional["usage_name"],
        sex=sex,
        birth_place_insee=insee,
        birth_postal_code=optional["birth_postal_code"],
        birth_country=optional["birth_country"],
        access_route=route,
        address=address,
    )


def _address(
    optional: dict[str, str | None], line: int, problems: _Problems
) -> dict[str, str | None] | None:
    """The postal address of a row, checked; None when the row gives none."""
    if not any(optional[c] for c in ADDRESS):
        return None
    address: dict[str, str | None] = {}
    for column in ADDRESS:
        value = optional[column]
        address[column] = (
            _name(value, line, column, problems, limit=_ADDRESS_LIMITS[column]) if value else None
        )
    for column in ("address_line1", "city"):
        if not address[column]:
            problems.add(line, column, "required with a postal address")
    code = address["postal_code"]
    if code and not _ANY_POSTAL.match(code):
        problems.add(line, "postal_code", "letters, digits, spaces and hyphens (16 at most)")
    return address


def parse_candidates(rows: Iterable[tuple[int, dict[str, str]]], today: date) -> list[CandidateRow]:
    """Every row checked; InputError naming each bad line (and nothing returned) otherwise."""
    problems = _Problems()
    parsed: list[CandidateRow] = []
    seen: dict[tuple[str, date], int] = {}
    for line, cells in rows:
        if len(parsed) >= MAX_ROWS:
            raise InputError(f"at most {MAX_ROWS} candidates per import", code="too_many_rows")
        row = _row(line, cells, today, problems)
        key = (row.email, row.birth_date)
        if row.email and key in seen:
            problems.add(line, "email", f"the same candidate as line {seen[key]}")
        seen.setdefault(key, line)
        parsed.append(row)
    if problems:
        raise InputError(
            f"{len({p['line'] for p in problems})} line(s) have problems; nothing was imported",
            code="invalid_candidates",
            problems=list(problems),
        )
    if not parsed:
        raise InputError("no candidate to import", code="empty_import")
    return parsed


def csv_rows(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    """The data rows of a candidates CSV (``,`` or ``;``), numbered as lines of the file
    (the header is line 1); InputError for a header without the required columns, a header
    naming a column twice, or a line the CSV reader cannot read."""
    records = csv_records(text)
    first = next(records, None)
    header = [h.strip().lower() for h in first[1]] if first else []
    missing = [c for c in REQUIRED if c not in header]
    unknown = [h for h in header if h not in COLUMNS]
    twice = sorted({h for h in header if header.count(h) > 1})
    if missing or unknown or twice:
        raise InputError(
            "the CSV header does not match",
            code="invalid_candidates",
            problems=[{"line": 1, "path": c, "message": "required column"} for c in missing]
            + [{"line": 1, "path": h[:100], "message": "unknown column"} for h in unknown]
            + [{"line": 1, "path": h, "message": "named twice"} for h in twice],
        )
    for line, cells in records:
        if len(cells) > len(header):
            yield line, {"__extra__": "more cells than the header has columns"}
            continue
        yield line, {h: cells[i] if i < len(cells) else "" for i, h in enumerate(header)}


def json_rows(items: Any) -> Iterator[tuple[int, dict[str, str]]]:
    """The rows of a JSON list of candidates (keys as the CSV columns, or in camelCase),
    numbered from 1; InputError for anything but a list of objects of strings."""
    if not isinstance(items, list):
        raise InputError("the body must be a JSON list of candidates", code="invalid_request")
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise InputError(
                "each candidate must be an object",
                code="invalid_candidates",
                problems=[{"line": number, "path": "", "message": "an object"}],
            )
        cells: dict[str, str] = {}
        for key, value in item.items():
            column = _CAMEL.sub("_", str(key)).lower()
            if column not in COLUMNS or column in cells or not isinstance(value, str | type(None)):
                raise InputError(
                    f"candidate {number}: {key!r} is not a text column of a candidate",
                    code="invalid_candidates",
                    problems=[{"line": number, "path": str(key)[:100], "message": "unknown"}],
                )
            cells[column] = value or ""
        yield number, cells

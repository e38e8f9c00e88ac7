"""The audit log as an organization's auditors and administrators read it: its own events,
filtered and paged, their CSV export, and the check of the whole hash chain."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, select

from core.accounts.principal import Action, Principal
from core.audit.log import head, verify_chain
from core.clock import isoformat_z
from core.db.models import AuditEvent
from core.deps import Deps
from core.errors import InputError

PAGE_SIZE = 50
#: The columns of the CSV export, one row per event.
CSV_COLUMNS = ("seq", "at", "actor", "action", "subject", "data", "hash")


@dataclass(frozen=True)
class AuditFilters:
    """What the audit page narrows the events to (all optional)."""

    action: str = ""  # a prefix: "session." or "session.sign"
    actor: str = ""  # part of the actor ("staff:ada@" or "ada")
    subject: str = ""  # the exact subject (a session, credential, member id)
    since: date | None = None  # events on or after this day (UTC)
    until: date | None = None  # events on or before this day (UTC)

    @classmethod
    def parse(cls, args: dict[str, str]) -> AuditFilters:
        """The filters of a query string; InputError for a malformed date."""
        problems, dates = [], {}
        for key in ("since", "until"):
            raw = (args.get(key) or "").strip()
            try:
                dates[key] = date.fromisoformat(raw) if raw else None
            except ValueError:
                dates[key] = None
                problems.append({"path": key, "message": "a date written YYYY-MM-DD"})
        if problems:
            raise InputError("malformed filter", code="invalid_request", problems=problems)
        return cls(
            action=(args.get("action") or "").strip()[:64],
            actor=(args.get("actor") or "").strip()[:200],
            subject=(args.get("subject") or "").strip()[:200],
            **dates,
        )

    def query_args(self) -> dict[str, str]:
        """The filters as query-string arguments (empty ones left out)."""
        values = {
            "action": self.action,
            "actor": self.actor,
            "subject": self.subject,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
        }
        return {k: v for k, v in values.items() if v}


@dataclass(frozen=True)
class AuditPage:
    """One page of the organization's filtered events, newest first."""

    events: list[AuditEvent]
    page: int
    pages: int
    total: int
    anchor: tuple[int, str]  # the log's head: (seq, hash) to keep outside the database


@dataclass(frozen=True)
class ChainCheck:
    """The result of walking the whole chain."""

    intact: bool
    checked: int
    message: str
    anchor: tuple[int, str]


#: The LIKE escape character: not a backslash, which the two engines quote differently.
_ESCAPE = "/"


def _like_escaped(text: str) -> str:
    """``text`` matched literally by LIKE (its ``%`` and ``_`` are not wildcards)."""
    return (
        text.replace(_ESCAPE, _ESCAPE * 2).replace("%", _ESCAPE + "%").replace("_", _ESCAPE + "_")
    )


def _filtered(principal: Principal, filters: AuditFilters) -> Select[Any]:
    query = select(AuditEvent).where(AuditEvent.organization_slug == principal.organization_slug)
    if filters.action:
        query = query.where(
            AuditEvent.action.like(_like_escaped(filters.action) + "%", escape=_ESCAPE)
        )
    if filters.actor:
        pattern = "%" + _like_escaped(filters.actor.lower()) + "%"
        query = query.where(func.lower(AuditEvent.actor).like(pattern, escape=_ESCAPE))
    if filters.subject:
        query = query.where(AuditEvent.subject == filters.subject)
    if filters.since:
        query = query.where(AuditEvent.created_at >= datetime.combine(filters.since, time(), UTC))
    if filters.until and filters.until < date.max:  # (the last day of the calendar: no end)
        end = datetime.combine(filters.until + timedelta(days=1), time(), UTC)
        query = query.where(AuditEvent.created_at < end)
    return query


def audit_page(deps: Deps, principal: Principal, filters: AuditFilters, page: int = 1) -> AuditPage:
    """The organization's events matching ``filters``, PAGE_SIZE per page, newest first."""
    principal.require(Action.READ_AUDIT)
    query = _filtered(principal, filters)
    total = deps.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    events = list(
        deps.session.scalars(
            query.order_by(AuditEvent.seq.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
        )
    )
    return AuditPage(events, page, pages, total, head(deps.session))


def audit_rows(deps: Deps, principal: Principal, filters: AuditFilters) -> Iterator[list[str]]:
    """The CSV export of the filtered events: a header, then one row per event, oldest first."""
    principal.require(Action.READ_AUDIT)
    yield list(CSV_COLUMNS)
    query = _filtered(principal, filters).order_by(AuditEvent.seq)
    for event in deps.session.scalars(query).yield_per(1000):
        yield [
            str(event.seq),
            isoformat_z(event.created_at),
            event.actor,
            event.action,
            event.subject,
            json.dumps(event.data, ensure_ascii=False, sort_keys=True),
            event.hash,
        ]


def check_chain(deps: Deps, principal: Principal) -> ChainCheck:
    """Walk the whole log (every organization's events: they share one chain) and say whether
    it is intact; slow on a long log, so the page runs it only when asked."""
    principal.require(Action.READ_AUDIT)
    intact, checked, message = verify_chain(deps.session)
    return ChainCheck(intact, checked, message, head(deps.session))

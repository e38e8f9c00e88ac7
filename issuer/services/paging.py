"""One page of a back-office table: its rows, its number, and how many rows match in all."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select

from core.deps import Deps

Row = TypeVar("Row")

#: Rows per page of the back office's tables.
PAGE_SIZE = 25


@dataclass(frozen=True)
class Page(Generic[Row]):
    """Rows ``number`` of a table (from 1), out of ``total`` matching rows."""

    items: Sequence[Row]
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        """How many pages the matching rows fill (at least one, even when empty)."""
        return max(1, -(-self.total // self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def page_of(
    deps: Deps, query: Select[*tuple[Any, ...]], number: int, size: int = PAGE_SIZE
) -> Page[Any]:
    """Run ``query`` (ordered) for page ``number``; a page past the end shows the last one."""
    total = deps.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    total = total or 0
    last = max(1, -(-total // size))
    number = min(max(1, number), last)
    rows = deps.session.execute(query.limit(size).offset((number - 1) * size)).all()
    return Page(rows, number, size, total)

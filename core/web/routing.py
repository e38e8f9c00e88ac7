"""URL converters: an integer in a URL stays within the database's range, or the URL is a 404."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

#: The largest SQL INTEGER (PostgreSQL's int4): every integer column of the schema is one. A
#: larger number in a URL names nothing; passed on, it overflows the driver (a 500 on SQLite).
SQL_INT_MAX = 2**31 - 1


class DatabaseInteger(IntegerConverter):
    """``<int:…>`` with ``max`` defaulting to SQL_INT_MAX."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", SQL_INT_MAX)
        super().__init__(url_map, *args, **kwargs)


def install_converters(app: Flask) -> None:
    """Replace the ``int`` converter (call before any route is registered)."""
    app.url_map.converters["int"] = DatabaseInteger

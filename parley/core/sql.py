"""Plain SQL: lists of values as parameters, and values read made what the ORM would
have made of them.

A few hot reads and writes use plain SQL (the ORM's query building cost more than the
query). Each backend hands back some types its own way; these helpers even that out.
"""

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from django.db import connection
from django.utils.dateparse import parse_datetime


def one_of(column: str, values: Iterable[Any]) -> tuple[str, list[Any]]:
    """The condition that `column` is one of `values` (at least one), with its parameters.

    On PostgreSQL one array parameter (`= ANY(%s)`): the statement's text is the same
    however many values, so the driver converts it once and the server prepares it once
    (config/settings/base.py); elsewhere `IN (%s, …)`."""
    values = list(values)
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [values]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", values


def as_datetime(value: Any) -> datetime | None:
    """A datetime column's value, timezone-aware in UTC as the ORM gives it with USE_TZ:
    PostgreSQL's is aware already, MariaDB's naive (stored in UTC), and SQLite's a
    string when the column is read through an expression."""
    if value is None:
        return None
    if isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is None:
            raise ValueError(f"not a datetime: {value!r}")
        value = parsed
    if not isinstance(value, datetime):
        raise TypeError(f"not a datetime: {value!r}")
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)

"""Values read by plain SQL, made what the ORM would have made of them.

A few hot reads and writes use plain SQL (the ORM's query building cost more than the
query). Each backend hands back some types its own way; these helpers even that out.
"""

from datetime import UTC, datetime
from typing import Any

from django.utils.dateparse import parse_datetime


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

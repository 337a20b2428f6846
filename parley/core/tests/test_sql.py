"""parley.core.sql: datetimes read by plain SQL come back as the ORM gives
them, on every backend."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from parley.core.sql import as_datetime


@pytest.mark.parametrize(
    "stored",
    [
        datetime(2026, 12, 6, 5, 0, 1, 250000, tzinfo=UTC),  # PostgreSQL
        datetime(2026, 12, 6, 5, 0, 1, 250000),  # MariaDB: naive, in UTC
        "2026-12-06 05:00:01.250000",  # SQLite, through an expression
    ],
)
def test_every_backends_datetime_reads_as_the_orm_gives_it(stored):
    read = as_datetime(stored)
    assert read == datetime(2026, 12, 6, 5, 0, 1, 250000, tzinfo=UTC)
    assert read is not None and read.isoformat() == "2026-12-06T05:00:01.250000+00:00"


def test_another_zone_is_kept_and_none_stays_none():
    east = datetime(2026, 12, 6, 6, 0, tzinfo=timezone(timedelta(hours=1)))
    assert as_datetime(east) == east and as_datetime(None) is None


@pytest.mark.parametrize("stored", ["yesterday", 42])
def test_a_value_that_is_no_datetime_is_refused(stored):
    with pytest.raises((ValueError, TypeError)):
        as_datetime(stored)

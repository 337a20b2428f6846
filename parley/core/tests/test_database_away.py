"""Which database errors mean "the database is away, try again" (503, `unavailable`) and
which are the statement's own fault, by the codes each backend reports."""

import sqlite3

import psycopg
import pytest
from django.db import utils as db_utils

from parley.core.resilience import database_away


def wrapped(cause: BaseException, kind: type[db_utils.Error] = db_utils.OperationalError):
    """As Django raises a driver's error: its own class, the driver's as the cause."""
    error = kind(*cause.args)
    error.__cause__ = cause
    return error


def mysql(code: int) -> BaseException:
    MySQLdb = pytest.importorskip("MySQLdb")
    return MySQLdb.OperationalError(code, "…")


@pytest.mark.parametrize(
    ("cause", "away"),
    [
        (
            psycopg.errors.lookup("57P01")("terminating connection due to administrator command"),
            True,
        ),
        (psycopg.errors.lookup("08006")("connection failure"), True),
        (psycopg.errors.lookup("40P01")("deadlock detected"), True),
        (psycopg.errors.lookup("53300")("too many connections"), True),
        (psycopg.errors.lookup("57014")("canceling statement due to statement timeout"), True),
        (psycopg.errors.lookup("55P03")("lock not available"), True),
        (psycopg.errors.lookup("P0001")("raised by a trigger"), False),
        (psycopg.OperationalError("connection is closed"), True),  # no SQLSTATE: the link
        (sqlite3.OperationalError("database is locked"), True),
    ],
)
def test_postgresql_and_sqlite_errors(cause, away):
    assert database_away(wrapped(cause)) is away
    if isinstance(cause, psycopg.Error):
        assert database_away(cause) is away  # as the loop's own connection raises it


@pytest.mark.parametrize(
    ("code", "away"),
    [(2006, True), (2013, True), (1040, True), (1053, True), (1213, True), (1205, True),
     (1927, True), (4031, True), (1644, False), (1062, False)],
)  # fmt: skip
def test_mariadb_errors_by_code(code, away):
    assert database_away(wrapped(mysql(code))) is away


def test_anything_else_is_not_an_outage():
    assert not database_away(ValueError("no"))
    assert not database_away(
        wrapped(psycopg.errors.lookup("23505")("duplicate"), db_utils.IntegrityError)
    )

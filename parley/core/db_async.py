"""A PostgreSQL connection for the event loop itself, for the few statements on the hot path.

Django's connections are synchronous, so code on the event loop reaches the database
through a worker thread, and each reply then waits for the Global Interpreter Lock that
the busy loop holds: under load that wait is most of a message's latency (bench/README.md).
An asyncio connection (psycopg's AsyncConnection) waits for PostgreSQL inside the loop
instead, which goes on delivering meanwhile.

One connection per event loop (one per process in production), in autocommit mode, so
each statement is its own transaction; opened on first use with the parameters Django
itself would use (settings.DATABASES["default"], the test database under tests), and
opened again after a failure. Statements on it are plain SQL, prepared as on Django's
own connections (DATABASES' OPTIONS: once run DATABASE_PREPARE_THRESHOLD times, or never
when that is 0, for a pooler that cannot keep prepared statements): nothing here goes
through the ORM, and nothing that needs a transaction spanning several statements
belongs here. Callers run one statement at a time per loop (parley/realtime/sending.py);
the connection is made by the first. A loop that closes leaves its connection behind (a
test's loop, or asgiref's loop for one call): it is closed when its loop is collected, and
at the latest when the next loop opens one, so they never pile up on the server.
"""

import asyncio
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

import psycopg
from django.db import connections

_Connection = psycopg.AsyncConnection[Any]
CONNECT_TIMEOUT_SECONDS = 5
STATEMENT_TIMEOUT_SECONDS = 10  # a send statement takes milliseconds; past this the server is stuck
_connections: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Connection]" = (
    weakref.WeakKeyDictionary()
)
_finalizers: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, weakref.finalize[Any, Any]]" = (
    weakref.WeakKeyDictionary()
)


def available() -> bool:
    """Whether the default database is PostgreSQL (the only one served here)."""
    return bool(connections["default"].vendor == "postgresql")


async def fetchall(sql: str, params: Mapping[str, Any] | Sequence[Any]) -> list[tuple[Any, ...]]:
    """Run one statement (its own transaction) and return its rows.

    Raises psycopg's errors: IntegrityError for a constraint, OperationalError when the
    database is away or does not answer within STATEMENT_TIMEOUT_SECONDS, and
    FeatureNotSupported when a migration changed what a prepared statement returns (in
    both cases the connection is dropped, and the next call opens another).
    """
    connection = await _connection()
    try:
        async with asyncio.timeout(STATEMENT_TIMEOUT_SECONDS), connection.cursor() as cursor:
            await cursor.execute(sql, params)
            return await cursor.fetchall()
    except TimeoutError as exc:  # a frozen server: drop the connection, never wait on it
        _connections.pop(asyncio.get_running_loop(), None)
        connection.pgconn.finish()  # no goodbye to a server that does not answer
        raise psycopg.OperationalError("the statement timed out") from exc
    except (psycopg.OperationalError, psycopg.errors.FeatureNotSupported):
        # The database away, or "cached plan must not change result type": a migration
        # changed a column a prepared statement returns, and psycopg would run that
        # statement on this connection again and again. The next call opens another.
        await close()
        raise


async def close() -> None:
    """Close this event loop's connection, if it has one."""
    connection = _connections.pop(asyncio.get_running_loop(), None)
    if connection is not None and not connection.closed:
        await connection.close()


async def _connection() -> _Connection:
    loop = asyncio.get_running_loop()
    connection = _connections.get(loop)
    if connection is None or connection.closed:
        _close_orphans()
        database = connections["default"]
        params = database.get_connection_params()
        # Django's own cursor class is synchronous; the async connection brings its own.
        params.pop("cursor_factory", None)
        # A database that does not answer fails the send (retryable) instead of holding
        # every send of the process: see parley/core/resilience.py.
        params.setdefault("connect_timeout", CONNECT_TIMEOUT_SECONDS)
        connection = await psycopg.AsyncConnection.connect(**params, autocommit=True)
        _connections[loop] = connection
        # No goodbye that needs the loop: it is closed, or about to be, by then.
        previous = _finalizers.get(loop)
        if previous is not None:
            previous.detach()
        _finalizers[loop] = weakref.finalize(loop, connection.pgconn.finish)
    return connection


def _close_orphans() -> None:
    """Close the connections of loops that have closed (their statements can never run)."""
    for loop, connection in list(_connections.items()):
        if loop.is_closed():
            del _connections[loop]
            connection.pgconn.finish()

"""The event loop's own PostgreSQL connection is closed with its loop: loops that come
and go (each test's, asgiref's for one call) leave no connections open on the server."""

import asyncio
import gc
import time

import pytest
from django.db import connection

from parley.core import db_async

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the loop's own connection"),
    pytest.mark.django_db(transaction=True),
]


async def _backend() -> int:
    """This loop's backend pid, as the loop's own connection reports it (left open)."""
    return int((await db_async.fetchall("SELECT pg_backend_pid()", []))[0][0])


def _open(pids: list[int]) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE pid = ANY(%s)", [pids])
        return sorted(pid for (pid,) in cursor.fetchall())


def _server_has_only(pids: list[int], wanted: list[int]) -> list[int]:
    """The backends among `pids` still on the server, once only `wanted` are (a closed
    connection's backend leaves the server a moment after its client said goodbye)."""
    deadline = time.monotonic() + 10  # against a hang only
    while (still := _open(pids)) != wanted and time.monotonic() < deadline:
        time.sleep(0.05)
    return still


def test_loops_that_closed_leave_no_connection_behind():
    loops, pids = [], []
    for _ in range(5):  # kept, so only the next loop's connect can close their connections
        loop = asyncio.new_event_loop()
        pids.append(loop.run_until_complete(_backend()))
        loop.close()
        loops.append(loop)

    assert len(set(pids)) == 5  # each loop had its own connection
    assert _server_has_only(pids, [pids[-1]]) == [pids[-1]]

    del loop, loops  # the last loop collected: its connection goes with it
    gc.collect()
    assert _server_has_only(pids, []) == []

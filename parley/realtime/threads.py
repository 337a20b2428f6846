"""The threads from which socket work reaches the database.

Channels' database_sync_to_async runs every call of a process in its one sync thread, one
after another: under a reconnect storm each socket's sign-in, hello and resume queued
behind every other socket's database round trips (bench/README.md, "storm"). Reads go to
a pool of READ_THREADS instead, and writes other than sends (edits, deletes, reactions,
moves, read markers) to one of SEND_THREADS; each thread keeps its own database
connection. Both pools are bounded: under overload work queues rather than starving the
event loop that delivers.

The reads every connect makes (sign-in, membership, hello's state) are `coalescing`: the
sockets that connect while one such read is out share the next trip, one call for all of
them, so a reconnect storm costs a few statements per batch rather than per socket.
"""

import asyncio
import contextvars
import time
from collections.abc import Awaitable, Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from functools import cache, partial
from typing import Any, ParamSpec, TypeVar, cast

from django.conf import settings
from django.db import connections

from parley.core.coalesce import Coalesced

P = ParamSpec("P")
T = TypeVar("T")
K = TypeVar("K")


@cache
def _pool(name: str, size: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=size, thread_name_prefix=f"parley-{name}")


def reading(function: Callable[P, T]) -> Callable[P, Awaitable[T]]:
    """`function`, awaitable, run in the read pool."""
    return _in("read", "READ_THREADS", function)


def writing(function: Callable[P, T]) -> Callable[P, Awaitable[T]]:
    """`function`, awaitable, run in the write pool."""
    return _in("write", "SEND_THREADS", function)


# The longest a pool thread's connection goes between health checks (CONN_HEALTH_CHECKS).
HEALTH_CHECK_SECONDS = 1.0


def release_old_connections() -> None:
    """Django's close_old_connections (what Channels runs around each call) for a pool
    thread: connections that failed and no longer answer, or are past CONN_MAX_AGE, are
    closed. But with CONN_HEALTH_CHECKS a connection is checked (a `SELECT 1` round trip)
    at most once every HEALTH_CHECK_SECONDS, not at the start of every call: a reconnect
    makes three calls, and the checks were as many round trips as its own queries
    (bench/README.md, "Reconnect storms (session 8)"). A connection that failed is still
    checked at once, and one that a restart broke since its last check fails its next
    query with a retryable error (parley/core/resilience.py), and is replaced after."""
    now = time.monotonic()
    for connection in cast(list[Any], connections.all(initialized_only=True)):
        connection.close_if_unusable_or_obsolete()  # asks for a health check before next use
        if connection.connection is None or not connection.health_check_enabled:
            continue
        checked_at = getattr(connection, "parley_checked_at", None)
        if checked_at is not None and now - checked_at < HEALTH_CHECK_SECONDS:
            connection.health_check_done = True  # checked a moment ago
        else:
            connection.parley_checked_at = now  # checked before its next query


def _in(name: str, setting: str, function: Callable[P, T]) -> Callable[P, Awaitable[T]]:
    """`function` run in pool `name` (its size the setting), as Channels'
    database_sync_to_async runs it (stale connections closed before and after, health
    checked at most every HEALTH_CHECK_SECONDS: release_old_connections) but
    handed straight to the pool: asgiref's machinery for thread-sensitive code cost a
    reconnect more than its database reads (bench/README.md, "storm")."""

    def call(*args: P.args, **kwargs: P.kwargs) -> T:
        release_old_connections()
        try:
            return function(*args, **kwargs)
        finally:
            release_old_connections()

    async def run(*args: P.args, **kwargs: P.kwargs) -> T:
        pool = _pool(name, getattr(settings, setting))
        work = partial(contextvars.copy_context().run, call, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(pool, work)

    return run


def coalescing(
    many: Callable[[list[K]], list[T]], key: Callable[[K], Hashable] | None = None
) -> Coalesced[K, T]:
    """`many(keys) -> results` (one per key, in order) as an awaitable read of one key in
    the read pool, whose trip is shared with the calls made meanwhile (Coalesced)."""
    return Coalesced(reading(many), key)

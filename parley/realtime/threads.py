"""The threads from which socket work reaches the database.

Channels' database_sync_to_async runs every call of a process in its one sync thread, one
after another: under a reconnect storm each socket's sign-in, hello and resume queued
behind every other socket's database round trips (bench/README.md, "storm"). Reads go to
a pool of READ_THREADS instead, and writes other than sends (edits, deletes, reactions,
moves, read markers) to one of SEND_THREADS; each thread keeps its own database
connection. Both pools are bounded: under overload work queues rather than starving the
event loop that delivers.
"""

import asyncio
import contextvars
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache, partial
from typing import ParamSpec, TypeVar

from django.conf import settings
from django.db import close_old_connections

P = ParamSpec("P")
T = TypeVar("T")


@cache
def _pool(name: str, size: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=size, thread_name_prefix=f"parley-{name}")


def reading(function: Callable[P, T]) -> Callable[P, Awaitable[T]]:
    """`function`, awaitable, run in the read pool."""
    return _in("read", "READ_THREADS", function)


def writing(function: Callable[P, T]) -> Callable[P, Awaitable[T]]:
    """`function`, awaitable, run in the write pool."""
    return _in("write", "SEND_THREADS", function)


def _in(name: str, setting: str, function: Callable[P, T]) -> Callable[P, Awaitable[T]]:
    """`function` run in pool `name` (its size the setting), as Channels'
    database_sync_to_async runs it (stale connections closed before and after) but
    handed straight to the pool: asgiref's machinery for thread-sensitive code cost a
    reconnect more than its database reads (bench/README.md, "storm")."""

    def call(*args: P.args, **kwargs: P.kwargs) -> T:
        close_old_connections()
        try:
            return function(*args, **kwargs)
        finally:
            close_old_connections()

    async def run(*args: P.args, **kwargs: P.kwargs) -> T:
        pool = _pool(name, getattr(settings, setting))
        work = partial(contextvars.copy_context().run, call, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(pool, work)

    return run

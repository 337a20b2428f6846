"""The threads from which socket work reaches the database.

Channels' database_sync_to_async runs every call of a process in its one sync thread, one
after another: under a reconnect storm each socket's sign-in, hello and resume queued
behind every other socket's database round trips (bench/README.md, "storm"). Reads go to
a pool of READ_THREADS instead, and writes other than sends (edits, deletes, reactions,
moves, read markers) to one of SEND_THREADS; each thread keeps its own database
connection. Both pools are bounded: under overload work queues rather than starving the
event loop that delivers.
"""

from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import Any, ParamSpec, TypeVar

from channels.db import database_sync_to_async
from django.conf import settings

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
    call: Any = None  # made on first use, once settings are read

    async def run(*args: P.args, **kwargs: P.kwargs) -> T:
        nonlocal call
        if call is None:
            pool = _pool(name, getattr(settings, setting))
            call = database_sync_to_async(function, thread_sensitive=False, executor=pool)
        result: T = await call(*args, **kwargs)
        return result

    return run

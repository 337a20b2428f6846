"""One object per event loop, for what may only be used on the loop that made it.

redis.asyncio clients, asyncio primitives and the queues and tasks built on them belong to
one event loop. A server process runs one loop, so each such object is in effect the
process's; the tests run a loop per test (asgiref makes one per sync-to-async call too),
so each loop gets its own, made on first use there and dropped with the loop.
"""

import asyncio
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class PerLoop(Generic[T]):
    """The running loop's T, made by `factory` on first use in that loop."""

    __slots__ = ("_factory", "_values")

    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        self._values: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, T] = (
            weakref.WeakKeyDictionary()
        )

    def get(self) -> T:
        """The running loop's, made now if it has none. Call on a loop."""
        loop = asyncio.get_running_loop()
        value = self._values.get(loop)
        if value is None:
            value = self._values[loop] = self._factory()
        return value

    def find(self, loop: asyncio.AbstractEventLoop | None = None) -> T | None:
        """`loop`'s (the running loop's by default) if it has one; none is made."""
        return self._values.get(loop or asyncio.get_running_loop())

    def pop(self) -> T | None:
        """Forget the running loop's, and return it if it had one."""
        return self._values.pop(asyncio.get_running_loop(), None)

    def items(self) -> list[tuple[asyncio.AbstractEventLoop, T]]:
        """Each loop that has one, with it (a copy)."""
        return list(self._values.items())

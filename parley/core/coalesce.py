"""Calls that share one trip: to the database's read pool, to Redis.

When many sockets do the same thing at once (a reconnect storm: thousands sign in, read
their hellos, count themselves in Redis), each doing it alone pays a trip's fixed cost
every time: a thread hop and a statement, a Redis round trip. A Coalesced call joins the
next batch instead: a call made while a batch is out waits for the batch after it, which
does every call that waited in one go. A lone call goes at once, so nothing waits when
nothing else is happening.
"""

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from parley.core.per_loop import PerLoop

K = TypeVar("K")
T = TypeVar("T")

# The most calls one batch takes: bounds a statement's parameters, a pipeline's length
# and the time a batch holds a pool thread or a connection.
BATCH_LIMIT = 200


@dataclass
class _Queue(Generic[K, T]):
    waiting: list[tuple[K, "asyncio.Future[T]"]] = field(default_factory=list)
    task: "asyncio.Task[None] | None" = None  # the batches' runner, while there is work


class Coalesced(Generic[K, T]):
    """`run(items) -> results` (one per item, in order) as an awaitable call of one item,
    batched with the calls made meanwhile (see the module). A result that is an exception
    is raised in its own caller; a batch that fails raises its error in each of its
    callers. `key` makes equal items one entry of `items` (None: every call its own)."""

    def __init__(
        self,
        run: Callable[[list[K]], Awaitable[Sequence[T | BaseException]]],
        key: Callable[[K], Hashable] | None = None,
    ) -> None:
        self.run = run
        self.key = key
        self.queues: PerLoop[_Queue[K, T]] = PerLoop(_Queue)

    async def __call__(self, item: K) -> T:
        loop = asyncio.get_running_loop()
        queue = self.queues.get()
        future: asyncio.Future[T] = loop.create_future()
        queue.waiting.append((item, future))
        if queue.task is None:
            queue.task = loop.create_task(self._drain(queue))
        return await future

    async def _drain(self, queue: _Queue[K, T]) -> None:
        try:
            while queue.waiting:
                batch = queue.waiting[:BATCH_LIMIT]
                del queue.waiting[:BATCH_LIMIT]
                await self._batch(batch)
        except BaseException:  # the loop is going: so are the callers
            for _, future in queue.waiting:
                future.cancel()
            queue.waiting.clear()
            raise
        finally:
            queue.task = None

    async def _batch(self, batch: list[tuple[K, "asyncio.Future[T]"]]) -> None:
        items: list[K] = []
        at: list[int] = []  # where each caller's item is in `items`
        seen: dict[Hashable, int] = {}
        for item, _ in batch:
            name = self.key(item) if self.key is not None else len(items)
            if name not in seen:
                seen[name] = len(items)
                items.append(item)
            at.append(seen[name])
        try:
            results = await self.run(items)
        except asyncio.CancelledError:
            for _, future in batch:
                future.cancel()
            raise
        except Exception as error:
            results = [error] * len(items)
        for (_, future), index in zip(batch, at, strict=True):
            if future.done():  # its caller went away meanwhile
                continue
            result = results[index]
            if isinstance(result, BaseException):
                future.set_exception(result)
            else:
                future.set_result(result)

"""Sends from the sockets of one process, stored several at a time (group commit).

The sockets of an event loop put their sends in one queue (send_message), and one task
takes whatever has gathered (up to MAX_BATCH) and sends it as check_send_messages does,
in the three steps parley/messaging/actions/_send_batch.py gives the event loop: one Redis
round trip for the rate limits and, on PostgreSQL, one statement for all the plain sends, both
awaited on the loop itself, which goes on delivering meanwhile (a worker thread would wait
for the GIL the busy loop holds: bench/README.md). What needs Django's ORM (replies,
mentions, a first direct message; every send on SQLite and MariaDB) runs in the one send
thread. A lone send goes at once; sends arriving while a batch is stored form the next.

One batch at a time, and one thread: batches commit one after the other and are
published in that order, so every socket of the process sees each conversation's seqs in
order. Were a later batch's events to overtake an earlier one's, every member's socket
would repair the apparent gap from the database.
"""

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from django.db import close_old_connections

from parley.core.errors import ErrorCode, ParleyError
from parley.core.per_loop import PerLoop
from parley.core.resilience import database_outage, unavailable
from parley.events.publish import publishing_from
from parley.messaging.actions._send_batch import finish_batch, prepare_batch, store_batch
from parley.messaging.actions.send import (
    Batch,
    SendRequest,
    SendResult,
)

logger = logging.getLogger(__name__)

MAX_BATCH = 100
T = TypeVar("T")

_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parley-send")


_Items = list[tuple[SendRequest, "asyncio.Future[Any]"]]


class SendQueue:
    """The sends of one event loop's sockets, stored a batch at a time, in order.

    A batch is prepared (checked, rate-limited, rendered), stored (one statement) and
    finished (published, the rest sent alone): _send_batch.prepare_batch, store_batch,
    finish_batch. The steps of two batches overlap, never their statements: the next
    batch is prepared while this one's statement runs, and its statement starts as soon
    as this one's has committed, while this one is published. So PostgreSQL and the loop
    work at the same time, and statements still commit, and batches publish, one after
    the other. A batch that needs the send thread is finished before the next statement
    starts (its sends that go alone come before the next batch's, as in one queue).
    """

    def __init__(self) -> None:
        self._pending: deque[tuple[SendRequest, asyncio.Future[Any]]] = deque()
        self._task: asyncio.Task[None] | None = None

    async def send(self, request: SendRequest) -> SendResult:
        """Store and publish one message; raises ParleyError as check_send_message does."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._pending.append((request, future))
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._run())
        result: SendResult | BaseException = await future
        if isinstance(result, BaseException):
            raise result
        return result

    async def _run(self) -> None:
        ready: tuple[_Items, Batch] | None = None  # prepared, its statement not started
        storing: tuple[_Items, Batch, asyncio.Task[None]] | None = None
        while True:
            if storing is None:
                ready = ready or await self._prepare()
                if ready is None:
                    return
                storing, ready = _store(*ready), None
            if ready is None:
                ready = await self._prepare()  # while the statement runs
            items, batch, statement = storing
            storing = None
            try:
                await statement
            except Exception as error:
                if unavailable(error) is not None:  # the database away: one log per outage
                    _fail(items, error)
                    continue
                logger.exception("a batch statement failed, each send goes alone")
                batch.rows = []  # finish_batch sends each alone
            if ready is not None and not batch.needs_thread:
                storing, ready = _store(*ready), None  # runs while this batch is published
            try:
                results = await finish_batch(batch, _in_thread)
            except Exception as error:
                _fail(items, error)
                continue
            if not any(_unavailable(result) for result in results):
                database_outage.succeeded()
            _settle(items, results)

    async def _prepare(self) -> tuple[_Items, Batch] | None:
        """The next batch, prepared; None when no send waits (or its preparing failed)."""
        while self._pending:
            count = min(MAX_BATCH, len(self._pending))
            items = [self._pending.popleft() for _ in range(count)]
            try:
                return items, await prepare_batch([request for request, _ in items])
            except Exception as error:  # Redis away, say
                _fail(items, error)
        return None


def _store(items: _Items, batch: Batch) -> tuple[_Items, Batch, "asyncio.Task[None]"]:
    return items, batch, asyncio.get_running_loop().create_task(store_batch(batch))


def _fail(items: _Items, error: Exception) -> None:
    """Every send of the batch fails with `error`; with a retryable `unavailable` (and one
    log line per outage) when the database or Redis is away. A resend with the same
    client_id is safe either way: it returns the original if the batch had committed."""
    retryable = unavailable(error)
    if retryable is None:
        logger.error("a batch of %d sends failed", len(items), exc_info=error)
    _settle(items, [retryable or error] * len(items))


def _unavailable(result: Any) -> bool:
    return isinstance(result, ParleyError) and result.code == ErrorCode.UNAVAILABLE


def _settle(items: _Items, results: list[Any]) -> None:
    for (_, future), result in zip(items, results, strict=True):
        if not future.done():  # a sender that went away meanwhile cancelled its wait
            future.set_result(result)


async def _in_thread(function: Callable[..., T], *args: Any) -> T:
    """Run `function` in the send thread, its publishes handed to this loop in order."""
    loop = asyncio.get_running_loop()

    def run() -> T:
        close_old_connections()
        try:
            with publishing_from(loop):
                return function(*args)
        finally:
            close_old_connections()

    return await loop.run_in_executor(_thread, run)


_queues: PerLoop[SendQueue] = PerLoop(SendQueue)


async def send_message(request: SendRequest) -> SendResult:
    """Send one message through this event loop's queue (see the module's docstring)."""
    return await _queues.get().send(request)

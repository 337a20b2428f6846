"""Sends from the sockets of one process, stored several at a time (group commit).

A send frame used to take a worker thread of its own: per message a thread hop, a Redis
round trip for the rate limit and a database transaction, each costing a wait for the
GIL that the busy event loop holds. Here every socket of the process puts its sends in
one queue, and one thread takes whatever has gathered (up to MAX_BATCH) and stores it
with send_messages (parley/messaging/actions/send.py): one hop, one Redis round trip and,
on PostgreSQL, one statement for the whole batch. A lone send goes at once; it never
waits for company. Under load, sends arriving while a batch is stored form the next one.

One thread, not several: its batches commit one after the other and are published in
that order, so every socket of the process sees each conversation's seqs in order. With
two, a later batch's events could overtake an earlier one's on their way to the event
loop, and every member's socket would then repair the apparent gap from the database
(measured: the repairs, 50 per message, took the server down at 400 messages/s).
"""

import asyncio
import contextlib
import logging
import queue
import threading
from collections import defaultdict
from typing import Any

from django.db import close_old_connections

from parley.messaging.actions.send import SendRequest, SendResult, send_messages
from parley.realtime.publish import publishing_from

logger = logging.getLogger(__name__)

MAX_BATCH = 100

_Item = tuple[SendRequest, "asyncio.Future[SendResult | BaseException]", asyncio.AbstractEventLoop]


class SendQueue:
    """The process's sends, stored by a few threads, a batch at a time."""

    def __init__(self, threads: int) -> None:
        self._queue: queue.SimpleQueue[_Item] = queue.SimpleQueue()
        self._threads = threads
        self._started = False
        self._start_lock = threading.Lock()

    async def send(self, request: SendRequest) -> SendResult:
        """Store and publish one message; raises ParleyError as check_send_message does."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[SendResult | BaseException] = loop.create_future()
        self._start()
        self._queue.put((request, future, loop))
        result = await future
        if isinstance(result, BaseException):
            raise result
        return result

    def _start(self) -> None:
        if self._started:
            return
        with self._start_lock:
            if not self._started:
                for n in range(self._threads):
                    name = f"parley-send-{n}"
                    threading.Thread(target=self._work, name=name, daemon=True).start()
                self._started = True

    def _work(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            by_loop: dict[asyncio.AbstractEventLoop, list[_Item]] = defaultdict(list)
            for item in batch:
                by_loop[item[2]].append(item)
            for loop, items in by_loop.items():
                self._store(loop, items)

    def _store(self, loop: asyncio.AbstractEventLoop, items: list[_Item]) -> None:
        results: list[Any]
        close_old_connections()
        try:
            # Publishing hands each event to the loop of the sockets that sent it.
            with publishing_from(loop):
                results = send_messages([request for request, _, _ in items])
        except Exception as error:  # the database away, say: each sender hears of it
            logger.exception("a batch of %d sends failed", len(items))
            results = [error] * len(items)
        finally:
            close_old_connections()
        with contextlib.suppress(RuntimeError):  # that loop closed: nobody waits any more
            loop.call_soon_threadsafe(_settle, [future for _, future, _ in items], results)


def _settle(futures: list["asyncio.Future[Any]"], results: list[Any]) -> None:
    for future, result in zip(futures, results, strict=True):
        if not future.done():  # a sender that went away meanwhile cancelled its wait
            future.set_result(result)


_queue = SendQueue(threads=1)


async def send_message(request: SendRequest) -> SendResult:
    """Send one message through the process's queue (see the module's docstring)."""
    return await _queue.send(request)

"""A socket's way out: its inbox of events, the one writer task that works through it, and
what happens to a client that reads too slowly.

Contract:
- Every frame to the client goes out in order, one at a time, under the socket's `lock`:
  `write_now` when nothing is ahead of the event (no queue, no hold, no frame being
  answered), else `enqueue`, after which the writer task (`_drain`) writes it in turn. No
  task ever waits on the lock: whoever holds it kicks the writer on release (`kick`).
- `write_text` (one frame out, for whoever holds the lock) goes through the server's
  direct `write(text, frame)` when it offers one (parley/realtime/server.py; False: the
  client is behind), else through Channels' `base_send`, which waits while the client is
  behind (`awaiting_reader`).
- Slow readers: past WEBSOCKET_QUEUE_MAX_MESSAGES or WEBSOCKET_QUEUE_MAX_BYTES owed,
  typing and presence are shed; past twice either while a write waits for the client, the
  socket is closed at once with CLOSE_TOO_SLOW and what it owed is freed. The client
  reconnects and resumes, and gets what it missed from the database.
- What the writer does not write itself (anything but the next event of a conversation
  and plain events) it hands to the owner's `dispatch`.

ParleyConsumer inherits this (the socket's attributes stay its own, read directly on the
per-delivery path); a test can drive it with a fake `write` and `dispatch`.
"""

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings

from parley.events import catalogue
from parley.realtime import server
from parley.realtime.stream import Stream

# Named as the consumer's: bench/run.py finds the slow-reader closes in the log by it.
logger = logging.getLogger("parley.realtime.consumer")

CLOSE_TOO_SLOW = 4408  # the client read too slowly; it reconnects and resumes

# Events a client that reads slowly can go without: dropped first when its queue is long.
SHEDDABLE = frozenset({"parley.typing", "parley.presence"})

_closing: set["asyncio.Future[None]"] = set()  # closes under way without the server's help


def size(message: dict[str, Any]) -> int:
    """Bytes of an event's payload as written (UTF-8), for the owed-bytes limit: worked
    out once per event and kept in it (the Fanout hands every socket the same dict), not
    once per socket that queues it."""
    size = message.get("size")
    if size is None:
        payload = message.get("payload")
        size = message["size"] = len(payload.encode()) if isinstance(payload, str) else 0
    return int(size)


class Outbox(Stream):
    if TYPE_CHECKING:
        user: Any

        async def dispatch(self, message: dict[str, Any]) -> None: ...

        async def close(
            self, code: int | bool | None = None, reason: str | None = None
        ) -> None: ...

    def __init__(self) -> None:
        """Nothing queued, no way to the socket yet (the owner sets `write`, `close_now`
        and `base_send` once the server offers them)."""
        super().__init__()
        self.closed = False
        self.lock = asyncio.Lock()
        self.base_send: Any = None  # Channels' send
        self.inbox: deque[dict[str, Any]] | None = None  # events waiting their turn
        self.owed = 0  # bytes of the payloads in the inbox
        self.awaiting_reader = False  # a write waits for the client to read
        self.drainer: asyncio.Future[None] | None = None
        self.write: Callable[[str, bytes], bool] | None = None  # the server's direct write
        self.close_now: Callable[[int], None] | None = None  # the server's immediate close

    def enqueue(self, message: dict[str, Any]) -> None:
        """Queue an event for the writer task, unless the client reads too slowly for it."""
        if self.inbox is None:
            self.inbox = deque()
        elif self._backlogged(message["type"]):
            return
        self.inbox.append(message)
        self.owed += size(message)
        self.kick()

    def _backlogged(self, kind: str) -> bool:
        """Whether an event of `kind` is not to be queued: the client reads too slowly (the
        limits in the module's docstring)."""
        assert self.inbox is not None
        count, limit = len(self.inbox), settings.WEBSOCKET_QUEUE_MAX_MESSAGES
        owed, most = self.owed, settings.WEBSOCKET_QUEUE_MAX_BYTES
        if count < limit and owed < most:
            return False
        if (count < 2 * limit and owed < 2 * most) or not self.awaiting_reader:
            # Not (yet) past twice the limit, or not the client's doing (the queue also
            # grows while a slow hello or send holds the socket): shed only.
            return kind in SHEDDABLE
        logger.warning(
            "socket of user %s closed: %d events (%d B) unread", self.user.pk, count, owed
        )
        self.close_at_once(CLOSE_TOO_SLOW)
        return True

    def close_at_once(self, code: int) -> None:
        """Close now, however much the client still owes, and free what it was owed."""
        self.closed = True
        self.inbox = None
        self.owed = 0
        if self.close_now is not None:
            self.close_now(code)  # the server tells the consumer: websocket.disconnect
        else:
            closing = asyncio.ensure_future(self.close(code=code))
            _closing.add(closing)
            closing.add_done_callback(_closing.discard)

    def kick(self) -> None:
        """Start the writer task if events wait and nothing holds the lock; whoever holds
        it kicks again on release. So no task waits on the lock: asyncio.Lock keeps the
        deque of waiters it makes for good, in every socket that ever waited."""
        idle = self.drainer is None or self.drainer.done()
        if self.inbox and idle and not self.lock.locked():
            self.drainer = asyncio.ensure_future(self._drain())

    def write_now(self, message: dict[str, Any]) -> bool:
        """Write the event's payload at once, when nothing is ahead of it for this socket
        (no held events, no queue, no frame being answered) and the server offers a
        direct write (parley/realtime/server.py). The frame is built once per event and
        shared by every socket of the process."""
        if self.write is None or self.holding or self.inbox or self.lock.locked():
            return False
        framed = message.get("frame")
        if framed is None:
            framed = message["frame"] = server.frame(message["payload"])
        return bool(self.write(message["payload"], framed))

    async def _drain(self) -> None:
        """Work through the inbox in order, under the socket's lock; then let the inbox and
        this task go (an idle socket keeps neither)."""
        async with self.lock:
            while self.inbox and not self.closed:
                message = self.inbox.popleft()
                self.owed -= size(message)
                kind = message["type"]
                if kind == "parley.sequenced" and not self.holding:
                    # The common case, inline: the next event of a conversation.
                    conversation, seq = message["conversation"], message["seq"]
                    if self.delivered.get(conversation) == seq - 1:
                        self.delivered[conversation] = seq
                        await self.write_text(message["payload"], message.get("frame"))
                        continue
                elif kind == "parley.event":
                    await self.write_text(message["payload"], message.get("frame"))
                    continue
                await self.dispatch(message)
            self.inbox = self.drainer = None

    async def write_text(self, text: str, framed: bytes | None = None) -> None:
        """One frame out, in turn (under the lock, or from the connect): straight to the
        socket when the server offers it, else through Channels' send. A socket that went
        away meanwhile is simply closed."""
        try:
            if self.write is not None and self.write(text, framed or server.frame(text)):
                return
            self.awaiting_reader = True  # the server's send waits while the client is behind
            await self.base_send({"type": "websocket.send", "text": text})
        except (OSError, RuntimeError):  # gone (ClientDisconnected) or closed: disconnect()
            self.closed = True
        finally:
            self.awaiting_reader = False

    async def send_event(self, event: catalogue.ServerEvent | dict[str, Any]) -> None:
        """One of the server's events (parley.events.catalogue) out, as `write_text`."""
        await self.write_text(catalogue.serialise(event))

"""uvicorn's WebSocket protocol plus one ASGI extension: write a text frame now.

This is uvicorn's websockets sans-I/O protocol with a scope extension,
`"parley.websocket.write"`, holding two plain functions:
- `write(text, framed)` (write_now) writes a frame at once, or returns False when it
  cannot (the caller then awaits `send()`). The caller frames a message once (`frame()`)
  and the same bytes go to every socket without compression; a socket with
  permessage-deflate compresses its own copy. This spares each delivery a coroutine
  through the ASGI `send` and a framing of its own (bench/README.md).
- `close(code)` (close_now) closes at once, however much the client still owes: the
  close frame follows what is buffered, and the connection is cut if that is not read
  within WEBSOCKET_CLOSE_GRACE_SECONDS.

Also unlike uvicorn's: a failed keepalive cuts the connection (a polite close would wait
for a vanished client to drain its buffer, and keep it in every audience meanwhile);
frames over settings.WEBSOCKET_MAX_FRAME_BYTES are refused with 1009 from their header,
before they are read; and an idle socket keeps no deque until something waits, and no
handshake headers.

Serve Parley with `uvicorn --ws parley.realtime.server:WebSocketProtocol` (the Makefile,
the README's deployment, the benchmark and the tests' servers do). Under any other
server the extension is absent and the consumer awaits `send()` as usual.
"""

import asyncio
import contextlib
import socket
import struct
from typing import Any

from django.conf import settings
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Request
from websockets.protocol import State

EXTENSION = "parley.websocket.write"
PROTOCOL = "parley.realtime.server:WebSocketProtocol"  # uvicorn's --ws


def frame(text: str) -> bytes:
    """`text` as one unmasked, uncompressed server-to-client text frame (RFC 6455)."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False)


class _Inbox:
    """What the protocol uses of its asyncio.Queue (put_nowait, get, empty), without the
    queue's three deques and Event, which every idle socket would keep."""

    __slots__ = ("_items", "_waiter")

    def __init__(self) -> None:
        self._items: list[Any] = []
        self._waiter: asyncio.Future[None] | None = None

    def put_nowait(self, item: Any) -> None:
        self._items.append(item)
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def get(self) -> Any:
        while not self._items:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._items.pop(0)

    def empty(self) -> bool:
        return not self._items


class _Flag:
    """What the protocol uses of its asyncio.Event ("writable": set, clear, is_set, wait),
    with a list of waiters made only while the transport's buffer is full."""

    __slots__ = ("_set", "_waiters")

    def __init__(self) -> None:
        self._set = True
        self._waiters: list[asyncio.Future[None]] | None = None

    def is_set(self) -> bool:
        return self._set

    def set(self) -> None:
        self._set = True
        waiters, self._waiters = self._waiters, None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(None)

    def clear(self) -> None:
        self._set = False

    async def wait(self) -> bool:
        while not self._set:
            waiter = asyncio.get_running_loop().create_future()
            if self._waiters is None:
                self._waiters = []
            self._waiters.append(waiter)
            await waiter
        return True


class WebSocketProtocol(WebSocketsSansIOProtocol):
    def __init__(self, config: Any, *args: Any, **kwargs: Any) -> None:
        # Parley's frame limit, whatever --ws-max-size says (uvicorn's default is 16 MiB).
        config.ws_max_size = min(config.ws_max_size, settings.WEBSOCKET_MAX_FRAME_BYTES)
        super().__init__(config, *args, **kwargs)
        self.queue = _Inbox()  # type: ignore[assignment]  # same interface, lighter
        self.writable = _Flag()  # type: ignore[assignment]  # same interface

    async def send(self, message: Any) -> None:
        await super().send(message)
        if self.handshake_complete and getattr(self, "response", None) is not None:
            # Open (or refused): the handshake's request and response are done with. The
            # parser (websockets' generator) keeps the request as a local for the life of
            # the socket, so its headers are emptied too.
            self.request.headers.clear()
            self.request = self.response = None  # type: ignore[assignment]  # freed

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        scope: dict[str, Any] | None = getattr(self, "scope", None)
        if scope is not None:  # the handshake goes on; the application has not started yet
            scope["extensions"][EXTENSION] = {"write": self.write_now, "close": self.close_now}

    def write_now(self, text: str, framed: bytes) -> bool:
        """Write `text`, already framed as `framed`, to this socket; False when it cannot
        be written now (not open yet or any more, or the transport's buffer is full and
        writing is paused): the caller then awaits send(), which waits its turn."""
        conn = self.conn
        if (
            not self.writable.is_set()
            or self.close_sent
            or self.disconnected
            or conn.state is not State.OPEN
            or conn.expect_continuation_frame
        ):
            return False
        if conn.extensions:  # permessage-deflate: this socket compresses its own copy
            conn.send_text(text.encode())
            self.transport.write(b"".join(conn.data_to_send()))
        else:
            self.transport.write(framed)
        return True

    def close_now(self, code: int) -> None:
        """Close with `code` now, without waiting for the client to read what it owes: the
        close frame goes after the buffered data, and the connection is cut if that is not
        read within WEBSOCKET_CLOSE_GRACE_SECONDS. The application hears websocket.disconnect."""
        if self.close_sent or self.disconnected or self.conn.state is not State.OPEN:
            return
        self.queue.put_nowait({"type": "websocket.disconnect", "code": code})
        self.conn.send_close(code)
        self.transport.write(b"".join(self.conn.data_to_send()))
        self.close_sent = True
        self.stop_keepalive()
        self.transport.close()  # reading stops; the buffer drains, then the socket closes
        grace = settings.WEBSOCKET_CLOSE_GRACE_SECONDS
        self.loop.call_later(grace, self.cut)  # a no-op once it has closed

    def keepalive_timeout(self) -> None:
        """The client stopped answering pings: close, and cut the connection at once (a
        polite close waits for a buffer that a vanished client never drains). The
        application hears 1011, not the 1005 of a lost connection: its presence goes at
        once instead of lingering for a client expected back."""
        if not (self.close_sent or self.transport.is_closing()):
            self.queue.put_nowait({"type": "websocket.disconnect", "code": 1011})
        super().keepalive_timeout()
        self.cut()

    def cut(self) -> None:
        """End the connection now, unsent data and all: a reset, so that the client (if it
        is still there) learns at once and the kernel frees the buffers it held."""
        if self.disconnected or (self.transport.is_closing() and not self.close_sent):
            return
        sock = self.transport.get_extra_info("socket")
        with contextlib.suppress(OSError, AttributeError, TypeError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.transport.abort()

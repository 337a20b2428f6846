"""uvicorn's WebSocket protocol plus one ASGI extension: write a text frame now.

An ASGI application sends a WebSocket message by awaiting `send({"type": "websocket.send",
"text": ...})`. For a room message owed to 50 sockets that is, per socket, a coroutine
through Channels' middleware wrappers and uvicorn's `send`, plus websockets framing the
same text again: most of the server's CPU per delivery (bench/README.md).

This protocol is uvicorn's websockets sans-I/O implementation, unchanged but for one
scope extension (the ASGI way for a server to offer more than the spec),
`"parley.websocket.write"`: `{"write": write_now}`, a plain function that writes a frame
at once or says it cannot. The caller frames a message once (`frame()`) and the same
bytes go to every socket that negotiated no compression; a socket with permessage-deflate
compresses its own copy, as uvicorn would.

Serve Parley with `uvicorn --ws parley.realtime.server:WebSocketProtocol` (the Makefile,
the README's deployment, the benchmark and the tests' servers do). Under any other
server the extension is absent and the consumer awaits `send()` as usual.
"""

from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Request
from websockets.protocol import State

EXTENSION = "parley.websocket.write"
PROTOCOL = "parley.realtime.server:WebSocketProtocol"  # uvicorn's --ws


def frame(text: str) -> bytes:
    """`text` as one unmasked, uncompressed server-to-client text frame (RFC 6455)."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False)


class WebSocketProtocol(WebSocketsSansIOProtocol):
    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        scope: dict[str, Any] | None = getattr(self, "scope", None)
        if scope is not None:  # the handshake goes on; the application has not started yet
            scope["extensions"][EXTENSION] = {"write": self.write_now}

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

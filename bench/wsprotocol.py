"""Parley's WebSocket protocol with a fixed kernel send buffer: `bench.run --server-sndbuf`.

On loopback Linux sizes a socket's send buffer from the 64 KB segment size, so it reaches
tcp_wmem's maximum (4 MB) at once: a client that stops reading is owed minutes of a room's
messages before the server's own queue holds one, where over a network (1.4 KB segments)
the buffer starts near 90 KB. SO_SNDBUF set here (the kernel doubles it) stands in for
that; it applies to every socket the server upgrades, and nothing else changes.
"""

import os
import socket
from typing import Any

from parley.realtime.server import WebSocketProtocol as ParleyProtocol

SNDBUF = int(os.environ.get("BENCH_SERVER_SNDBUF") or 0)


class WebSocketProtocol(ParleyProtocol):
    def connection_made(self, transport: Any) -> None:
        sock = transport.get_extra_info("socket")
        if SNDBUF and sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SNDBUF)
        super().connection_made(transport)

"""A WebSocket client that reads only when told to: a phone in a tunnel, a frozen tab.

websockets' own clients read whatever arrives; this one speaks the protocol through
websockets' sans-I/O ClientProtocol over a plain socket with a small receive buffer, so
that when it does not read, the server's buffers fill as they would for a stalled client.
"""

import asyncio
import json
import socket
from typing import Any

from django.conf import settings
from websockets.client import ClientProtocol
from websockets.datastructures import Headers
from websockets.exceptions import InvalidHandshake
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.typing import Origin
from websockets.uri import parse_uri

from parley.core.testing.protocol import received


class StalledClient:
    def __init__(self, sock: socket.socket, protocol: ClientProtocol) -> None:
        self.sock = sock
        self.protocol = protocol
        self.frames: list[dict[str, Any]] = []
        self.close_code: int | None = None

    @classmethod
    async def connect(
        cls, port: int, cookie: str, *, receive_buffer: int = 4096
    ) -> "StalledClient":
        """Open /ws/ on `port` as the session `cookie`, read the handshake, and stop."""
        loop = asyncio.get_running_loop()
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        sock.setblocking(False)
        await loop.sock_connect(sock, ("127.0.0.1", port))
        protocol = ClientProtocol(parse_uri(f"ws://127.0.0.1:{port}/ws/"),
                                  origin=Origin("http://testserver"), max_size=None)  # fmt: skip
        request = protocol.connect()
        request.headers = Headers(request.headers)
        request.headers["Cookie"] = f"{settings.SESSION_COOKIE_NAME}={cookie}"
        protocol.send_request(request)
        client = cls(sock, protocol)
        await client._flush()
        while not any(isinstance(event, Response) for event in await client._read_some()):
            pass
        if protocol.handshake_exc is not None:
            raise InvalidHandshake(str(protocol.handshake_exc))
        return client

    async def send(self, **frame: Any) -> None:
        self.protocol.send_text(json.dumps(frame).encode())
        await self._flush()

    async def read_until(self, kind: str, timeout: float = 30) -> dict[str, Any]:
        """Read until a frame of type `kind` comes (hello, then resumed: the start a client
        reads before it stalls); that frame. Fails if the connection ends first."""
        start = len(self.frames)
        async with asyncio.timeout(timeout):
            while True:
                for frame in self.frames[start:]:
                    if frame["type"] == kind:
                        return frame
                if not await self._read_some():
                    raise AssertionError(f"the connection ended before {kind!r}: {self.frames}")

    async def read_to_the_end(self, timeout: float = 30) -> list[dict[str, Any]]:
        """Read until the server closes or cuts the connection; every text frame read."""
        async with asyncio.timeout(timeout):
            while await self._read_some():
                pass
        return self.frames

    async def _read_some(self) -> list[Any]:
        """One read's events; [] at the end of the connection."""
        try:
            data = await asyncio.get_running_loop().sock_recv(self.sock, 65536)
        except ConnectionError:
            data = b""
        if not data:
            self.protocol.receive_eof()
            self.sock.close()
            return []
        self.protocol.receive_data(data)
        events = self.protocol.events_received()
        for event in events:
            if isinstance(event, Frame) and event.opcode is Opcode.TEXT:
                self.frames.append(received(bytes(event.data)))
            elif isinstance(event, Frame) and event.opcode is Opcode.CLOSE:
                self.close_code = (
                    self.protocol.close_rcvd.code if self.protocol.close_rcvd else None
                )
        return events or [None]

    async def _flush(self) -> None:
        for data in self.protocol.data_to_send():
            if data:
                await asyncio.get_running_loop().sock_sendall(self.sock, data)

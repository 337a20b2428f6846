"""Drive the real ASGI application's WebSocket the way a browser would."""

import json
from typing import Any

from channels.db import database_sync_to_async
from channels.testing.websocket import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from parley.core.testing.protocol import received

# Generous: on PostgreSQL a receive may wait on a commit in another thread.
TIMEOUT = 5
# Frames about who is around, not about conversations' contents.
LIVENESS = frozenset({"presence", "typing"})


class Socket:
    """One client socket: a signed-in session plus a communicator on /ws/."""

    def __init__(self, communicator: WebsocketCommunicator, client: Client) -> None:
        self.communicator = communicator
        self.client = client  # the browser session behind the socket (to log out, say)
        self.hello: dict[str, Any] = {}
        self.replayed: dict[str, Any] = {}

    async def send(self, **frame: Any) -> None:
        await self.communicator.send_to(text_data=json.dumps(frame))

    async def send_raw(self, text: str | None = None, data: bytes | None = None) -> None:
        await self.communicator.send_to(text_data=text, bytes_data=data)

    async def receive(self) -> dict[str, Any]:
        """The next frame that is not presence or typing (see receive_frame)."""
        while True:
            frame = await self.receive_frame()
            if frame["type"] not in LIVENESS:
                return frame

    async def receive_frame(self) -> dict[str, Any]:
        """The next frame, whatever it is."""
        return received(await self.communicator.receive_from(timeout=TIMEOUT))

    async def receive_sequenced(self, count: int = 1) -> list[dict[str, Any]]:
        """The next `count` conversation events (those with a seq), skipping the rest
        (presence, typing)."""
        frames: list[dict[str, Any]] = []
        while len(frames) < count:
            frame = await self.receive()
            if "seq" in frame and "conversation" in frame:
                frames.append(frame)
        return frames

    async def receive_until(self, kind: str) -> list[dict[str, Any]]:
        """Frames up to and including the first of type `kind`, leaving out presence and
        typing (they come whenever people come and go) unless `kind` is one of them."""
        frames = []
        while True:
            frame = await self.receive_frame()
            if frame["type"] in LIVENESS and frame["type"] != kind:
                continue
            frames.append(frame)
            if frame["type"] == kind:
                return frames

    async def nothing_more(self) -> bool:
        """True if no frame at all is waiting, presence and typing included (a bounded
        check for absence, not a sync point)."""
        return bool(await self.communicator.receive_nothing(timeout=0.3))

    async def request(self, **frame: Any) -> dict[str, Any]:
        """Send a frame and return the first reply to it (matched by ref)."""
        ref = frame.setdefault("ref", f"r{id(frame)}")
        await self.send(**frame)
        while True:
            reply = await self.receive()
            if reply.get("ref") == ref:
                return reply

    async def close(self) -> None:
        await self.communicator.disconnect()


def signed_in_client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


async def open_socket(
    user: Any | None,
    *,
    origin: str = "http://testserver",
    client: Client | None = None,
    path: str = "/ws/",
    resume: dict[str, int] | None = None,
    hold: bool = False,
    token: str | None = None,
) -> tuple[Socket, bool, int | None]:
    """Connect as `user` (or anonymously); returns the socket, whether it was accepted,
    and the close code if it was refused. An accepted socket has read its hello and, like
    the web client, sent `resume` (empty unless given) and read its replay up to
    `resumed` — unless `hold`, which leaves the socket right after hello. With `token`,
    it signs in as a script does: `Authorization: Bearer`, no cookie, no Origin."""
    from config.asgi import application

    if client is None and user is not None and token is None:
        client = await database_sync_to_async(signed_in_client)(user)
    headers = [(b"host", b"testserver")]
    if token is not None:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    else:
        headers.append((b"origin", origin.encode()))
    if client is not None:
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, code = await communicator.connect(timeout=TIMEOUT)
    socket = Socket(communicator, client or Client())
    if not connected:
        return socket, False, code
    first = await communicator.receive_output(timeout=TIMEOUT)
    if first["type"] == "websocket.close":
        return socket, False, first.get("code")
    socket.hello = received(first["text"])
    if socket.hello["type"] == "error":  # refused with a reason (hello holds it), then closed
        closed = await communicator.receive_output(timeout=TIMEOUT)
        assert closed["type"] == "websocket.close", closed
        return socket, False, closed.get("code")
    if not hold:
        socket.replayed = await socket.request(type="resume", conversations=resume or {})
    return socket, True, None

"""Media over a mesh, signalled through Parley's real socket: aiortc peers (no camera:
synthetic frames) in a 1:1 call and a 3-person call, each receiving frames from every
other. Short: each peer waits for a few frames from each other peer, then hangs up."""

import asyncio
import contextlib
from typing import Any

import pytest
from aiortc import RTCPeerConnection, RTCSessionDescription, VideoStreamTrack
from aiortc.mediastreams import MediaStreamError
from av import VideoFrame
from channels.db import database_sync_to_async

from parley.calls.tests.signalling_helpers import _no_background_sweep, direct, join, start  # noqa: F401 (autouse)
from parley.core.testing.sockets import Socket, open_socket
from parley.messaging.actions.rooms import check_create_room, check_join_room

pytestmark = [pytest.mark.media, pytest.mark.django_db(transaction=True)]

FRAMES = 5  # from each other peer
TIMEOUT = 30


class SmallFrames(VideoStreamTrack):
    """A synthetic camera: 160x120 frames with a byte that names the sender."""

    def __init__(self, mark: int) -> None:
        super().__init__()
        self.mark = mark

    async def recv(self) -> VideoFrame:
        pts, time_base = await self.next_timestamp()
        frame = VideoFrame(width=160, height=120)
        for plane in frame.planes:
            plane.update(bytes([self.mark]) * plane.buffer_size)
        frame.pts, frame.time_base = pts, time_base
        return frame


class Peer:
    """One participant: its Parley socket, and a peer connection per other participant,
    negotiated only through call.offer / call.answer frames on that socket."""

    def __init__(self, user: Any, socket: Socket) -> None:
        self.user, self.socket = user, socket
        self.call = 0
        self.connections: dict[int, RTCPeerConnection] = {}
        self.received: dict[int, int] = {}  # frames, by sender's user id
        self.enough = asyncio.Event()
        self.expected: set[int] = set()
        self.tasks: list[asyncio.Task[None]] = []

    def connection(self, other: int) -> RTCPeerConnection:
        if other not in self.connections:
            pc = RTCPeerConnection()
            pc.addTrack(SmallFrames(self.user.pk % 250))

            @pc.on("track")
            def on_track(track: Any, other: int = other) -> None:
                self.tasks.append(asyncio.ensure_future(self._count(track, other)))

            self.connections[other] = pc
        return self.connections[other]

    async def _count(self, track: Any, other: int) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                await track.recv()
                self.received[other] = self.received.get(other, 0) + 1
                if all(self.received.get(u, 0) >= FRAMES for u in self.expected):
                    self.enough.set()

    async def offer_to(self, other: int) -> None:
        pc = self.connection(other)
        await pc.setLocalDescription(await pc.createOffer())  # candidates gathered: in the SDP
        await self.socket.send(
            type="call.offer", call=self.call, to=other, sdp=pc.localDescription.sdp
        )

    async def listen(self) -> None:
        """Answer offers and take answers from the socket until cancelled."""
        while True:
            try:
                frame = await self.socket.receive()
            except TimeoutError:
                continue
            if frame["type"] == "call.offer":
                pc = self.connection(frame["from"])
                await pc.setRemoteDescription(RTCSessionDescription(frame["sdp"], "offer"))
                await pc.setLocalDescription(await pc.createAnswer())
                sdp = pc.localDescription.sdp
                to = frame["from"]
                await self.socket.send(type="call.answer", call=self.call, to=to, sdp=sdp)
            elif frame["type"] == "call.answer":
                pc = self.connections[frame["from"]]
                await pc.setRemoteDescription(RTCSessionDescription(frame["sdp"], "answer"))
            elif frame["type"] == "error":
                raise AssertionError(frame)

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        for pc in self.connections.values():
            await pc.close()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.socket.close()


async def _mesh(users: list[Any], conversation_id: int) -> dict[int, dict[int, int]]:
    """Everyone joins in turn (the joiner offers to those in the call); returns the frames
    each received from each other."""
    peers = [Peer(user, (await open_socket(user))[0]) for user in users]
    ids = [p.user.pk for p in peers]
    for peer in peers:
        peer.expected = set(ids) - {peer.user.pk}
    first, *others = peers
    session = await start(first.socket, conversation_id)
    call = session["call"]["id"]
    listeners = []
    for peer in peers:
        peer.call = call
    listeners.append(asyncio.ensure_future(first.listen()))
    for peer in others:
        session = await join(peer.socket, call)
        listeners.append(asyncio.ensure_future(peer.listen()))
        for participant in session["call"]["participants"]:
            if participant["user"]["id"] != peer.user.pk:
                await peer.offer_to(participant["user"]["id"])
    try:
        await asyncio.wait_for(asyncio.gather(*(p.enough.wait() for p in peers)), timeout=TIMEOUT)
    finally:
        for task in listeners:
            task.cancel()
        await asyncio.gather(*listeners, return_exceptions=True)
        for peer in peers:
            await peer.close()
    return {p.user.pk: dict(p.received) for p in peers}


async def test_a_one_to_one_call_carries_video_both_ways(alice, bob):
    conversation = await database_sync_to_async(direct)(alice, bob)

    received = await _mesh([alice, bob], conversation.pk)

    assert received[alice.pk][bob.pk] >= FRAMES
    assert received[bob.pk][alice.pk] >= FRAMES


def _room(owner: Any, *members: Any) -> int:
    room = check_create_room(owner, title="Video room")
    for member in members:
        check_join_room(member, room)
    return int(room.chats.get(is_default=True).pk)


async def test_a_three_person_mesh_carries_video_between_every_pair(alice, bob, carol):
    chat = await database_sync_to_async(_room)(alice, bob, carol)

    received = await _mesh([alice, bob, carol], chat)

    for user in (alice, bob, carol):
        others = {alice.pk, bob.pk, carol.pk} - {user.pk}
        assert {u: n >= FRAMES for u, n in received[user.pk].items()} == dict.fromkeys(others, True)

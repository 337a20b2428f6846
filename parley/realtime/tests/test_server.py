"""Parley's WebSocket protocol for uvicorn (parley/realtime/server.py): events written
straight to the socket, framed once for all, reach every client whole, once and in order,
whether it negotiated compression or not."""

import asyncio
import json

import pytest

from parley.core.testing.servers import (
    connect_as,
    receive_json,
    session_cookie,
    uvicorn_servers,
)
from parley.messaging.actions.rooms import check_create_room, check_join_room

pytestmark = pytest.mark.django_db(transaction=True)


def test_messages_reach_compressed_and_plain_sockets_whole_once_and_in_order(alice, bob, carol):
    room = check_create_room(alice, title="Frames")
    check_join_room(bob, room)
    check_join_room(carol, room)
    chat = room.chats.get()
    cookies = [session_cookie(user) for user in (alice, bob, carol)]
    # Lengths on both sides of the frame header's 7-, 16- and 64-bit length fields.
    bodies = ["short", "é" * 200, "🙂" * 5_000, "🙂" * 10_000, "last"]

    async def scenario(port: int) -> tuple[list, list, list[list[dict]]]:
        async with (
            connect_as(port, cookies[0]) as a,
            connect_as(port, cookies[1], compression=None) as b,
            connect_as(port, cookies[2], compression="deflate") as c,
        ):
            for ws in (a, b, c):  # as the web client does: hello, then resume from its seqs
                hello = await receive_json(ws, "hello")
                seen = {c["id"]: c["last_seq"] for c in hello["conversations"]}
                await ws.send(json.dumps({"type": "resume", "conversations": seen}))
                await receive_json(ws, "resumed")
            for i, body in enumerate(bodies):
                frame = {
                    "type": "send",
                    "conversation": chat.pk,
                    "client_id": f"f{i}",
                    "body": body,
                }
                await a.send(json.dumps(frame, ensure_ascii=False))
            received = [[await receive_json(ws, "message") for _ in bodies] for ws in (a, b, c)]
            return b.protocol.extensions, c.protocol.extensions, received

    with uvicorn_servers(1, deflate=True) as [port]:
        plain, compressed, received = asyncio.run(scenario(port))

    assert plain == [] and [e.name for e in compressed] == ["permessage-deflate"]
    for messages in received:
        assert [m["seq"] for m in messages] == [1, 2, 3, 4, 5]
        assert [m["message"]["body"] for m in messages] == bodies

"""Two server processes sharing one Redis and one database: each sees the other's messages.

Runs whenever REDIS_URL is set (CI's PostgreSQL + Redis pass); with the in-memory layer
there is nothing to share between processes, so it is skipped there, saying why.
"""

import asyncio
import json
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db import connection

from parley.core.testing.servers import (
    connect_as,
    receive_json,
    session_cookie,
    uvicorn_servers,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL: processes share Redis"),
]


@pytest.fixture
def servers() -> Iterator[list[int]]:
    """Two uvicorn processes on the test database and the configured Redis."""
    with uvicorn_servers(2) as ports:
        yield ports


def test_a_client_on_each_process_sees_the_others_messages(servers, alice, bob):
    from parley.messaging.actions.rooms import check_create_room, check_join_room

    room = check_create_room(alice, title="Across")
    check_join_room(bob, room)
    chat = room.chats.get()
    cookies = session_cookie(alice), session_cookie(bob)

    async def scenario() -> tuple[dict, dict, dict]:
        async with connect_as(servers[0], cookies[0]) as a, connect_as(servers[1], cookies[1]) as b:
            for ws in (a, b):  # as every client starts: hello, then resume
                await receive_json(ws, "hello")
                await ws.send(json.dumps({"type": "resume", "conversations": {}}))
                await receive_json(ws, "resumed")
            await a.send(json.dumps({"type": "send", "conversation": chat.pk,
                                     "client_id": "x1", "body": "from process one"}))  # fmt: skip
            ack = await receive_json(a, "ack")
            at_bob = await receive_json(b, "message")
            await b.send(json.dumps({"type": "send", "conversation": chat.pk,
                                     "client_id": "y1", "body": "from process two"}))  # fmt: skip
            at_alice = await receive_json(a, "message")
            if at_alice["seq"] == 1:  # alice's own message, echoed to her sockets
                at_alice = await receive_json(a, "message")
            return ack, at_bob, at_alice

    ack, at_bob, at_alice = asyncio.run(scenario())

    assert (ack["seq"], at_bob["seq"]) == (1, 1)
    assert at_bob["message"]["body"] == "from process one"
    assert (at_alice["seq"], at_alice["message"]["body"]) == (2, "from process two")


def test_a_socket_idle_for_over_a_minute_still_receives(servers, alice, bob):
    """Redis clients whose socket timeout races the layer's blocking read drop idle
    receivers after a few seconds; the wait here is the scenario, not a synchronisation."""
    from parley.messaging.actions.rooms import check_create_room, check_join_room

    room = check_create_room(alice, title="Quiet")
    check_join_room(bob, room)
    chat = room.chats.get()
    cookie = session_cookie(bob)

    async def scenario() -> dict:
        async with connect_as(servers[1], cookie) as b:
            await receive_json(b, "hello")
            await asyncio.sleep(65)
            await asyncio.to_thread(_send_from_alice)
            return await receive_json(b, "message")

    def _send_from_alice() -> None:
        from parley.messaging.actions.send import check_send_message

        check_send_message(alice, conversation_id=chat.pk, client_id="late", body="still there?")
        connection.close()

    received = asyncio.run(scenario())

    assert (received["seq"], received["message"]["body"]) == (1, "still there?")

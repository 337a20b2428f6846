"""A call across two server processes sharing Redis and the database: ringing, accepting
on a device of another process, and signalling to the peer's socket on the other process.

Runs whenever REDIS_URL is set; with the in-memory layer there is nothing to share."""

import asyncio
import json
from collections.abc import Iterator

import pytest
from django.conf import settings

from parley.core.testing.servers import connect_as, receive_json, session_cookie, uvicorn_servers
from parley.messaging.actions.direct import do_create_direct_conversation

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL: processes share Redis"),
]


@pytest.fixture
def servers() -> Iterator[list[int]]:
    with uvicorn_servers(2) as ports:
        yield ports


def test_a_call_rings_accepts_and_signals_across_processes(servers, alice, bob):
    conversation = do_create_direct_conversation(alice, bob)
    cookies = session_cookie(alice), session_cookie(bob)

    async def scenario() -> tuple[dict, dict, dict, dict]:
        async with (
            connect_as(servers[0], cookies[0]) as caller,
            connect_as(servers[1], cookies[1]) as phone,
            connect_as(servers[0], cookies[1]) as laptop,
        ):
            for ws in (caller, phone, laptop):
                await receive_json(ws, "hello")
                await ws.send(json.dumps({"type": "resume", "conversations": {}}))
                await receive_json(ws, "resumed")
            await caller.send(json.dumps({"type": "call.start", "conversation": conversation.pk}))
            call = (await receive_json(caller, "call.session"))["call"]["id"]
            await receive_json(phone, "call.ring")
            await receive_json(laptop, "call.ring")
            await phone.send(json.dumps({"type": "call.join", "call": call}))
            await receive_json(phone, "call.session")
            stopped = await receive_json(laptop, "call.ring_stopped")
            offer = {"type": "call.offer", "call": call, "to": bob.pk, "sdp": "v=0 across"}
            await caller.send(json.dumps(offer))
            at_phone = await receive_json(phone, "call.offer")
            answer = {"type": "call.answer", "call": call, "to": alice.pk, "sdp": "v=0 back"}
            await phone.send(json.dumps(answer))
            at_caller = await receive_json(caller, "call.answer")
            await caller.send(json.dumps({"type": "call.leave", "call": call}))
            ended = await receive_json(phone, "call.ended")
            return stopped, at_phone, at_caller, ended

    stopped, at_phone, at_caller, ended = asyncio.run(scenario())

    assert stopped["reason"] == "accepted"
    assert (at_phone["from"], at_phone["sdp"]) == (alice.pk, "v=0 across")
    assert (at_caller["from"], at_caller["sdp"]) == (bob.pk, "v=0 back")
    assert ended["message"]["call"]["end_reason"] == "hangup"

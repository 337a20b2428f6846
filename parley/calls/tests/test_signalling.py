"""Signalling: offers, answers and candidates go from the socket in a call to the named
participant's socket in it, from the session's user; every refusal relays nothing."""

import json
import time

import pytest
import time_machine
from channels.db import database_sync_to_async

from parley.calls.tests.signalling_helpers import (  # noqa: F401 (autouse)
    _no_background_sweep,
    drain,
    gather,
    join,
    signals_waiting,
    start,
)
from parley.core.testing.sockets import open_socket
from parley.messaging.actions.rooms import check_create_room, check_join_room

pytestmark = pytest.mark.django_db(transaction=True)

CANDIDATE = {
    "candidate": "candidate:1 1 udp 2122260223 192.0.2.4 54400 typ host",
    "sdpMid": "0",
    "sdpMLineIndex": 0,
}


def make_room(owner, *members):
    room = check_create_room(owner, title="Team")
    for member in members:
        check_join_room(member, room)
    return room.chats.get(is_default=True)


@pytest.fixture
async def in_call(alice, bob, carol):
    """Alice and bob in a call in a room carol is in too (not in the call); bob has a
    second tab that is not in the call."""
    chat = await database_sync_to_async(make_room)(alice, bob, carol)
    a, b = (await open_socket(alice))[0], (await open_socket(bob))[0]
    other_tab, c = (await open_socket(bob))[0], (await open_socket(carol))[0]
    call = (await start(a, chat.pk))["call"]
    await join(b, call["id"])
    for socket in (a, b, other_tab, c):  # past the start's and the join's events
        await gather(socket, "call.joined")
        await drain(socket)
    yield a, b, other_tab, c, call["id"]
    for socket in (a, b, other_tab, c):
        await socket.close()


async def test_offers_answers_and_candidates_reach_the_named_peers_socket_only(in_call, alice, bob):
    a, b, other_tab, c, call = in_call

    await a.send(type="call.offer", call=call, to=bob.pk, sdp="v=0\r\noffer")
    offer = (await gather(b, "call.offer"))["call.offer"]
    await b.send(type="call.answer", call=call, to=alice.pk, sdp="v=0\r\nanswer")
    answer = (await gather(a, "call.answer"))["call.answer"]
    await b.send(type="call.candidate", call=call, to=alice.pk, candidate=CANDIDATE)
    await b.send(type="call.candidate", call=call, to=alice.pk, candidate=None)
    candidates = [(await gather(a, "call.candidate"))["call.candidate"] for _ in range(2)]

    assert offer == {
        "type": "call.offer",
        "call": call,
        "from": alice.pk,
        "sdp": "v=0\r\noffer",
        "restart": False,
    }
    assert answer == {"type": "call.answer", "call": call, "from": bob.pk, "sdp": "v=0\r\nanswer"}
    assert [x["candidate"] for x in candidates] == [CANDIDATE, None]
    assert {x["from"] for x in candidates} == {bob.pk}
    assert await signals_waiting(other_tab) == []  # bob's tab that is not in the call
    assert await signals_waiting(c) == []


async def _refused(socket, **frame) -> dict:
    reply = await socket.request(**frame)
    assert reply["type"] == "error", reply
    return reply


async def test_every_refusal_relays_nothing(in_call, alice, bob, carol):
    a, b, other_tab, c, call = in_call
    offer = {"type": "call.offer", "call": call, "sdp": "v=0"}

    # Carol is not in the call: her offer to alice goes nowhere.
    assert (await _refused(c, **offer, to=alice.pk))["code"] == "not_found"
    # Bob's other tab is not the socket in the call.
    assert (await _refused(other_tab, **offer, to=alice.pk))["code"] == "not_found"
    # Nor is carol a peer to signal to, nor alice herself, nor a call that is not there.
    assert (await _refused(a, **offer, to=carol.pk))["code"] == "not_found"
    assert (await _refused(a, **offer, to=alice.pk))["code"] == "not_found"
    assert (await _refused(a, **{**offer, "call": call + 1000}, to=bob.pk))["code"] == "not_found"
    # A forged sender: no field but the documented ones.
    forged = await _refused(c, **offer, to=alice.pk, **{"from": bob.pk})
    assert forged["code"] == "invalid"
    forged = await _refused(a, **offer, to=bob.pk, **{"from": carol.pk})
    assert forged["code"] == "invalid"
    # An SDP over the limit, a candidate that is not one.
    huge = await _refused(a, **{**offer, "sdp": "v" * 32769}, to=bob.pk)
    assert (huge["code"], huge["field"]) == ("too_large", "sdp")
    bad = await _refused(a, type="call.candidate", call=call, to=bob.pk, candidate={"x": 1})
    assert bad["code"] == "invalid"
    long = {**CANDIDATE, "candidate": "c" * 2000}
    assert (await _refused(a, type="call.candidate", call=call, to=bob.pk, candidate=long))[
        "code"
    ] == "too_large"
    await a.send(**{**offer, "sdp": "v=0\x00"}, to=bob.pk)  # refused before its ref is read
    text = (await gather(a, "error"))["error"]
    assert (text["code"], text["field"]) == ("invalid_text", "sdp")

    for socket in (a, b, other_tab, c):
        assert await signals_waiting(socket) == []


async def test_media_state_reaches_the_other_participants_sockets_in_the_call(in_call, alice, bob):
    a, b, other_tab, c, call = in_call

    await a.send(type="call.media", call=call, muted=True, camera=False, sharing=False)

    media = (await gather(b, "call.media"))["call.media"]
    assert media == {
        "type": "call.media",
        "call": call,
        "user": alice.pk,
        "muted": True,
        "camera": False,
        "sharing": False,
    }
    # Not to the sender, bob's other tab or carol (not in the call); and only from the
    # socket in the call, with no field but the documented ones.
    refused = await _refused(c, type="call.media", call=call, muted=True, camera=True)
    assert refused["code"] == "not_found"
    refused = await _refused(other_tab, type="call.media", call=call, muted=False)
    assert refused["code"] == "not_found"
    forged = await _refused(a, type="call.media", call=call, muted=True, user=bob.pk)
    assert forged["code"] == "invalid"
    for socket in (a, b, other_tab, c):
        assert "call.media" not in [f["type"] for f in await drain(socket)]


async def test_a_candidate_flood_is_cut_at_the_sockets_limit(in_call, alice, bob, settings):
    a, b, _, _, call = in_call
    frame = json.dumps(
        {"type": "call.candidate", "call": call, "to": bob.pk, "candidate": CANDIDATE}
    )
    burst = settings.RATE_LIMITS["call_candidate"][1]

    with time_machine.travel(time.time(), tick=False):  # no token comes back meanwhile
        for _ in range(burst + 20):
            await a.send_raw(frame)
        await a.send(type="ping")
        refused = [f for f in await a.receive_until("pong") if f["type"] == "error"]

    assert len(await signals_waiting(b)) == burst
    assert len(refused) == 20
    assert {f["code"] for f in refused} == {"rate_limited"}

"""Ringing as clients see it: every device of the callee rings, accepting on one stops the
others, declining tells the caller, a user in a call answers busy, an unanswered call
becomes a missed call that counts as unread."""

import pytest
import time_machine
from channels.db import database_sync_to_async
from django.utils import timezone

from parley.calls.tests.signalling_helpers import (  # noqa: F401 (autouse)
    _no_background_sweep,
    direct,
    gather,
    group,
    jobs_due,
    join,
    start,
)
from parley.core.testing.sockets import open_socket

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_call_rings_every_device_and_accepting_on_one_stops_the_others(alice, bob):
    conversation = await database_sync_to_async(direct)(alice, bob)
    caller = (await open_socket(alice))[0]
    phone, laptop = (await open_socket(bob))[0], (await open_socket(bob))[0]

    session = await start(caller, conversation.pk)
    call = session["call"]
    assert (call["status"], call["kind"], call["mode"]) == ("ringing", "video", "mesh")
    assert [p["user"]["id"] for p in call["participants"]] == [alice.pk]
    assert call["ringing"] == [bob.pk]
    rings = [(await gather(device, "call.ring", "call.started")) for device in (phone, laptop)]
    for ring in rings:
        assert ring["call.ring"]["call"]["id"] == call["id"]
        assert ring["call.started"]["message"]["call"]["status"] == "ringing"
        assert ring["call.started"]["message"]["body"] == "Video call"

    accepted = await join(phone, call["id"])
    assert accepted["rejoined"] is False
    assert accepted["call"]["status"] == "ongoing"
    assert accepted["heartbeat"] == 5 and accepted["grace"] == 15

    stopped = await gather(laptop, "call.ring_stopped", "call.joined")
    assert stopped["call.ring_stopped"] == {
        "type": "call.ring_stopped",
        "call": call["id"],
        "reason": "accepted",
    }
    assert stopped["call.joined"]["user"] == bob.pk
    at_caller = await gather(caller, "call.joined", "call.updated")
    while at_caller["call.updated"]["call"]["status"] != "ongoing":  # the start's update first
        at_caller = {"call.updated": (await gather(caller, "call.updated"))["call.updated"]}
    assert [p["user"]["id"] for p in at_caller["call.updated"]["call"]["participants"]] == [
        alice.pk,
        bob.pk,
    ]
    for socket in (caller, phone, laptop):
        await socket.close()


async def test_declining_stops_every_device_and_tells_the_caller(alice, bob):
    conversation = await database_sync_to_async(direct)(alice, bob)
    caller = (await open_socket(alice))[0]
    phone, laptop = (await open_socket(bob))[0], (await open_socket(bob))[0]
    call = (await start(caller, conversation.pk, kind="voice"))["call"]
    await gather(laptop, "call.ring")

    done = await phone.request(type="call.decline", call=call["id"])

    assert done == {"type": "call.done", "ref": done["ref"], "call": call["id"]}
    assert (await gather(laptop, "call.ring_stopped"))["call.ring_stopped"]["reason"] == "declined"
    told = await gather(caller, "call.declined", "call.ended")
    assert told["call.declined"]["user"]["id"] == bob.pk
    entry = told["call.ended"]["message"]
    assert entry["body"] == "Declined call"
    assert (entry["call"]["status"], entry["call"]["end_reason"]) == ("declined", "declined")
    # Declining again, or a call that ended: not found, nothing else happens.
    again = await phone.request(type="call.decline", call=call["id"])
    assert (again["code"], again["call"]) == ("not_found", call["id"])
    for socket in (caller, phone, laptop):
        await socket.close()


async def test_a_user_in_a_call_answers_busy(alice, bob, carol):
    with_carol = await database_sync_to_async(direct)(bob, carol)
    with_alice = await database_sync_to_async(direct)(alice, bob)
    caller = (await open_socket(alice))[0]
    bobs, carols = (await open_socket(bob))[0], (await open_socket(carol))[0]
    call = (await start(bobs, with_carol.pk))["call"]
    await join(carols, call["id"])

    session = await start(caller, with_alice.pk)

    told = await gather(caller, "call.busy", "call.missed")
    assert told["call.busy"] == {
        "type": "call.busy",
        "call": session["call"]["id"],
        "user": told["call.busy"]["user"],
    }
    assert told["call.busy"]["user"]["id"] == bob.pk
    assert told["call.missed"]["message"]["call"]["end_reason"] == "busy"
    frames = await bobs.receive_until("call.missed")
    assert "call.ring" not in {frame["type"] for frame in frames}
    # Starting a call while in one: refused.
    refused = await bobs.request(type="call.start", conversation=with_alice.pk)
    assert refused["code"] == "conflict"
    for socket in (caller, bobs, carols):
        await socket.close()


async def test_an_unanswered_call_becomes_a_missed_call_that_counts_as_unread(alice, bob):
    conversation = await database_sync_to_async(direct)(alice, bob)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        caller = (await open_socket(alice))[0]
        callee = (await open_socket(bob))[0]
        call = (await start(caller, conversation.pk))["call"]
        await gather(callee, "call.ring")

        clock.shift(44)
        await jobs_due()
        assert await callee.nothing_more()  # still ringing
        clock.shift(2)
        await jobs_due()

        told = await gather(callee, "call.ring_stopped", "call.missed", "call.updated")
        assert told["call.ring_stopped"]["reason"] == "timeout"
        entry = told["call.missed"]["message"]
        assert entry["body"] == "Missed call"
        assert entry["call"] == {
            "id": call["id"],
            "kind": "video",
            "status": "missed",
            "started_at": call["started_at"],
            "ended_at": entry["call"]["ended_at"],
            "duration": None,
            "end_reason": "timeout",
        }
        assert told["call.updated"]["call"]["status"] == "ended"
        await gather(caller, "call.missed")
        for socket in (caller, callee):
            await socket.close()

    # The missed call is unread for bob (not for alice, who made it), in hello too.
    again = (await open_socket(bob))[0]
    [summary] = again.hello["conversations"]
    assert (summary["unread"], summary["preview"]["text"]) == (1, "Missed call")
    page = await again.request(type="history", conversation=conversation.pk)
    assert [m["call"]["status"] for m in page["messages"]] == ["missed"]
    await again.close()
    mine = (await open_socket(alice))[0]
    assert mine.hello["conversations"][0]["unread"] == 0
    await mine.close()


async def test_a_group_call_rings_everyone_and_goes_on_after_one_accepts(alice, bob, carol):
    trio = await database_sync_to_async(group)(alice, bob, carol)
    caller = (await open_socket(alice))[0]
    bobs, carols = (await open_socket(bob))[0], (await open_socket(carol))[0]
    with time_machine.travel(timezone.now(), tick=False) as clock:
        call = (await start(caller, trio.pk))["call"]
        assert call["ringing"] == sorted([bob.pk, carol.pk])
        await gather(carols, "call.ring")
        await join(bobs, call["id"])

        clock.shift(46)
        await jobs_due()

        # Carol's ringing stopped; the call goes on with alice and bob.
        assert (await gather(carols, "call.ring_stopped"))["call.ring_stopped"]["reason"] == (
            "timeout"
        )
        update = (await gather(bobs, "call.updated"))["call.updated"]
        while update["call"]["ringing"]:
            update = (await gather(bobs, "call.updated"))["call.updated"]
        assert update["call"]["status"] == "ongoing"
    for socket in (caller, bobs, carols):
        await socket.close()


async def test_a_device_that_connects_mid_ring_rings_and_can_answer(alice, bob):
    conversation = await database_sync_to_async(direct)(alice, bob)
    caller, laptop = (await open_socket(alice))[0], (await open_socket(bob))[0]
    call = (await start(caller, conversation.pk))["call"]
    await gather(laptop, "call.ring")

    # A tab opened now rings too, right after its hello.
    tab = (await open_socket(bob, hold=True))[0]
    ring = (await tab.receive_until("call.ring"))[-1]
    assert (ring["call"]["id"], ring["call"]["ringing"]) == (call["id"], [bob.pk])

    # It declines: every device stops ringing, the caller hears it.
    assert (await tab.request(type="call.decline", call=call["id"]))["type"] == "call.done"
    stopped = (await gather(laptop, "call.ring_stopped"))["call.ring_stopped"]
    assert stopped["reason"] == "declined"
    assert (await gather(caller, "call.declined"))["call.declined"]["user"]["id"] == bob.pk
    await tab.close()

    # Another call, answered from a tab opened mid-ring: the rest stop ringing, and a tab
    # opened after that does not ring.
    call = (await start(caller, conversation.pk))["call"]
    await gather(laptop, "call.ring")
    tab = (await open_socket(bob, hold=True))[0]
    assert (await tab.receive_until("call.ring"))[-1]["call"]["id"] == call["id"]
    await tab.send(type="resume", ref="r", conversations={})
    await tab.receive_until("resumed")
    assert (await join(tab, call["id"]))["call"]["status"] == "ongoing"
    stopped = (await gather(laptop, "call.ring_stopped"))["call.ring_stopped"]
    assert (stopped["call"], stopped["reason"]) == (call["id"], "accepted")
    later = (await open_socket(bob, hold=True))[0]
    await later.send(type="resume", ref="r", conversations={})
    assert "call.ring" not in [f["type"] for f in await later.receive_until("resumed")]
    for socket in (caller, laptop, tab, later):
        await socket.close()

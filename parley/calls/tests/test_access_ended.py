"""Losing access to a conversation takes a user out of its call at once, whichever way it
ends: removed from a room, leaving it, the room deleted, a block in a direct
conversation, a deactivated account. The others hear call.left (reason "removed") or the
call ends; the user's pages hear call.removed; their ringing stops; and a participant row
left behind relays nothing (the signalling checks membership itself)."""

from typing import Any

import pytest
from channels.db import database_sync_to_async

from parley.accounts.actions.friends import check_block_user
from parley.calls.models import Call, CallParticipant, Ring
from parley.calls.tests.signalling_helpers import (  # noqa: F401 (autouse)
    _no_background_sweep,
    direct,
    drain,
    gather,
    group,
    join,
    signals_waiting,
    start,
)
from parley.core.testing.sockets import Socket, open_socket
from parley.messaging.actions.rooms import (
    check_create_room,
    check_delete_room,
    check_join_room,
    check_leave_room,
    check_remove_member,
)
from parley.messaging.models import Participant

pytestmark = pytest.mark.django_db(transaction=True)


def make_room(owner: Any, *members: Any) -> Any:
    room = check_create_room(owner, title="Team")
    for member in members:
        check_join_room(member, room)
    return room


async def in_room_call(alice: Any, bob: Any, carol: Any) -> tuple[Any, list[Socket], int]:
    """Alice, bob and carol in a call in a room's chat, every socket past the joins."""
    room = await database_sync_to_async(make_room)(alice, bob, carol)
    chat = await database_sync_to_async(lambda: room.chats.get(is_default=True).pk)()
    sockets = [(await open_socket(user))[0] for user in (alice, bob, carol)]
    call = (await start(sockets[0], chat))["call"]
    for socket in sockets[1:]:
        await join(socket, call["id"])
    for socket in sockets:
        while len((await updated(socket))["participants"]) < 3:
            pass
        await drain(socket)
    return room, sockets, call["id"]


async def updated(socket: Socket) -> dict[str, Any]:
    return dict((await gather(socket, "call.updated"))["call.updated"]["call"])


async def left_event(socket: Socket, user_id: int) -> dict[str, Any]:
    while True:
        left = (await gather(socket, "call.left"))["call.left"]
        if left["user"] == user_id:
            return left


async def updated_without(socket: Socket, user_id: int) -> dict[str, Any]:
    """The first call.updated whose participants leave `user_id` out."""
    while True:
        call = (await gather(socket, "call.updated"))["call.updated"]["call"]
        if user_id not in [p["user"]["id"] for p in call["participants"]]:
            return call


def participant(call_id: int, user_id: int) -> CallParticipant:
    return CallParticipant.objects.get(call_id=call_id, user_id=user_id)


async def assert_signal_refused(sender: Socket, call_id: int, to: int, *others: Socket) -> None:
    refused = await sender.request(type="call.offer", call=call_id, to=to, sdp="v=0\r\nx")
    assert (refused["type"], refused["code"]) == ("error", "not_found"), refused
    for socket in others:
        assert await signals_waiting(socket) == []


async def test_a_member_removed_from_a_room_leaves_its_call_at_once(alice, bob, carol):
    room, (a, b, c), call = await in_room_call(alice, bob, carol)

    await database_sync_to_async(check_remove_member)(alice, room, carol.pk)

    removed = (await gather(c, "call.removed"))["call.removed"]
    assert removed == {"type": "call.removed", "call": call, "reason": "removed"}
    for socket in (a, b):
        left = await left_event(socket, carol.pk)
        assert left["reason"] == "removed"
        assert [p["user"]["id"] for p in (await updated_without(socket, carol.pk))["participants"]]
    gone = await database_sync_to_async(participant)(call, carol.pk)
    assert (gone.left_reason, gone.live_user) == ("removed", None)
    # Out of the call: nothing carol sends is relayed, nor anything to her.
    await assert_signal_refused(c, call, alice.pk, a, b)
    await assert_signal_refused(a, call, carol.pk, c)
    # The others go on.
    await a.send(type="call.offer", call=call, to=bob.pk, sdp="v=0\r\ny")
    assert (await gather(b, "call.offer"))["call.offer"]["from"] == alice.pk
    for socket in (a, b, c):
        await socket.close()


async def test_leaving_the_room_leaves_the_call_and_the_last_one_out_ends_it(alice, bob, carol):
    room, (a, b, c), call = await in_room_call(alice, bob, carol)
    await a.request(type="call.leave", call=call)
    await c.request(type="call.leave", call=call)

    await database_sync_to_async(check_leave_room)(bob, room)

    assert (await gather(b, "call.removed"))["call.removed"]["reason"] == "removed"
    ended = await database_sync_to_async(Call.objects.get)(pk=call)
    assert (ended.ended_at is not None, ended.end_reason) == (True, "hangup")
    entry = (await gather(a, "call.ended"))["call.ended"]["message"]
    assert entry["call"]["status"] == "ended"
    for socket in (a, b, c):
        await socket.close()


async def test_deleting_the_room_ends_its_call_for_everyone_in_it(alice, bob, carol):
    room, (a, b, c), call = await in_room_call(alice, bob, carol)

    await database_sync_to_async(check_delete_room)(alice, room)

    for socket in (a, b, c):
        assert (await gather(socket, "call.removed"))["call.removed"]["call"] == call
    assert not await database_sync_to_async(Call.objects.filter(pk=call).exists)()
    for socket in (a, b, c):
        await socket.close()


async def test_a_block_ends_a_direct_call_for_both(alice, bob):
    conversation = await database_sync_to_async(direct)(alice, bob)
    a, b = (await open_socket(alice))[0], (await open_socket(bob))[0]
    call = (await start(a, conversation.pk))["call"]["id"]
    await join(b, call)

    await database_sync_to_async(check_block_user)(bob, alice)

    assert (await gather(b, "call.removed"))["call.removed"]["reason"] == "blocked"
    while (await gather(a, "call.updated"))["call.updated"]["call"]["status"] != "ended":
        pass
    await assert_signal_refused(a, call, bob.pk, b)
    for socket in (a, b):
        await socket.close()


async def test_a_block_while_it_rings_stops_the_ringing_and_cancels_the_call(alice, bob):
    conversation = await database_sync_to_async(direct)(alice, bob)
    a, phone = (await open_socket(alice))[0], (await open_socket(bob))[0]
    call = (await start(a, conversation.pk))["call"]["id"]
    await gather(phone, "call.ring")

    await database_sync_to_async(check_block_user)(bob, alice)

    stopped = (await gather(phone, "call.ring_stopped"))["call.ring_stopped"]
    assert (stopped["call"], stopped["reason"]) == (call, "ended")
    missed = (await gather(a, "call.missed"))["call.missed"]["message"]["call"]
    assert (missed["status"], missed["end_reason"]) == ("missed", "cancelled")
    ring = await database_sync_to_async(Ring.objects.get)(call_id=call, user=bob)
    assert ring.state == Ring.State.MISSED
    for socket in (a, phone):
        await socket.close()


def deactivate(user: Any) -> None:
    user.is_active = False
    user.save()


async def test_a_deactivated_account_leaves_its_call_and_stops_ringing(alice, bob, carol):
    conversation = await database_sync_to_async(group)(alice, bob, carol)
    a, b, c = [(await open_socket(user))[0] for user in (alice, bob, carol)]
    call = (await start(a, conversation.pk))["call"]["id"]
    await join(b, call)
    await gather(c, "call.ring")

    await database_sync_to_async(deactivate)(carol)  # ringing for her
    stopped = (await gather(c, "call.ring_stopped"))["call.ring_stopped"]
    assert stopped["call"] == call
    await database_sync_to_async(deactivate)(bob)  # in the call

    left = await left_event(a, bob.pk)
    assert left["reason"] == "removed"
    live = await database_sync_to_async(Call.objects.get)(pk=call)
    assert live.ended_at is None  # alice is still in it
    gone = await database_sync_to_async(participant)(call, bob.pk)
    assert gone.left_reason == "removed"
    for socket in (a, b, c):
        await socket.close()


async def test_a_participant_row_left_behind_relays_nothing(alice, bob, carol):
    """Defence in depth: membership gone by a path that ended no call (a raw delete here),
    the signalling itself refuses the sender and the target."""
    room, (a, b, c), call = await in_room_call(alice, bob, carol)
    chat = await database_sync_to_async(lambda: room.chats.get(is_default=True).pk)()
    await database_sync_to_async(
        lambda: Participant.objects.filter(conversation_id=chat, user=carol).delete()
    )()
    assert (await database_sync_to_async(participant)(call, carol.pk)).live_user == carol.pk

    await assert_signal_refused(c, call, alice.pk, a, b)
    await assert_signal_refused(a, call, carol.pk, c)
    candidate = {"candidate": "candidate:1 1 udp 1 192.0.2.4 5 typ host", "sdpMid": "0"}
    await c.send(type="call.candidate", call=call, to=bob.pk, candidate=candidate)
    await a.send(type="call.offer", call=call, to=bob.pk, sdp="v=0\r\ny")
    assert (await gather(b, "call.offer"))["call.offer"]["from"] == alice.pk
    assert await signals_waiting(b) == []  # carol's candidate did not come
    for socket in (a, b, c):
        await socket.close()

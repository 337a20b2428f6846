"""What a socket follows and how it catches up (parley/realtime/following.py), through real
sockets: resume per conversation, the end of the hold, joined and left while open, and
letting go on close. The repairs after lost events are in test_resync.py and
test_membership_repair.py, replays and gap fills in test_delivery.py."""

from typing import Any

import pytest
from channels.db import database_sync_to_async

from parley.core.testing.sockets import Socket, open_socket
from parley.events.groups import conversation_group, user_group
from parley.messaging.actions.rooms import check_create_room, check_join_room, check_remove_member
from parley.messaging.actions.send import check_send_message
from parley.realtime.fanout import local_fanout

pytestmark = pytest.mark.django_db(transaction=True)


def send(user: Any, chat: Any, body: str) -> int:
    """A message stored and published as any send is; its seq."""
    result = check_send_message(
        user, conversation_id=chat.pk, client_id="c-" + body.replace(" ", "-"), body=body
    )
    return int(result.message.seq)


async def messages(socket: Socket, count: int) -> list[tuple[int, str]]:
    """The next `count` messages, as (seq, body)."""
    frames = await socket.receive_sequenced(count)
    return [(f["seq"], f["message"]["body"]) for f in frames]


async def test_resume_refuses_a_conversation_not_followed_and_goes_on_with_the_others(
    room, chat, alice, bob
):
    """Not followed answers the same whether it does not exist or is not the user's."""
    elsewhere = await database_sync_to_async(check_create_room)(alice, title="Alice's own")
    theirs = await database_sync_to_async(lambda: elsewhere.chats.get(is_default=True).pk)()
    for body in ("one", "two"):
        await database_sync_to_async(send)(alice, chat, body)
    back, _, _ = await open_socket(bob, hold=True)

    seen = {str(theirs): 0, "999999999": 0, str(chat.pk): 0}
    await back.send(type="resume", conversations=seen, ref="r")
    frames = await back.receive_until("resumed")

    refusals = [(f["code"], f["conversation"], f["ref"]) for f in frames if f["type"] == "error"]
    assert refusals == [("not_found", theirs, "r"), ("not_found", 999999999, "r")]
    replayed = [(f["seq"], f["message"]["body"]) for f in frames if f["type"] == "message"]
    assert replayed == [(1, "one"), (2, "two")]
    assert frames[-1] == {"type": "resumed", "ref": "r", "conversations": {str(chat.pk): 2}}
    assert await back.nothing_more()
    await back.close()


async def test_a_resume_from_hellos_seq_replays_nothing_and_goes_live(room, chat, alice, bob):
    for body in ("one", "two"):
        await database_sync_to_async(send)(alice, chat, body)
    back, _, _ = await open_socket(bob, hold=True)
    assert back.hello["conversations"][0]["last_seq"] == 2

    resumed = await back.request(type="resume", conversations={str(chat.pk): 2})
    await database_sync_to_async(send)(alice, chat, "three")

    assert resumed["conversations"] == {str(chat.pk): 2}
    assert await messages(back, 1) == [(3, "three")]
    assert await back.nothing_more()
    await back.close()


async def test_a_client_that_saw_more_than_hello_gets_only_what_is_newer(room, chat, alice, bob):
    """Say another tab of the client's saw seq 2 live before this socket resumed."""
    await database_sync_to_async(send)(alice, chat, "one")
    back, _, _ = await open_socket(bob, hold=True)  # hello says last_seq 1
    for body in ("two", "three"):  # live, held by this socket
        await database_sync_to_async(send)(alice, chat, body)

    resumed = await back.request(type="resume", conversations={str(chat.pk): 2})

    assert resumed["conversations"] == {str(chat.pk): 2}
    assert await messages(back, 1) == [(3, "three")]
    assert await back.nothing_more()
    await back.close()


async def test_any_frame_but_resume_ends_the_hold_before_it_is_answered(room, chat, alice, bob):
    """A client that does not resume (an old one) still gets what came during the hold,
    in order, before the answer to its first frame."""
    sender, _, _ = await open_socket(alice)
    quiet, _, _ = await open_socket(bob, hold=True)
    await sender.request(type="send", conversation=chat.pk, client_id="c-1", body="held")
    # alice's socket hears it in the same hand-out as bob's held one: it is held by now.
    assert await messages(sender, 1) == [(1, "held")]

    await quiet.send(type="ping", ref="p")
    frames = await quiet.receive_until("pong")

    assert [(f["type"], f.get("seq")) for f in frames] == [("message", 1), ("pong", None)]
    assert await quiet.nothing_more()
    await sender.close()
    await quiet.close()


async def test_a_late_resume_from_hellos_seq_replays_nothing(short_hold, room, chat, alice, bob):
    """The first connection of a slow client: what came after hello went out live once the
    hold timed out, and its resume (at hello's seq) gets none of it again."""
    back, _, _ = await open_socket(bob, hold=True)  # hello says last_seq 0
    await database_sync_to_async(send)(alice, chat, "one")
    assert await messages(back, 1) == [(1, "one")]  # live: the hold has ended

    await back.send(type="resume", conversations={str(chat.pk): 0}, ref="r")
    frames = await back.receive_until("resumed")

    assert frames == [{"type": "resumed", "ref": "r", "conversations": {str(chat.pk): 1}}]
    assert await back.nothing_more()
    await back.close()


async def test_a_late_resume_from_before_hello_gets_a_gap_once_live_events_went_out(
    short_hold, room, chat, alice, bob
):
    """A reconnecting client saw seq 1; 2 and 3 came while it was away, 4 went out live
    before its resume arrived: replaying 2 and 3 after 4 would break the order, so the
    client is told to reload instead, and 4 is not sent again."""
    for body in ("one", "two", "three"):
        await database_sync_to_async(send)(alice, chat, body)
    back, _, _ = await open_socket(bob, hold=True)  # hello says last_seq 3
    await database_sync_to_async(send)(alice, chat, "four")
    assert await messages(back, 1) == [(4, "four")]

    await back.send(type="resume", conversations={str(chat.pk): 1}, ref="r")
    frames = await back.receive_until("resumed")

    assert frames == [
        {"type": "gap", "conversation": chat.pk, "from": 1, "to": 4},
        {"type": "resumed", "ref": "r", "conversations": {str(chat.pk): 4}},
    ]
    assert await back.nothing_more()
    await back.close()


async def test_a_late_resume_with_nothing_live_since_hello_is_replayed(
    short_hold, room, chat, alice, bob
):
    """The hold timed out but nothing of this conversation went out since hello: the
    replay of what the client lacks is still in order."""
    other = await database_sync_to_async(check_create_room)(alice, title="Elsewhere")
    await database_sync_to_async(check_join_room)(bob, other)
    elsewhere = await database_sync_to_async(lambda: other.chats.get(is_default=True))()
    for body in ("one", "two"):
        await database_sync_to_async(send)(alice, chat, body)
    back, _, _ = await open_socket(bob, hold=True)  # hello says last_seq 2
    await database_sync_to_async(send)(alice, elsewhere, "meanwhile")
    assert await messages(back, 1) == [(1, "meanwhile")]  # the hold has ended

    await back.send(type="resume", conversations={str(chat.pk): 0}, ref="r")
    frames = await back.receive_until("resumed")

    assert [(f["type"], f.get("seq")) for f in frames] == [
        ("message", 1),
        ("message", 2),
        ("resumed", None),
    ]
    assert frames[-1]["conversations"] == {str(chat.pk): 2}
    await database_sync_to_async(send)(alice, chat, "three")
    assert await messages(back, 1) == [(3, "three")]
    assert await back.nothing_more()
    await back.close()


async def test_a_member_who_leaves_and_comes_back_hears_only_what_is_said_while_in(
    room, chat, alice, bob
):
    sender, _, _ = await open_socket(alice)
    member, _, _ = await open_socket(bob)
    await database_sync_to_async(send)(alice, chat, "before")
    assert await messages(member, 1) == [(1, "before")]

    await database_sync_to_async(check_remove_member)(alice, room, bob.pk)
    left = await member.receive()
    await database_sync_to_async(send)(alice, chat, "away")
    await database_sync_to_async(check_join_room)(bob, room)
    joined = await member.receive()
    await database_sync_to_async(send)(alice, chat, "back")

    assert (left["type"], left["change"], left["conversation"]) == (
        "membership.changed",
        "left",
        chat.pk,
    )
    assert (joined["type"], joined["change"], joined["conversation"], joined["seq"]) == (
        "membership.changed",
        "joined",
        chat.pk,
        2,
    )
    assert await messages(member, 1) == [(3, "back")]
    assert await member.nothing_more()
    await sender.close()
    await member.close()


async def test_a_closed_socket_leaves_every_group_it_followed(room, chat, alice, bob):
    staying, _, _ = await open_socket(alice)
    going, _, _ = await open_socket(bob)
    hub = local_fanout()
    assert hub is not None
    assert len(hub.members[conversation_group(chat.pk)]) == 2
    assert user_group(bob.pk) in hub.members

    await going.close()

    assert len(hub.members[conversation_group(chat.pk)]) == 1
    assert user_group(bob.pk) not in hub.members
    await database_sync_to_async(send)(bob, chat, "still here")
    assert await messages(staying, 1) == [(1, "still here")]
    await staying.close()

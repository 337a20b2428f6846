"""Membership events lost outside any outage (parley/realtime/fanout.py, MembershipStamp):
the Fanout's periodic check finds users whose conversations changed and their sockets
follow exactly the user's conversations from then on, telling the client as the lost
event would have. The checks are driven here (Fanout.resync_now) instead of waited for."""

from typing import Any

import pytest
from channels.db import database_sync_to_async

from parley.core.resilience import redis_outage
from parley.core.testing.events import losing_events_to
from parley.core.testing.sockets import Socket, open_socket
from parley.messaging.actions.groups import check_create_group
from parley.messaging.actions.rooms import check_create_chat, check_join_room, check_remove_member
from parley.realtime.fanout import Fanout, _checks, local_fanout

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # No check runs by itself: each test drives them.
    pytest.mark.usefixtures("_no_periodic_check"),
]


@pytest.fixture
def _no_periodic_check(settings):
    settings.REALTIME_RESYNC_SECONDS = 3600


def left(conversation_id: int) -> dict[str, Any]:
    return {
        "type": "membership.changed",
        "conversation": conversation_id,
        "change": "left",
        "seq": 0,
    }


async def say(sender: Socket, conversation_id: int, body: str) -> int:
    """Send through `sender`'s socket; the message's seq."""
    ack = await sender.request(
        type="send",
        conversation=conversation_id,
        client_id=f"c-{body.replace(' ', '-')}",
        body=body,
    )
    assert ack["type"] == "ack", ack
    return int(ack["seq"])


def hub() -> Fanout:
    fanout = local_fanout()
    assert fanout is not None
    return fanout


async def frames(socket: Socket, count: int) -> list[tuple[Any, ...]]:
    """The next `count` frames (presence and typing aside), as (type, conversation, seq,
    change) for membership changes and (type, conversation, seq, body) for messages."""
    result = []
    for _ in range(count):
        frame = await socket.receive()
        detail = frame.get("change") or frame.get("message", {}).get("body")
        result.append((frame["type"], frame.get("conversation"), frame.get("seq"), detail))
    return result


async def test_a_removed_member_whose_left_event_was_lost_stops_at_the_next_check(
    room, chat, alice, bob, carol
):
    await database_sync_to_async(check_join_room)(carol, room)
    sender, _, _ = await open_socket(alice)
    removed, _, _ = await open_socket(bob)
    stayed, _, _ = await open_socket(carol)
    await hub().resync_now()  # the stamps of the users here are known from now on

    with losing_events_to(bob):
        await database_sync_to_async(check_remove_member)(alice, room, bob.pk)
    await say(sender, chat.pk, "before")
    # The left event was lost: bob's socket still follows the chat (the hole closed here).
    assert await frames(removed, 1) == [("message", chat.pk, 1, "before")]

    await hub().resync_now()
    assert await removed.receive() == left(chat.pk)
    await say(sender, chat.pk, "after")

    assert await frames(stayed, 2) == [
        ("message", chat.pk, 1, "before"),
        ("message", chat.pk, 2, "after"),
    ]
    assert await removed.nothing_more()
    assert await stayed.nothing_more()
    refused = await removed.request(type="send", conversation=chat.pk, client_id="b", body="x")
    assert refused["code"] == "not_found"
    for socket in (sender, removed, stayed):
        await socket.close()


async def test_a_socket_opened_just_before_a_lost_removal_is_repaired_at_the_first_check(
    room, chat, alice, bob
):
    """No check has read bob's stamp yet: the first one reads his conversations anyway."""
    removed, _, _ = await open_socket(bob)
    with losing_events_to(bob):
        await database_sync_to_async(check_remove_member)(alice, room, bob.pk)

    await hub().resync_now()

    assert await removed.receive() == left(chat.pk)
    assert await removed.nothing_more()
    await removed.close()


async def test_a_conversation_whose_joined_event_was_lost_is_followed_after_the_next_check(
    room, alice, bob, carol
):
    await database_sync_to_async(check_join_room)(carol, room)
    sender, _, _ = await open_socket(alice)
    member, _, _ = await open_socket(bob)
    await hub().resync_now()

    with losing_events_to(bob):
        group = await database_sync_to_async(check_create_group)(alice, [bob.pk, carol.pk], "Trio")
    assert await member.nothing_more()  # nobody told bob's socket

    await hub().resync_now()
    joined = await member.receive()
    await say(sender, group.pk, "hello trio")

    assert (joined["type"], joined["change"], joined["conversation"]) == (
        "membership.changed",
        "joined",
        group.pk,
    )
    assert (joined["seq"], joined["summary"]["title"], joined["summary"]["kind"]) == (
        0,
        "Trio",
        "group",
    )
    assert await frames(member, 1) == [("message", group.pk, 1, "hello trio")]
    assert await member.nothing_more()
    await sender.close()
    await member.close()


async def test_members_who_stay_get_every_message_once_while_their_memberships_change(
    room, chat, alice, bob
):
    """bob's own memberships change around the checks (a chat announced, a chat whose
    event is lost): his socket gets each message once and in order in each conversation,
    and each new chat once, followed from where it was when he learnt of it."""
    sender, _, _ = await open_socket(alice)
    member, _, _ = await open_socket(bob)
    await hub().resync_now()

    await say(sender, chat.pk, "one")
    plans = await database_sync_to_async(check_create_chat)(alice, room, title="plans")
    seen = await member.receive_until("membership.changed")
    await hub().resync_now()  # bob's stamp changed; his socket follows the same already
    await say(sender, chat.pk, "two")
    await say(sender, plans.pk, "plan")
    with losing_events_to(bob):
        later = await database_sync_to_async(check_create_chat)(alice, room, title="later")
    await say(sender, chat.pk, "three")
    await hub().resync_now()  # finds "later"
    seen += await member.receive_until("membership.changed")
    await say(sender, later.pk, "late")
    await say(sender, chat.pk, "four")
    await hub().resync_now()
    while len(seen) < 8:
        seen.append(await member.receive())

    by_conversation: dict[int, list[tuple[Any, ...]]] = {}
    for frame in seen:
        detail = frame.get("change") or frame["message"]["body"]
        by_conversation.setdefault(frame["conversation"], []).append((frame["seq"], detail))
    assert by_conversation == {
        chat.pk: [(1, "one"), (2, "two"), (3, "three"), (4, "four")],
        plans.pk: [(0, "joined"), (1, "plan")],
        later.pk: [(0, "joined"), (1, "late")],
    }
    assert await member.nothing_more()
    await sender.close()
    await member.close()


async def test_after_an_outage_a_conversation_whose_joined_event_was_lost_is_followed(
    room, alice, bob, carol
):
    await database_sync_to_async(check_join_room)(carol, room)
    member, _, _ = await open_socket(bob)
    redis_outage.failed(ConnectionError("test: Redis went away"))
    try:
        with losing_events_to(bob):
            group = await database_sync_to_async(check_create_group)(alice, [bob.pk, carol.pk])
    finally:
        redis_outage.succeeded()  # wakes the Fanout: each socket reads its conversations

    joined = await member.receive()
    assert (joined["type"], joined["change"], joined["conversation"]) == (
        "membership.changed",
        "joined",
        group.pk,
    )
    assert await member.nothing_more()
    await member.close()


def test_a_check_costs_two_queries_for_any_number_of_users_while_nothing_changes(
    django_assert_num_queries, room, chat, alice, bob, carol
):
    """The latest seqs and the users' stamps, each by primary key; one query more when a
    stamp changed (or a user is new), for those users' conversations."""
    users = [alice.pk, bob.pk, carol.pk]
    _, stamps, conversations = _checks([chat.pk], users, {}, False)
    assert conversations == {alice.pk: [chat.pk], bob.pk: [chat.pk], carol.pk: []}

    with django_assert_num_queries(2):
        _, stamps, conversations = _checks([chat.pk], users, stamps, False)
    assert conversations == {}

    check_join_room(carol, room)
    with django_assert_num_queries(3):
        _, _, conversations = _checks([chat.pk], users, stamps, False)
    assert conversations == {carol.pk: [chat.pk]}

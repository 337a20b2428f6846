"""The Fanout's resync (parley/realtime/fanout.py): a socket that missed an event and
hears nothing after it (the channel layer lost the last one, or Redis was away) gets it
from the database at the next check, or at once when Redis or the database is back."""

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth.hashers import make_password
from django.test import override_settings

from parley.accounts.models import Block, User
from parley.core.resilience import redis_outage
from parley.core.testing.sockets import open_socket
from parley.messaging.models import Participant
from parley.realtime.tests.test_delivery import store_without_publishing

pytestmark = pytest.mark.django_db(transaction=True)


@override_settings(REALTIME_RESYNC_SECONDS=0.2)
async def test_a_lost_last_event_arrives_at_the_next_check(room, chat, alice, bob):
    receiver, _, _ = await open_socket(bob)

    await database_sync_to_async(store_without_publishing)(alice, chat, 1)

    frame = await receiver.receive()
    assert (frame["type"], frame["seq"], frame["message"]["body"]) == ("message", 1, "lost")
    assert await receiver.nothing_more()
    await receiver.close()


@override_settings(REALTIME_RESYNC_SECONDS=3600)
async def test_when_redis_is_back_sockets_get_what_they_missed_at_once(room, chat, alice, bob):
    receiver, _, _ = await open_socket(bob)
    redis_outage.failed(ConnectionError("test: Redis went away"))
    try:
        await database_sync_to_async(store_without_publishing)(alice, chat, 1)
    finally:
        redis_outage.succeeded()

    frame = await receiver.receive()
    assert (frame["type"], frame["seq"]) == ("message", 1)
    assert await receiver.nothing_more()
    await receiver.close()


@override_settings(REALTIME_RESYNC_SECONDS=3600)
async def test_after_an_outage_a_removed_member_is_sent_nothing_more(room, chat, alice, bob):
    """bob leaves the room while Redis is away, and the event saying so is lost: the
    repair when Redis is back tells him he left and sends none of the room's new messages."""
    receiver, _, _ = await open_socket(bob)
    redis_outage.failed(ConnectionError("test: Redis went away"))
    try:
        await database_sync_to_async(
            Participant.objects.filter(user=bob, conversation=chat).delete
        )()
        await database_sync_to_async(store_without_publishing)(alice, chat, 1)
    finally:
        redis_outage.succeeded()

    left = await receiver.receive()
    assert (left["type"], left["change"], left["conversation"]) == (
        "membership.changed",
        "left",
        chat.pk,
    )
    assert await receiver.nothing_more()
    await receiver.close()


@override_settings(REALTIME_RESYNC_SECONDS=3600)
async def test_after_an_outage_a_socket_whose_session_ended_is_closed(room, chat, alice, bob):
    """bob's password changes while Redis is away (the close event is lost): when Redis is
    back his socket is told and closed, and gets no message."""
    receiver, _, _ = await open_socket(bob)
    redis_outage.failed(ConnectionError("test: Redis went away"))
    try:
        await database_sync_to_async(
            User.objects.filter(pk=bob.pk).update  # no signal: as if its event were lost
        )(password=make_password("another-Secret-2718"))
        await database_sync_to_async(store_without_publishing)(alice, chat, 1)
    finally:
        redis_outage.succeeded()

    assert (await receiver.receive())["type"] == "session.ended"
    closed = await receiver.communicator.receive_output(timeout=5)
    assert (closed["type"], closed["code"]) == ("websocket.close", 4401)


@override_settings(REALTIME_RESYNC_SECONDS=3600)
async def test_after_an_outage_a_block_made_meanwhile_hides_the_blocker_at_once(
    room, chat, alice, bob
):
    """alice blocks bob while Redis is away (the event that hides her is lost): when Redis
    is back, bob's socket shows her offline and carries none of her typing."""
    alice_tab, _, _ = await open_socket(alice)
    bob_tab, _, _ = await open_socket(bob)
    assert bob_tab.hello["presence"][str(alice.pk)] == "online"
    redis_outage.failed(ConnectionError("test: Redis went away"))
    try:
        await database_sync_to_async(
            Block.objects.create  # no action, no event: as if it were lost
        )(blocker=alice, blocked=bob)
    finally:
        redis_outage.succeeded()

    [gone] = await bob_tab.receive_until("presence")
    assert (gone["type"], gone["user"], gone["status"]) == ("presence", alice.pk, "offline")
    await alice_tab.send(type="typing", conversation=chat.pk, state="start")
    await alice_tab.request(type="ping")
    assert await bob_tab.nothing_more()
    await alice_tab.close()
    await bob_tab.close()

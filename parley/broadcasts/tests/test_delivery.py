"""A broadcast reaches every recipient's socket once per copy, live, and a retry, even
one racing the first send, sends nothing more."""

import threading
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.db import connection, connections

from parley.accounts.tests.factories import UserFactory
from parley.broadcasts.actions import check_send_broadcast
from parley.broadcasts.models import Broadcast
from parley.broadcasts.recipients import BroadcastRequest, RoomTarget
from parley.broadcasts.tests.conftest import befriend
from parley.core.testing.sockets import LIVENESS, open_socket
from parley.messaging.actions.rooms import check_join_room
from parley.messaging.models import Message

pytestmark = pytest.mark.django_db(transaction=True)


async def messages(socket, count):
    """The next `count` message frames, past the joined events of new conversations."""
    frames: list[dict[str, Any]] = []
    while len(frames) < count:
        frame = await socket.receive()
        if frame["type"] == "message":
            frames.append(frame)
        else:
            assert frame["type"] == "membership.changed", frame
    return frames


async def no_more_messages(socket):
    """True if no frame but presence and typing is waiting (a bounded check for
    absence, as Socket.nothing_more, which sees presence too)."""
    while not await socket.nothing_more():
        if (await socket.receive_frame())["type"] not in LIVENESS:
            return False
    return True


async def test_every_recipient_socket_gets_each_copy_once(alice, bob, carol, room, chat):
    await database_sync_to_async(check_join_room)(carol, room)
    await database_sync_to_async(befriend)(alice, carol)
    sockets = {user.username: (await open_socket(user))[0] for user in (bob, carol)}
    second, _, _ = await open_socket(bob)  # another tab of bob's
    request = BroadcastRequest(
        alice, "all-1", "Lunch at noon", people=[bob.pk, carol.pk], rooms=[RoomTarget(room.pk)]
    )

    result = await database_sync_to_async(check_send_broadcast)(request)

    copies = await database_sync_to_async(
        lambda: dict(Message.objects.values_list("conversation_id", "seq"))
    )()
    assert len(copies) == 3  # two direct conversations and the room's chat
    for socket in (*sockets.values(), second):
        frames = await messages(socket, 2)  # its direct copy and the room's
        got = {(f["conversation"], f["seq"]) for f in frames}
        assert len(got) == 2 and got <= set(copies.items())
        assert chat.pk in {c for c, _ in got}
        assert {f["message"]["body"] for f in frames} == {"Lunch at noon"}
        assert await no_more_messages(socket)

    again = await database_sync_to_async(check_send_broadcast)(request)
    assert (again.created, again.broadcast.pk) == (False, result.broadcast.pk)
    for socket in (*sockets.values(), second):
        assert await no_more_messages(socket)
        await socket.close()


@pytest.mark.skipif(connection.vendor == "sqlite", reason="SQLite runs one writer at a time")
def test_two_sends_of_one_client_id_at_once_send_once(alice, bob, room):
    """Both requests race; the second waits on the first's Broadcast row, then answers
    with it."""
    friends = [UserFactory.create() for _ in range(20)]
    for friend in friends:
        befriend(alice, friend)
    request = BroadcastRequest(alice, "race", "once", people=[f.pk for f in friends])
    start, results = threading.Barrier(2), []

    def send() -> None:
        try:
            start.wait(timeout=10)
            results.append(check_send_broadcast(request))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(r.created for r in results) == [False, True]
    assert Broadcast.objects.count() == 1
    assert Message.objects.filter(client_id__startswith="b:").count() == 20

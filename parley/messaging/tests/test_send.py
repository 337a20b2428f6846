"""Several sends at once (the socket server's group commit): each gets what it would have
got alone, and every member hears each stored message once, in seq order."""

from collections.abc import Sequence

import psycopg
import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.db import connection
from django.test import override_settings

from parley.core.errors import ErrorCode, ParleyError
from parley.core.testing.sockets import open_socket, signed_in_client
from parley.messaging.actions._send_batch import finish_batch, prepare_batch, store_batch
from parley.messaging.actions.rooms import check_archive_room, check_create_room, check_join_room
from parley.messaging.actions.send import (
    SendRequest,
    SendResult,
    check_send_message,
    check_send_messages,
)
from parley.messaging.models import Message
from parley.realtime import sending

pytestmark = pytest.mark.django_db(transaction=True)


async def on_the_loop(requests: Sequence[SendRequest]) -> list[SendResult | ParleyError]:
    """As the socket server stores a batch: on its event loop (on PostgreSQL the plain
    sends in one awaited statement), the rest in the send thread."""
    batch = await prepare_batch(requests)
    await store_batch(batch)
    return await finish_batch(batch, sending._in_thread)


@pytest.fixture(params=["in a thread", "on the loop"])
def store(request):
    """check_send_messages, or the same batch stored as the socket server stores it: both
    must give every send the same result."""
    return check_send_messages if request.param == "in a thread" else async_to_sync(on_the_loop)


def codes(results) -> list:
    return [r.code if isinstance(r, ParleyError) else r.message.seq for r in results]


def sent(result: SendResult | ParleyError) -> SendResult:
    assert isinstance(result, SendResult), result
    return result


def refused(result: SendResult | ParleyError) -> ParleyError:
    assert isinstance(result, ParleyError), result
    return result


def test_a_batch_gives_each_send_its_own_result(store, room, chat, alice, bob, carol):
    other = check_create_room(bob, title="Other").chats.get()
    first = check_send_message(alice, conversation_id=chat.pk, client_id="a0", body="before")

    results = store([
        SendRequest(alice, "a1", "one", conversation_id=chat.pk),
        SendRequest(bob, "b1", "two", conversation_id=chat.pk),
        SendRequest(bob, "b2", "elsewhere", conversation_id=other.pk),
        SendRequest(carol, "c1", "not a member", conversation_id=chat.pk),
        SendRequest(alice, "a0", "a resend", conversation_id=chat.pk),
        SendRequest(alice, "bad id!", "invalid", conversation_id=chat.pk),
        SendRequest(alice, "a2", "three", conversation_id=chat.pk),
        SendRequest(alice, "a3", "a reply", conversation_id=chat.pk, reply_to=first.message.pk),
    ])  # fmt: skip

    assert codes(results) == [2, 3, 1, ErrorCode.NOT_FOUND, 1, ErrorCode.INVALID, 4, 5]
    assert [r.created for r in results if not isinstance(r, ParleyError)] == [
        True, True, True, False, True, True
    ]  # fmt: skip
    assert sent(results[7]).message.reply_to_id == first.message.pk
    stored = Message.objects.filter(conversation=chat).order_by("seq")
    assert [m.body for m in stored] == ["before", "one", "two", "three", "a reply"]
    assert [m.number for m in stored] == [1, 2, 3, 4, 5]
    assert not Message.objects.filter(sender=carol).exists()
    chat.refresh_from_db()
    assert (chat.last_seq, chat.message_count) == (5, 5)
    # what you send, you have read
    assert chat.participants.get(user=bob).last_read_seq == 3
    assert chat.participants.get(user=alice).last_read_seq == 5


def test_a_batch_with_the_same_client_id_twice_stores_it_once(store, room, chat, alice):
    results = store([
        SendRequest(alice, "same", "first", conversation_id=chat.pk),
        SendRequest(alice, "other", "second", conversation_id=chat.pk),
        SendRequest(alice, "same", "first again", conversation_id=chat.pk),
    ])  # fmt: skip

    assert [(sent(r).message.body, sent(r).created) for r in results] == [
        ("first", True), ("second", True), ("first", False)
    ]  # fmt: skip
    assert sorted(Message.objects.values_list("seq", flat=True)) == [1, 2]


def test_a_batch_refuses_archived_rooms_and_spent_rate_limits(store, alice, bob):
    archived = check_create_room(alice, title="Archive")
    check_join_room(bob, archived)
    check_archive_room(alice, archived)
    room = check_create_room(alice, title="Busy")

    with override_settings(SEND_RATE_BURST=2, SEND_RATE_PER_SECOND=0.5):
        results = store([
            SendRequest(bob, "b1", "read-only", conversation_id=archived.chats.get().pk),
            SendRequest(alice, "a1", "one", conversation_id=room.chats.get().pk),
            SendRequest(alice, "a2", "two", conversation_id=room.chats.get().pk),
            SendRequest(alice, "a3", "three", conversation_id=room.chats.get().pk),
        ])  # fmt: skip

    assert codes(results) == [ErrorCode.FORBIDDEN, 1, 2, ErrorCode.RATE_LIMITED]
    assert refused(results[3]).details["retry_after"] > 0
    assert Message.objects.count() == 2


@pytest.mark.parametrize("where", ["in a thread", "on the loop"])
async def test_members_hear_a_batch_once_each_in_seq_order(where, room, chat, alice, bob):
    receiver, _, _ = await open_socket(bob)
    batch = [
        SendRequest(alice if n % 2 else bob, f"m{n}", f"message {n}", chat.pk) for n in range(6)
    ]

    if where == "in a thread":
        await database_sync_to_async(check_send_messages)(batch)
    else:
        await on_the_loop(batch)

    frames = await receiver.receive_sequenced(6)
    assert [f["seq"] for f in frames] == [1, 2, 3, 4, 5, 6]
    assert [f["message"]["body"] for f in frames] == [f"message {n}" for n in range(6)]
    assert await receiver.nothing_more()
    await receiver.close()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the loop's own connection")
async def test_sends_go_on_after_the_loops_database_connection_is_lost(room, chat, alice, bob):
    """A batch that meets a dead connection fails as a whole (the queue answers each
    sender `unavailable`, and they resend); the next batch opens a new connection."""
    from parley.core import db_async

    await on_the_loop([SendRequest(alice, "a1", "one", chat.pk)])
    backend = (await db_async.fetchall("SELECT pg_backend_pid()", []))[0][0]
    await database_sync_to_async(_terminate)(backend)

    with pytest.raises(psycopg.OperationalError):
        await on_the_loop([SendRequest(alice, "a2", "two", chat.pk)])
    assert codes(await on_the_loop([SendRequest(alice, "a2", "two", chat.pk)])) == [2]
    assert (await db_async.fetchall("SELECT pg_backend_pid()", []))[0][0] != backend

    bodies = await database_sync_to_async(
        lambda: list(Message.objects.order_by("seq").values_list("body", flat=True))
    )()
    assert bodies == ["one", "two"]
    await db_async.close()


def _terminate(pid: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])


_POISON = {
    # A trigger that refuses one body, as a real database refuses a row it cannot store.
    "postgresql": [
        """CREATE FUNCTION parley_poison() RETURNS trigger AS $$ BEGIN
           IF NEW.body = 'poison' THEN RAISE EXCEPTION 'poisoned'; END IF; RETURN NEW;
           END $$ LANGUAGE plpgsql""",
        """CREATE TRIGGER parley_poison BEFORE INSERT ON messaging_message
           FOR EACH ROW EXECUTE FUNCTION parley_poison()""",
    ],
    "sqlite": [
        """CREATE TRIGGER parley_poison BEFORE INSERT ON messaging_message
           WHEN NEW.body = 'poison' BEGIN SELECT RAISE(ABORT, 'poisoned'); END""",
    ],
    "mysql": [
        """CREATE TRIGGER parley_poison BEFORE INSERT ON messaging_message FOR EACH ROW
           BEGIN IF NEW.body = 'poison' THEN
           SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'poisoned'; END IF; END""",
    ],
}
_CURE = {
    "postgresql": [
        "DROP TRIGGER parley_poison ON messaging_message",
        "DROP FUNCTION parley_poison",
    ],
    "sqlite": ["DROP TRIGGER parley_poison"],
    "mysql": ["DROP TRIGGER parley_poison"],
}


@pytest.fixture
def poison(transactional_db):
    """The database refuses to store a message whose body is "poison"."""
    with connection.cursor() as cursor:
        for sql in _POISON[connection.vendor]:
            cursor.execute(sql)
    yield
    with connection.cursor() as cursor:
        for sql in _CURE[connection.vendor]:
            cursor.execute(sql)


def test_a_send_the_database_refuses_fails_alone(store, poison, room, chat, alice, bob):
    """One body that fails at storage, in the middle of a batch: its sender gets an error,
    every other send is stored once and gets its seq."""
    results = store([
        SendRequest(alice, "a1", "one", conversation_id=chat.pk),
        SendRequest(bob, "b1", "two", conversation_id=chat.pk),
        SendRequest(bob, "b2", "poison", conversation_id=chat.pk),
        SendRequest(alice, "a2", "three", conversation_id=chat.pk),
        SendRequest(alice, "a3", "hey @bob", conversation_id=chat.pk),
    ])  # fmt: skip

    assert codes(results) == [1, 2, ErrorCode.INTERNAL, 3, 4]
    stored = list(Message.objects.order_by("seq").values_list("client_id", "seq"))
    assert stored == [("a1", 1), ("b1", 2), ("a2", 3), ("a3", 4)]
    # Each resend of a stored one gets its original; the refused one is still refused.
    again = store([
        SendRequest(alice, "a1", "one", conversation_id=chat.pk),
        SendRequest(bob, "b2", "poison", conversation_id=chat.pk),
    ])  # fmt: skip
    assert codes(again) == [1, ErrorCode.INTERNAL]
    assert not sent(again[0]).created
    assert Message.objects.count() == 4


@override_settings(SEND_RATE_BURST=1000)
async def test_a_send_the_database_refuses_fails_alone_among_many_sockets(
    poison, room, chat, alice, bob
):
    """Eight sockets send at once (as one batch, or a few), the fourth a body the database
    refuses: its sender gets an error for it; every other sender gets one ack, and every
    socket hears the seven stored messages once each, in seq order."""
    people = [alice, bob] * 4
    clients = [await database_sync_to_async(signed_in_client)(user) for user in people]
    sockets = [(await open_socket(u, client=c))[0] for u, c in zip(people, clients, strict=True)]

    for n, socket in enumerate(sockets):
        body = "poison" if n == 3 else f"socket {n}"
        await socket.send(type="send", conversation=chat.pk, client_id=f"s{n}", body=body)

    for n, socket in enumerate(sockets):
        heard: list[int] = []
        answers: list[dict] = []
        while len(heard) < 7 or not answers:
            frame = await socket.receive()
            if frame["type"] == "message":
                heard.append(frame["seq"])
            elif frame["type"] in ("ack", "error"):
                answers.append(frame)
        assert heard == list(range(1, 8))
        [answer] = answers
        assert answer["client_id"] == f"s{n}"
        assert answer["type"] == ("error" if n == 3 else "ack"), answer
        assert await socket.nothing_more()
    stored = await database_sync_to_async(
        lambda: sorted(Message.objects.values_list("client_id", flat=True))
    )()
    assert stored == sorted(f"s{n}" for n in range(8) if n != 3)
    for socket in sockets:
        await socket.close()

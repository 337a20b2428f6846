"""The delivery guarantees of docs/protocol.md, each pinned by a test."""

import asyncio
import threading

import pytest
from channels.db import database_sync_to_async
from django.db import connection, transaction
from django.db.models import F
from django.test import override_settings

from parley.core.testing.sockets import open_socket, signed_in_client
from parley.messaging.actions.send import check_send_message
from parley.messaging.models import Conversation, Message
from parley.messaging.rendering import render_markdown

pytestmark = pytest.mark.django_db(transaction=True)


def send(user, chat, n: int):
    return check_send_message(user, conversation_id=chat.pk, client_id=f"m{n}", body=f"message {n}")


def store_without_publishing(user, chat, n: int) -> int:
    """A committed message whose live event the channel layer lost."""
    with transaction.atomic():
        Conversation.objects.filter(pk=chat.pk).update(last_seq=F("last_seq") + 1)
        seq = Conversation.objects.values_list("last_seq", flat=True).get(pk=chat.pk)
        Message.objects.create(
            conversation=chat, seq=seq, sender=user, client_id=f"lost{n}", body="lost",
            html=render_markdown("lost"),
        )  # fmt: skip
    return seq


@override_settings(SEND_RATE_BURST=1000)
def test_concurrent_senders_get_gapless_unique_seqs(room, chat, alice, bob):
    """50 senders at once into one conversation: seqs 1..50, no gap, no duplicate."""
    start = threading.Barrier(50)
    errors: list[BaseException] = []

    def sender(n: int) -> None:
        try:
            start.wait()
            send(alice if n % 2 else bob, chat, n)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sender, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    seqs = sorted(Message.objects.filter(conversation=chat).values_list("seq", flat=True))
    assert seqs == list(range(1, 51))
    chat.refresh_from_db()
    assert chat.last_seq == 50


async def test_nothing_is_published_for_a_send_that_does_not_commit(room, chat, alice, bob):
    receiver, _, _ = await open_socket(bob)

    def failing_send():
        with transaction.atomic():
            send(alice, chat, 1)
            raise RuntimeError("rolled back after the insert")

    with pytest.raises(RuntimeError):
        await database_sync_to_async(failing_send)()

    assert await receiver.nothing_more()
    assert not await database_sync_to_async(Message.objects.exists)()
    await receiver.close()


async def test_resume_replays_exactly_what_was_missed_then_goes_live(room, chat, alice, bob):
    receiver, _, _ = await open_socket(bob)
    for n in range(1, 3):
        await database_sync_to_async(send)(alice, chat, n)
    seen = [(await receiver.receive())["seq"] for _ in range(2)]
    assert seen == [1, 2]
    await receiver.close()

    for n in range(3, 6):  # sent while bob is away
        await database_sync_to_async(send)(alice, chat, n)
    back, _, _ = await open_socket(bob, hold=True)
    assert back.hello["conversations"][0]["unread"] == 5  # bob never marked any read
    await back.send(type="resume", conversations={str(chat.pk): 2}, ref="r")
    await database_sync_to_async(send)(alice, chat, 6)  # arrives while resuming

    frames = await back.receive_until("resumed")
    while not any(f.get("seq") == 6 for f in frames):  # 6 came from the database or live
        frames.append(await back.receive())
    seqs = [f["seq"] for f in frames if f["type"] == "message"]
    assert seqs == [3, 4, 5, 6]
    assert [f["message"]["body"] for f in frames if f["type"] == "message"] == [
        "message 3", "message 4", "message 5", "message 6"
    ]  # fmt: skip
    assert await back.nothing_more()
    await back.close()


@override_settings(RESUME_MAX_MESSAGES=3)
async def test_resume_after_too_long_says_so_and_the_client_pages(room, chat, alice, bob):
    for n in range(1, 6):
        await database_sync_to_async(send)(alice, chat, n)
    back, _, _ = await open_socket(bob, hold=True)

    await back.send(type="resume", conversations={str(chat.pk): 0}, ref="r")
    frames = await back.receive_until("resumed")

    assert frames[0] == {"type": "gap", "conversation": chat.pk, "from": 0, "to": 5}
    assert frames[-1]["conversations"] == {str(chat.pk): 5}
    page = await back.request(type="history", conversation=chat.pk, after=0, limit=100)
    assert [m["seq"] for m in page["messages"]] == [5, 4, 3, 2, 1]
    await back.close()


async def test_a_lost_live_event_is_filled_in_before_the_next(room, chat, alice, bob):
    receiver, _, _ = await open_socket(bob)
    await database_sync_to_async(send)(alice, chat, 1)
    assert (await receiver.receive())["seq"] == 1

    await database_sync_to_async(store_without_publishing)(alice, chat, 2)
    await database_sync_to_async(send)(alice, chat, 3)

    frames = [await receiver.receive(), await receiver.receive()]
    assert [(f["type"], f["seq"]) for f in frames] == [("message", 2), ("message", 3)]
    assert frames[0]["message"]["body"] == "lost"
    assert await receiver.nothing_more()
    await receiver.close()


@override_settings(RESUME_MAX_MESSAGES=3)
async def test_more_lost_live_events_than_a_page_are_all_filled_in(room, chat, alice, bob):
    """The fill before a live event reads as many pages as it takes: every lost event
    is owed, and nothing offers the socket a `gap` here."""
    receiver, _, _ = await open_socket(bob)
    for n in range(1, 8):
        await database_sync_to_async(store_without_publishing)(alice, chat, n)
    await database_sync_to_async(send)(alice, chat, 8)

    frames = [await receiver.receive() for _ in range(8)]
    assert [(f["type"], f["seq"]) for f in frames] == [("message", n) for n in range(1, 9)]
    assert await receiver.nothing_more()
    await receiver.close()


async def test_read_marks_clear_unread_on_every_tab(room, chat, alice, bob):
    for n in range(1, 4):
        await database_sync_to_async(send)(alice, chat, n)
    tab1, _, _ = await open_socket(bob)
    tab2, _, _ = await open_socket(bob)
    assert tab1.hello["conversations"][0]["unread"] == 3

    await tab1.send(type="read", conversation=chat.pk, seq=2)

    for tab in (tab1, tab2):
        assert await tab.receive() == {
            "type": "read", "conversation": chat.pk, "seq": 2, "unread": 1, "mentions": 0
        }  # fmt: skip
    await tab1.send(type="read", conversation=chat.pk, seq=1)  # never moves back
    assert (await tab1.receive())["seq"] == 2
    await tab1.send(type="read", conversation=chat.pk, seq=99)  # never past the end
    assert (await tab1.receive())["seq"] == 3
    again, _, _ = await open_socket(bob)
    assert again.hello["conversations"][0]["unread"] == 0
    for tab in (tab1, tab2, again):
        await tab.close()


async def test_live_messages_between_hello_and_resume_come_once_after_the_replay(
    room, chat, alice, bob
):
    for n in range(1, 3):
        await database_sync_to_async(send)(alice, chat, n)
    back, _, _ = await open_socket(bob, hold=True)  # hello says last_seq 2
    for n in range(3, 5):  # live, before bob's resume reaches the server
        await database_sync_to_async(send)(alice, chat, n)

    await back.send(type="resume", conversations={str(chat.pk): 0}, ref="r")

    frames = await back.receive_until("resumed")
    while sum(f["type"] == "message" for f in frames) < 4:
        frames.append(await back.receive())
    assert [f["seq"] for f in frames if f["type"] == "message"] == [1, 2, 3, 4]
    assert await back.nothing_more()
    await back.close()


async def test_a_client_that_never_resumes_still_gets_live_messages(
    short_hold, room, chat, alice, bob
):
    quiet, _, _ = await open_socket(bob, hold=True)

    await database_sync_to_async(send)(alice, chat, 1)

    assert (await quiet.receive())["seq"] == 1  # released by the server after HOLD_SECONDS
    await quiet.close()


async def test_sockets_that_connect_at_the_same_moment_all_receive(room, chat, alice, bob):
    """The process subscribes once for all its sockets, also when they connect at once."""
    people = [alice, bob] * 4
    clients = [await database_sync_to_async(signed_in_client)(user) for user in people]
    opened = await asyncio.gather(
        *(open_socket(u, client=c) for u, c in zip(people, clients, strict=True))
    )
    sockets = [socket for socket, _, _ in opened]

    await database_sync_to_async(send)(alice, chat, 1)

    for socket in sockets:
        [event] = await socket.receive_sequenced(1)
        assert (event["type"], event["seq"]) == ("message", 1)
    for socket in sockets:
        await socket.close()


@override_settings(SEND_RATE_BURST=1000)
async def test_sends_from_many_sockets_at_once_are_stored_and_heard_in_order(
    room, chat, alice, bob
):
    """Through the socket server's queue, where batches overlap (the next one's statement
    runs while this one is published) and a mention takes the full path in the send
    thread: every send is acked once, seqs run 1..60 without a gap, each member hears all
    of them once and in seq order, and each socket's sends keep the order they were sent in."""
    people = [alice, bob] * 5
    clients = [await database_sync_to_async(signed_in_client)(user) for user in people]
    sockets = [(await open_socket(u, client=c))[0] for u, c in zip(people, clients, strict=True)]

    for round_ in range(6):
        for n, socket in enumerate(sockets):
            body = "hey @bob" if (round_, n) == (3, 4) else f"socket {n} says {round_}"
            await socket.send(type="send", conversation=chat.pk, client_id=f"s{n}r{round_}",
                              body=body, ref=f"s{n}r{round_}")  # fmt: skip

    for n, socket in enumerate(sockets):
        heard: list[int] = []
        acks: list[dict] = []
        while len(heard) < 60 or len(acks) < 6:
            frame = await socket.receive()
            if frame["type"] == "message":
                heard.append(frame["seq"])
            elif frame["type"] == "ack":
                acks.append(frame)
        assert heard == list(range(1, 61))
        assert [a["client_id"] for a in acks] == [f"s{n}r{r}" for r in range(6)]
        assert [a["seq"] for a in acks] == sorted(a["seq"] for a in acks)
        assert not any(a["duplicate"] for a in acks)
        assert await socket.nothing_more()
    seqs = await database_sync_to_async(
        lambda: list(Message.objects.filter(conversation=chat).values_list("seq", flat=True))
    )()
    assert sorted(seqs) == list(range(1, 61))
    for socket in sockets:
        await socket.close()

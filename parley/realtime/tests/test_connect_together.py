"""Sockets that connect at the same moment (a reconnect storm, several tabs) share their
sign-in, membership, hello and resume reads (parley/realtime/threads.py's `coalescing`):
each still gets its own user, its own hello, its own rings and exactly what it missed,
and a session that no longer signs in is refused among them."""

import asyncio
import threading

import pytest
from channels.db import database_sync_to_async

from parley.accounts.models import User
from parley.accounts.tests.factories import UserFactory
from parley.calls.tests.signalling_helpers import _no_background_sweep, direct, start  # noqa: F401
from parley.core.testing.sockets import open_socket, signed_in_client
from parley.messaging.actions.edit import check_edit_message
from parley.messaging.actions.rooms import check_join_room
from parley.messaging.actions.send import check_send_message
from parley.realtime.signin import CLOSE_UNAUTHENTICATED
from parley.realtime.threads import coalescing

pytestmark = pytest.mark.django_db(transaction=True)


async def test_sockets_connecting_at_once_each_get_their_own_hello_and_rings(
    room, chat, alice, bob
):
    carol, dave, erin, frank = [
        await database_sync_to_async(UserFactory)(username=name)
        for name in ("carol", "dave", "erin", "frank")
    ]
    talk = await database_sync_to_async(direct)(carol, dave)
    caller = (await open_socket(carol))[0]
    call = (await start(caller, talk.pk))["call"]  # rings dave's devices
    people = [alice, bob, bob, dave, dave, erin, frank]  # bob and dave: two tabs each
    clients = [await database_sync_to_async(signed_in_client)(user) for user in people]

    def change_password() -> None:  # frank's session stops signing him in
        frank.set_password("a new password for frank")
        frank.save()

    await database_sync_to_async(change_password)()

    pairs = zip(people, clients, strict=True)
    opened = await asyncio.gather(*(open_socket(u, client=c, hold=True) for u, c in pairs))

    seen: dict[str, list[list[tuple[int, str]]]] = {}
    for user, (socket, accepted, code) in zip(people, opened, strict=True):
        if user == frank:
            assert (accepted, code) == (False, CLOSE_UNAUTHENTICATED)
            continue
        assert accepted, user.username
        hello = socket.hello
        assert hello["user"]["id"] == user.pk
        seen.setdefault(user.username, []).append(
            [(c["id"], c["title"]) for c in hello["conversations"]]
        )
    assert seen == {
        "alice": [[(chat.pk, "Team › general")]],
        "bob": [[(chat.pk, "Team › general")]] * 2,
        "dave": [[(talk.pk, "carol")]] * 2,
        "erin": [[]],
    }
    for user, (socket, _, _) in zip(people, opened, strict=True):
        if user == dave:  # rung right after hello, on each tab
            ring = (await socket.receive_until("call.ring"))[-1]
            assert ring["call"]["id"] == call["id"]
    for socket, accepted, _ in opened:
        if accepted:
            await socket.close()
    await caller.close()


async def test_sockets_resuming_at_once_each_get_exactly_what_they_missed(room, chat, alice, bob):
    carol, dave = [
        await database_sync_to_async(UserFactory)(username=name) for name in ("carol", "dave")
    ]
    for user in (carol, dave):
        await database_sync_to_async(check_join_room)(user, room)
    for n in range(1, 6):
        await database_sync_to_async(check_send_message)(
            alice, conversation_id=chat.pk, client_id=f"m{n}", body=f"message {n}"
        )
    # As after a restart: bob's two tabs saw up to 2, carol up to 2, dave up to 4, alice all.
    people = [(bob, 2), (bob, 2), (carol, 2), (dave, 4), (alice, 5)]
    opened = await asyncio.gather(*(open_socket(user, hold=True) for user, _ in people))
    sockets = [socket for socket, _, _ in opened]

    for socket, (_, seen) in zip(sockets, people, strict=True):
        await socket.send(type="resume", conversations={str(chat.pk): seen}, ref="r")
    replies = await asyncio.gather(*(socket.receive_until("resumed") for socket in sockets))

    for frames, (user, seen) in zip(replies, people, strict=True):
        bodies = [f["message"]["body"] for f in frames if f["type"] == "message"]
        assert bodies == [f"message {n}" for n in range(seen + 1, 6)], user.username
        assert frames[-1]["conversations"] == {str(chat.pk): 5}
    for socket in sockets:
        assert await socket.nothing_more()
        await socket.close()


async def test_a_resume_after_a_later_hello_reads_what_changed_since(room, chat, alice, bob):
    """The range a resume replays ends at its socket's hello: a socket whose hello came
    after a change never gets an earlier socket's replay of the same start."""
    sent = [
        await database_sync_to_async(check_send_message)(
            alice, conversation_id=chat.pk, client_id=f"m{n}", body=f"message {n}"
        )
        for n in range(1, 4)
    ]
    early, _, _ = await open_socket(bob, hold=True)
    await early.send(type="resume", conversations={str(chat.pk): 1}, ref="r")
    replay = await early.receive_until("resumed")
    assert [f["message"]["body"] for f in replay if f["type"] == "message"] == [
        "message 2", "message 3"
    ]  # fmt: skip

    await database_sync_to_async(check_edit_message)(alice, sent[1].message.pk, "second, edited")
    later, _, _ = await open_socket(bob, hold=True)
    await later.send(type="resume", conversations={str(chat.pk): 1}, ref="r")
    replay = await later.receive_until("resumed")

    assert [(f["type"], f["seq"]) for f in replay[:-1]] == [
        ("message", 2), ("message", 3), ("message.edited", 4)
    ]  # fmt: skip
    assert replay[0]["message"]["body"] == "second, edited"
    await early.close()
    await later.close()


async def test_calls_made_while_a_batch_is_out_wait_for_the_next_and_share_it(alice, bob, carol):
    batches: list[list[int]] = []
    out, release = threading.Event(), threading.Event()

    def usernames(user_ids: list[int]) -> list[str]:
        batches.append(user_ids)
        out.set()
        release.wait(5)
        names = dict(User.objects.filter(pk__in=user_ids).values_list("pk", "username"))
        return [names[user_id] for user_id in user_ids]

    read = coalescing(usernames, key=lambda user_id: user_id)
    first = asyncio.ensure_future(read(alice.pk))
    await asyncio.to_thread(out.wait, 5)  # the first batch is out, with alice alone
    later = [asyncio.ensure_future(read(pk)) for pk in (bob.pk, carol.pk, bob.pk)]
    release.set()

    assert await first == "alice"
    assert [await name for name in later] == ["bob", "carol", "bob"]
    assert batches == [[alice.pk], [bob.pk, carol.pk]]  # bob read once for both


async def test_a_batch_that_fails_fails_each_of_its_callers_and_the_next_one_runs():
    def failing(keys: list[int]) -> list[int]:
        if 0 in keys:
            raise ValueError("the database went away")
        return [key * 2 for key in keys]

    read = coalescing(failing)
    results = await asyncio.gather(read(0), read(1), return_exceptions=True)
    assert [type(result) for result in results] == [ValueError, ValueError]
    assert await read(3) == 6

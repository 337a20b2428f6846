"""Sockets that connect at the same moment (a reconnect storm, several tabs) share their
sign-in, membership and hello reads (parley/realtime/threads.py's `coalescing`): each
still gets its own user, its own hello and its own rings, and a session that no longer
signs in is refused among them."""

import asyncio
import threading

import pytest
from channels.db import database_sync_to_async

from parley.accounts.models import User
from parley.accounts.tests.factories import UserFactory
from parley.calls.tests.signalling_helpers import _no_background_sweep, direct, start  # noqa: F401
from parley.core.testing.sockets import open_socket, signed_in_client
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

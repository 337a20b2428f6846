"""Presence as clients see it: hello's map, online/away/offline events, several tabs,
expiry by the clock, load shedding, and the store shared by processes through Redis."""

import asyncio
import json
import time
from contextlib import AsyncExitStack

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.conf import settings
from websockets.asyncio.client import connect

from parley.accounts.actions.friends import check_send_friend_request
from parley.accounts.tests.factories import UserFactory
from parley.core.testing.clients import client_for
from parley.core.testing.protocol import received
from parley.core.testing.servers import uvicorn_servers
from parley.core.testing.sockets import Socket, open_socket
from parley.events.catalogue import Status
from parley.events.publish import publish_presence
from parley.messaging.actions.groups import check_create_group
from parley.messaging.actions.rooms import (
    check_create_chat,
    check_create_room,
    check_join_room,
    check_leave_room,
)
from parley.realtime import liveness, load, presence
from parley.realtime.tests import liveness_helpers

pytestmark = pytest.mark.django_db(transaction=True)

_liveness = liveness_helpers.liveness  # autouse
clock = liveness_helpers.clock

TTL = presence.socket_ttl()
LINGER = presence.linger()


@pytest.fixture
def dave(db):
    return UserFactory(username="dave", display_name="Dave Grohl")


@pytest.fixture
def friends(alice, dave):
    """alice and dave are friends (sharing no conversation, unless a test adds one)."""
    check_send_friend_request(dave, alice)
    check_send_friend_request(alice, dave)  # accepts dave's request


async def presence_event(socket: Socket) -> dict:
    [*_, event] = await socket.receive_until("presence")
    return event


async def idle(socket: Socket, state: str = "idle") -> None:
    """Send a presence frame; the pong to the ping after it says it was handled."""
    await socket.send(type="presence", state=state)
    await socket.request(type="ping")


async def close_all(*sockets: Socket) -> None:
    for socket in sockets:
        await socket.close()


async def linger_out(clock) -> None:
    """Let a closed last socket's lingering record run out, and sweep."""
    clock.shift(LINGER)
    await liveness.sweep()


# --- hello ------------------------------------------------------------------------------


async def test_hello_maps_the_people_the_user_can_see_who_are_not_offline(
    room, alice, bob, carol, dave, friends
):
    erin = await database_sync_to_async(UserFactory)(username="erin")
    await database_sync_to_async(check_join_room)(erin, room)  # in alice's room, but offline
    bob_tab, _, _ = await open_socket(bob)
    carol_tab, _, _ = await open_socket(carol)  # online, but a stranger to alice
    dave_tab, _, _ = await open_socket(dave)  # a friend, sharing no conversation
    await idle(dave_tab)

    alice_tab, _, _ = await open_socket(alice)

    assert alice_tab.hello["presence"] == {str(bob.pk): "online", str(dave.pk): "away"}
    await close_all(alice_tab, bob_tab, carol_tab, dave_tab)


# --- events -----------------------------------------------------------------------------


async def test_the_first_tab_announces_online_and_the_last_to_close_offline(
    room, alice, bob, clock
):
    bob_tab, _, _ = await open_socket(bob)

    first, _, _ = await open_socket(alice)
    assert await presence_event(bob_tab) == {
        "type": "presence", "user": alice.pk, "status": "online"
    }  # fmt: skip
    second, _, _ = await open_socket(alice)
    await first.close()
    assert await bob_tab.nothing_more()  # alice is still online in her second tab

    await second.close()
    assert await bob_tab.nothing_more()  # her last tab lingers: she may be reloading
    clock.shift(LINGER - 1)
    await liveness.sweep()
    assert await bob_tab.nothing_more()
    await linger_out(clock)
    assert await presence_event(bob_tab) == {
        "type": "presence", "user": alice.pk, "status": "offline"
    }  # fmt: skip
    assert await bob_tab.nothing_more()
    await bob_tab.close()


async def test_a_reload_within_the_linger_shows_nothing_to_anyone(room, alice, bob, clock):
    bob_tab, _, _ = await open_socket(bob)
    tab, _, _ = await open_socket(alice)
    await presence_event(bob_tab)  # online

    await tab.close()
    clock.shift(LINGER - 1)
    again, _, _ = await open_socket(alice)
    await linger_out(clock)  # the closed socket's record runs out; the new one holds

    assert await bob_tab.nothing_more()
    late, _, _ = await open_socket(bob)
    assert late.hello["presence"] == {str(alice.pk): "online"}
    await close_all(again, bob_tab, late)


async def test_notifications_treat_a_lingering_user_as_gone(room, alice, bob):
    """Email and push ask whether someone is reading now: a closed last tab is not, though
    it still shows online to others while it lingers."""
    tab, _, _ = await open_socket(alice)
    assert await database_sync_to_async(presence.statuses_now)([alice.pk]) == {alice.pk: "online"}

    await tab.close()

    assert await database_sync_to_async(presence.statuses_now)([alice.pk]) == {}
    bob_tab, _, _ = await open_socket(bob)
    assert bob_tab.hello["presence"] == {str(alice.pk): "online"}
    await bob_tab.close()


async def test_a_lingering_socket_does_not_count_as_open(room, alice, bob, settings):
    settings.WEBSOCKET_MAX_SOCKETS_PER_USER = 1
    tab, _, _ = await open_socket(alice)
    await tab.close()  # lingers

    again, connected, _ = await open_socket(alice)

    assert connected and again.hello["type"] == "hello"
    await again.close()


async def test_a_socket_closed_for_cause_goes_offline_at_once(room, alice, bob):
    bob_tab, _, _ = await open_socket(bob)
    alice_tab, _, _ = await open_socket(alice)
    await presence_event(bob_tab)  # online

    for _ in range(settings.WEBSOCKET_MAX_BAD_FRAMES + 1):
        await alice_tab.send_raw(text="{nope")
    while (output := await alice_tab.communicator.receive_output(timeout=5))["type"] != (
        "websocket.close"
    ):
        pass
    assert output["code"] == 1008  # refused frames
    await alice_tab.close()

    assert (await presence_event(bob_tab))["status"] == "offline"
    await bob_tab.close()


async def test_away_only_when_every_tab_is_idle(room, alice, bob):
    bob_tab, _, _ = await open_socket(bob)
    first, _, _ = await open_socket(alice)
    second, _, _ = await open_socket(alice)
    await presence_event(bob_tab)  # online

    await idle(first)
    assert await bob_tab.nothing_more()  # the second tab is still in use
    await idle(second)
    assert (await presence_event(bob_tab))["status"] == "away"
    await idle(second, "idle")  # nothing new
    await idle(first, "active")
    assert (await presence_event(bob_tab))["status"] == "online"
    await first.close()  # the active tab goes; the idle one stays
    assert (await presence_event(bob_tab))["status"] == "away"
    assert await bob_tab.nothing_more()
    await close_all(second, bob_tab)


async def test_a_user_hears_of_themself_on_no_socket(room, alice):
    first, _, _ = await open_socket(alice)
    second, _, _ = await open_socket(alice)
    await idle(first)
    await idle(second)

    assert first.hello["presence"] == {} and second.hello["presence"] == {}
    assert await first.nothing_more() and await second.nothing_more()
    await close_all(first, second)


async def test_friends_hear_of_changes_and_strangers_do_not(alice, carol, dave, friends):
    dave_tab, _, _ = await open_socket(dave)
    carol_tab, _, _ = await open_socket(carol)

    alice_tab, _, _ = await open_socket(alice)

    assert await presence_event(dave_tab) == {
        "type": "presence", "user": alice.pk, "status": "online"
    }  # fmt: skip
    assert await carol_tab.nothing_more()
    await close_all(alice_tab, dave_tab, carol_tab)


async def test_one_event_per_change_however_many_conversations_are_shared(
    room, alice, bob, carol, dave, friends, clock
):
    await database_sync_to_async(check_create_chat)(alice, room, title="plans")
    other = await database_sync_to_async(check_create_room)(bob, title="Other")
    await database_sync_to_async(check_join_room)(alice, other)
    await database_sync_to_async(check_create_group)(alice, [bob.pk, dave.pk])
    await database_sync_to_async(check_join_room)(dave, room)  # a friend who is also in the room
    bob_tab, _, _ = await open_socket(bob)
    dave_tab, _, _ = await open_socket(dave)
    assert (await presence_event(bob_tab))["user"] == dave.pk

    alice_tab, _, _ = await open_socket(alice)

    for tab in (bob_tab, dave_tab):
        assert (await presence_event(tab))["status"] == "online"
        assert await tab.nothing_more()
    await alice_tab.close()
    await linger_out(clock)
    for tab in (bob_tab, dave_tab):
        assert (await presence_event(tab))["status"] == "offline"
        assert await tab.nothing_more()
    await close_all(bob_tab, dave_tab)


async def test_a_change_is_forwarded_once_and_never_after_a_newer_one(
    room, chat, alice, bob, carol
):
    before_hello = presence.version_at(time.time()) - 1
    bob_tab, _, _ = await open_socket(bob)
    now = presence.version_at(time.time())

    async def change(user, status: Status, version: int) -> None:
        event = presence.presence_event(presence.Change(user.pk, status, version))
        await publish_presence(event, version, [chat.pk], [])

    await change(carol, "online", before_hello)  # older than bob's hello: stale
    await change(alice, "online", now + 2)
    await change(alice, "online", now + 2)  # the same change by another route
    await change(alice, "offline", now + 1)  # an older change, arriving late
    await change(alice, "online", now + 3)  # newer, but nothing new
    await change(alice, "away", now + 4)

    assert [await presence_event(bob_tab) for _ in range(2)] == [
        {"type": "presence", "user": alice.pk, "status": "online"},
        {"type": "presence", "user": alice.pk, "status": "away"},
    ]
    assert await bob_tab.nothing_more()
    await bob_tab.close()


def test_presence_routes_use_one_chat_per_room_and_only_friends_not_reached(
    room, chat, alice, bob, carol, dave, friends
):
    check_create_chat(alice, room, title="plans")
    check_join_room(carol, room)
    group = check_create_group(alice, [bob.pk, carol.pk])

    routes = presence.presence_routes([alice.pk])[alice.pk]

    assert routes.conversations == [chat.pk, group.pk]  # not the second chat of the room
    assert routes.friends == [dave.pk]
    check_join_room(dave, room)
    assert presence.presence_routes([alice.pk, bob.pk])[alice.pk].friends == []
    assert presence.reach(alice.pk).audience == sorted([bob.pk, carol.pk, dave.pk])


async def test_joining_a_room_brings_presence_both_ways(alice, carol):
    other = await database_sync_to_async(check_create_room)(carol, title="Other")
    carol_tab, _, _ = await open_socket(carol)
    alice_tab, _, _ = await open_socket(alice)
    assert alice_tab.hello["presence"] == {}  # strangers, so far

    await database_sync_to_async(check_join_room)(alice, other)

    assert await presence_event(alice_tab) == {
        "type": "presence", "user": carol.pk, "status": "online"
    }  # fmt: skip
    assert await presence_event(carol_tab) == {
        "type": "presence", "user": alice.pk, "status": "online"
    }  # fmt: skip
    assert await alice_tab.nothing_more() and await carol_tab.nothing_more()
    await close_all(alice_tab, carol_tab)


async def test_leaving_a_conversation_stops_typing_there(room, chat, alice, bob):
    bob_tab, _, _ = await open_socket(bob)
    alice_tab, _, _ = await open_socket(alice)
    await presence_event(bob_tab)
    await bob_tab.send(type="typing", conversation=chat.pk, state="start")
    assert (await alice_tab.receive_until("typing"))[-1]["state"] == "start"

    await database_sync_to_async(check_leave_room)(bob, room)

    stop = (await alice_tab.receive_until("typing"))[-1]
    assert (stop["user"]["id"], stop["state"]) == (bob.pk, "stop")
    await close_all(alice_tab, bob_tab)


# --- expiry -----------------------------------------------------------------------------


async def test_a_socket_that_stops_pinging_goes_offline_when_its_record_expires(
    room, alice, bob, clock
):
    bob_tab, _, _ = await open_socket(bob)
    alice_tab, _, _ = await open_socket(alice)
    await presence_event(bob_tab)  # online

    clock.shift(TTL - 1)
    await bob_tab.request(type="ping")  # bob keeps pinging, alice does not
    await liveness.sweep()
    assert await bob_tab.nothing_more()
    clock.shift(2)  # past alice's expiry, not bob's
    await liveness.sweep()
    assert (await presence_event(bob_tab))["status"] == "offline"
    assert await alice_tab.nothing_more()  # bob is still online to alice

    await alice_tab.request(type="ping")  # alice's socket was alive after all
    assert (await presence_event(bob_tab))["status"] == "online"
    assert await bob_tab.nothing_more()
    await close_all(alice_tab, bob_tab)


async def test_one_sweep_announces_each_user_who_went_offline_to_their_own_audience(
    room, alice, bob, carol, dave, friends, clock
):
    """As after a worker's restart: many users' records run out together; one sweep reads
    every route at once, and each change still reaches exactly its own audience."""
    bob_tab, _, _ = await open_socket(bob)  # shares the room with alice
    carol_tab, _, _ = await open_socket(carol)  # a stranger to both
    alice_tab, _, _ = await open_socket(alice)
    dave_tab, _, _ = await open_socket(dave)  # alice's friend: he hears only of her
    assert (await presence_event(bob_tab))["user"] == alice.pk  # online

    await alice_tab.close()
    await carol_tab.close()
    await linger_out(clock)

    offline = {"type": "presence", "user": alice.pk, "status": "offline"}
    assert await presence_event(bob_tab) == offline
    assert await presence_event(dave_tab) == offline
    assert await bob_tab.nothing_more()
    assert await dave_tab.nothing_more()
    await close_all(bob_tab, dave_tab)


async def test_hello_leaves_out_a_user_whose_records_expired_before_any_sweep(
    room, alice, bob, clock
):
    bob_tab, _, _ = await open_socket(bob)
    clock.shift(TTL + 1)

    alice_tab, _, _ = await open_socket(alice)

    assert alice_tab.hello["presence"] == {}
    await close_all(alice_tab, bob_tab)


async def test_the_sweep_runs_while_the_process_serves_sockets(room, alice, bob):
    loop = asyncio.get_running_loop()
    first, _, _ = await open_socket(alice)
    found = liveness._tickers.find(loop)
    ticker = found.task if found else None
    second, _, _ = await open_socket(bob)
    assert ticker is not None and not ticker.done()
    assert liveness._tickers.find(loop) is found  # one per process, not per socket
    assert found is not None and found.task is ticker

    await close_all(first, second)

    assert ticker.cancelled() and liveness._tickers.find(loop) is None


# --- load -------------------------------------------------------------------------------


async def test_presence_frames_are_dropped_while_shedding(room, alice, bob):
    bob_tab, _, _ = await open_socket(bob)
    alice_tab, _, _ = await open_socket(alice)
    await presence_event(bob_tab)

    load.force_shedding(True)
    await idle(alice_tab)  # its ping is a heartbeat too: still nothing announced
    assert await bob_tab.nothing_more()
    load.force_shedding(False)
    await alice_tab.request(type="ping")  # the next heartbeat after the spell
    assert (await presence_event(bob_tab))["status"] == "away"
    await close_all(alice_tab, bob_tab)


async def test_connects_and_disconnects_still_count_while_shedding(room, alice, bob, clock):
    load.force_shedding(True)
    bob_tab, _, _ = await open_socket(bob)

    alice_tab, _, _ = await open_socket(alice)
    assert (await presence_event(bob_tab))["status"] == "online"
    assert alice_tab.hello["presence"] == {str(bob.pk): "online"}
    await alice_tab.close()
    await linger_out(clock)
    assert (await presence_event(bob_tab))["status"] == "offline"
    await bob_tab.close()


# --- frames -----------------------------------------------------------------------------


@pytest.mark.parametrize("frame", [{}, {"state": "busy"}, {"state": 1}])
async def test_a_bad_presence_frame_gets_an_error(room, alice, frame):
    alice_tab, _, _ = await open_socket(alice)

    reply = await alice_tab.request(type="presence", ref="p1", **frame)

    assert reply["type"] == "error"
    assert (reply["code"], reply["ref"]) == ("invalid", "p1")
    await alice_tab.close()


# --- the store, as two processes see it -------------------------------------------------


def _stores(kind: str) -> tuple[presence.PresenceStore, presence.PresenceStore, list]:
    """Two stores as two processes hold them: two Redis clients, or one shared memory."""
    if kind == "memory":
        store = presence.LocalPresenceStore(ttl=60)
        return store, store, []
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL: the Redis store")
    import redis.asyncio

    clients = [redis.asyncio.Redis.from_url(settings.REDIS_URL) for _ in range(2)]
    one, two = (presence.RedisPresenceStore(c, settings.REDIS_PREFIX, ttl=60) for c in clients)
    return one, two, clients


@pytest.fixture(params=["memory", "redis"])
def stores(request):
    return request.param


async def test_store_aggregates_sockets_across_processes(stores):
    one, two, clients = _stores(stores)
    now = time.time()

    first = await one.touch(7, "p1.a", "active", now)
    assert first is not None and (first.user_id, first.status) == (7, "online")
    assert await two.touch(7, "p2.b", "idle", now) is None
    assert await one.statuses([7, 8], now) == {7: "online"}
    assert await two.statuses([7], now) == {7: "online"}
    away = await one.leave(7, "p1.a", now + 1)
    assert away is not None and away.status == "away" and away.version > first.version
    assert await two.statuses([7], now + 1) == {7: "away"}
    assert await two.touch(7, "p2.b", "idle", now + 2) is None  # a heartbeat changes nothing
    offline = await two.leave(7, "p2.b", now + 3)
    assert offline is not None and offline.status == "offline"
    assert offline.version > away.version
    assert await one.statuses([7], now + 3) == {}
    for client in clients:
        await client.aclose()


async def test_the_last_socket_lingers_without_counting_as_open(stores):
    one, two, clients = _stores(stores)
    now = time.time()
    await one.touch(7, "p1.a", "active", now)
    await two.touch(7, "p2.b", "idle", now)

    away = await one.leave(7, "p1.a", now + 1, linger=10)  # another socket is open: no linger
    assert away is not None and away.status == "away"
    assert await two.leave(7, "p2.b", now + 2, linger=10) is None  # the last one lingers
    assert await one.statuses([7], now + 11) == {7: "away"}
    admitted = await one.admit(7, "p1.c", "active", 1, now + 3, None)  # one socket at most
    assert admitted.admitted and admitted.open == 0  # a lingering record is not open
    assert admitted.change is not None and admitted.change.status == "online"
    assert await one.leave(7, "p1.c", now + 4, linger=10) is None  # lingers to now + 14
    assert await two.sweep(now + 13) == []
    [offline] = await two.sweep(now + 14)
    assert (offline.user_id, offline.status) == (7, "offline")
    assert await one.statuses([7], now + 14) == {}
    for client in clients:
        await client.aclose()


async def test_a_dead_process_sockets_are_swept_offline_once(stores):
    one, two, clients = _stores(stores)
    now = time.time()
    await one.touch(7, "p1.a", "active", now)
    await two.touch(7, "p2.b", "active", now + 30)  # process two's socket pings later
    await two.touch(9, "p2.c", "idle", now)  # process two then dies: no leave, no pings

    assert await one.sweep(now + 59) == []
    changes = await one.sweep(now + 61)  # 9's record expired; 7 still has p2.b
    assert [(c.user_id, c.status) for c in changes] == [(9, "offline")]
    assert await two.sweep(now + 61) == []  # the other process does not announce it again
    changes = await two.sweep(now + 91)
    assert [(c.user_id, c.status) for c in changes] == [(7, "offline")]
    assert await one.sweep(now + 200) == []
    assert await one.statuses([7, 9], now + 200) == {}
    for client in clients:
        await client.aclose()


async def test_a_socket_swept_while_alive_comes_back_online_with_a_newer_version(stores):
    one, _, clients = _stores(stores)
    now = time.time()
    online = await one.touch(7, "p1.a", "active", now)
    [offline] = await one.sweep(now + 61)

    back = await one.touch(7, "p1.a", "active", now + 62)  # its next ping

    assert online is not None and back is not None
    assert (offline.status, back.status) == ("offline", "online")
    assert online.version < offline.version < back.version
    for client in clients:
        await client.aclose()


def test_store_is_redis_when_configured():
    store = async_to_sync(_current_store)()
    if settings.REDIS_URL:  # Redis, with this process's memory while Redis is unreachable
        assert isinstance(store, presence.FallbackPresenceStore)
        assert isinstance(store.shared, presence.RedisPresenceStore)
    else:
        assert isinstance(store, presence.LocalPresenceStore)


async def _current_store() -> presence.PresenceStore:
    store = presence.store()
    await presence.close_store()
    return store


# --- two server processes on one Redis --------------------------------------------------


@pytest.fixture
def servers():
    """Two uvicorn processes on the test database and Redis, a last tab lingering 1 s."""
    with uvicorn_servers(2, environ={"PRESENCE_LINGER_SECONDS": "1"}) as ports:
        yield ports


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL: processes share Redis")
def test_tabs_on_two_processes_make_one_presence_and_typing_crosses_them(
    servers, room, chat, alice, bob
):
    cookies = {
        user.username: client_for(user).cookies[settings.SESSION_COOKIE_NAME].value
        for user in (alice, bob)
    }

    def ws(port: int, username: str):
        return connect(
            f"ws://127.0.0.1:{port}/ws/",
            origin="http://testserver",  # type: ignore[arg-type]
            additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookies[username]}"},
        )

    async def receive(socket, kind: str) -> dict:
        while True:
            frame = received(await asyncio.wait_for(socket.recv(), timeout=10))
            if frame["type"] == kind:
                return frame

    async def quiet(socket) -> bool:
        try:
            frame = await asyncio.wait_for(socket.recv(), timeout=0.5)
        except TimeoutError:
            return True
        raise AssertionError(f"unexpected {frame}")

    async def scenario() -> None:
        async with AsyncExitStack() as stack:
            b = await stack.enter_async_context(ws(servers[0], "bob"))
            await receive(b, "hello")
            a1 = await stack.enter_async_context(ws(servers[0], "alice"))
            hello = await receive(a1, "hello")
            assert hello["presence"] == {str(bob.pk): "online"}
            assert await receive(b, "presence") == {
                "type": "presence", "user": alice.pk, "status": "online"
            }  # fmt: skip
            a2 = await stack.enter_async_context(ws(servers[1], "alice"))
            await receive(a2, "hello")
            await a2.send(json.dumps({"type": "typing", "conversation": chat.pk, "state": "start"}))
            typing = await receive(b, "typing")
            assert (typing["user"]["id"], typing["state"]) == (alice.pk, "start")

            await a1.close()  # alice is still online on the other process
            assert await quiet(b)
            await a2.close()  # her last tab: offline once it stops lingering; typing stops
            frames = [received(await asyncio.wait_for(b.recv(), timeout=10)) for _ in range(2)]
            assert sorted(f["type"] for f in frames) == ["presence", "typing"]
            assert {"type": "presence", "user": alice.pk, "status": "offline"} in frames
            assert await quiet(b)

    asyncio.run(scenario())


async def test_sockets_opening_and_closing_together_take_turns_and_all_arrive(
    room, alice, settings, clock
):
    """With one socket at a time let through the open and close gates, a crowd opening at
    once all get hello with the others' presence as it stands, and a crowd closing at
    once all go offline to whoever stays."""
    settings.WEBSOCKET_CONNECTS_AT_ONCE = 1
    watcher, _, _ = await open_socket(alice)
    crowd = [await database_sync_to_async(UserFactory)(username=f"crowd{n}") for n in range(6)]
    for person in crowd:
        await database_sync_to_async(check_join_room)(person, room)

    opened = await asyncio.gather(*(open_socket(person) for person in crowd))

    assert all(connected for _, connected, _ in opened)
    assert opened[-1][0].hello["presence"][str(alice.pk)] == "online"
    online = {(await presence_event(watcher))["user"] for _ in crowd}
    assert online == {person.pk for person in crowd}
    await asyncio.gather(*(socket.close() for socket, _, _ in opened))
    await linger_out(clock)
    offline = [await presence_event(watcher) for _ in crowd]
    assert {e["user"] for e in offline} == online and {e["status"] for e in offline} == {"offline"}
    await watcher.close()

"""Typing as clients see it: start/stop to the other members, server-side throttling and
expiry by the clock, stop on disconnect, errors, and shedding under load."""

import logging

import msgspec
import pytest
from channels.db import database_sync_to_async

from parley.core.testing.sockets import Socket, open_socket
from parley.events.publish import publish_typing
from parley.messaging.actions.rooms import check_create_chat, check_create_room
from parley.realtime import liveness, load
from parley.realtime.tests import liveness_helpers
from parley.realtime.typing_state import EXPIRES_IN, THROTTLE_SECONDS, typing_event

pytestmark = pytest.mark.django_db(transaction=True)

_liveness = liveness_helpers.liveness  # autouse
clock = liveness_helpers.clock


def typing(user, conversation_id: int, state: str) -> dict:
    return {
        "type": "typing",
        "conversation": conversation_id,
        "user": {"id": user.pk, "username": user.username, "name": user.name},
        "state": state,
        "expires_in": EXPIRES_IN,
    }


async def type_(socket: Socket, conversation_id: int, state: str = "start") -> None:
    """Send a typing frame; the pong to the ping after it says it was handled."""
    await socket.send(type="typing", conversation=conversation_id, state=state)
    await socket.request(type="ping")


async def typing_event_on(socket: Socket) -> dict:
    [*_, event] = await socket.receive_until("typing")
    return event


async def sockets_of(room, alice, bob) -> tuple[Socket, Socket, Socket, Socket]:
    """Two tabs each for bob and alice, past the presence events of their connecting."""
    bob_tabs = [(await open_socket(bob))[0] for _ in range(2)]
    alice_tabs = [(await open_socket(alice))[0] for _ in range(2)]
    for tab in bob_tabs:
        await tab.receive_until("presence")  # alice came online
    return alice_tabs[0], alice_tabs[1], bob_tabs[0], bob_tabs[1]


async def close_all(*sockets: Socket) -> None:
    for socket in sockets:
        await socket.close()


async def test_typing_reaches_the_other_members_and_not_the_typer(room, chat, alice, bob):
    typer, other_tab, bob_one, bob_two = await sockets_of(room, alice, bob)

    await type_(typer, chat.pk)

    for tab in (bob_one, bob_two):
        assert await typing_event_on(tab) == typing(alice, chat.pk, "start")
        assert await tab.nothing_more()
    assert await other_tab.nothing_more()  # alice is not shown herself typing
    await type_(typer, chat.pk, "stop")
    for tab in (bob_one, bob_two):
        assert await typing_event_on(tab) == typing(alice, chat.pk, "stop")
    await close_all(typer, other_tab, bob_one, bob_two)


async def test_repeated_starts_are_throttled(room, chat, alice, bob, clock):
    typer, other_tab, bob_tab, _ = await sockets_of(room, alice, bob)

    await type_(typer, chat.pk)
    await type_(typer, chat.pk)  # at once: dropped
    clock.shift(THROTTLE_SECONDS - 0.5)
    await type_(typer, chat.pk)  # still within the throttle
    assert await typing_event_on(bob_tab) == typing(alice, chat.pk, "start")
    assert await bob_tab.nothing_more()

    clock.shift(1)
    await type_(typer, chat.pk)  # the client's refresh, every 3 s: forwarded
    assert await typing_event_on(bob_tab) == typing(alice, chat.pk, "start")
    assert await bob_tab.nothing_more()
    await close_all(typer, other_tab, bob_tab)


async def test_a_stop_without_a_start_is_not_forwarded(room, chat, alice, bob):
    typer, other_tab, bob_tab, _ = await sockets_of(room, alice, bob)

    await type_(typer, chat.pk, "stop")
    await type_(typer, chat.pk)
    await type_(typer, chat.pk, "stop")
    await type_(typer, chat.pk, "stop")

    assert await typing_event_on(bob_tab) == typing(alice, chat.pk, "start")
    assert await typing_event_on(bob_tab) == typing(alice, chat.pk, "stop")
    assert await bob_tab.nothing_more()
    await close_all(typer, other_tab, bob_tab)


async def test_a_typer_who_goes_quiet_is_stopped_by_the_server(room, chat, alice, bob, clock):
    typer, other_tab, bob_tab, _ = await sockets_of(room, alice, bob)
    await type_(typer, chat.pk)
    assert (await typing_event_on(bob_tab))["state"] == "start"

    clock.shift(EXPIRES_IN - 1)
    await liveness.sweep()
    assert await bob_tab.nothing_more()
    clock.shift(1.5)
    await liveness.sweep()

    assert await typing_event_on(bob_tab) == typing(alice, chat.pk, "stop")
    await liveness.sweep()
    assert await bob_tab.nothing_more()
    await close_all(typer, other_tab, bob_tab)


async def test_each_refresh_pushes_the_expiry_on(room, chat, alice, bob, clock):
    typer, other_tab, bob_tab, _ = await sockets_of(room, alice, bob)
    await type_(typer, chat.pk)
    clock.shift(3)
    await type_(typer, chat.pk)
    assert [(await typing_event_on(bob_tab))["state"] for _ in range(2)] == ["start", "start"]

    clock.shift(EXPIRES_IN - 1)  # 8 s after the first start, 5 after the refresh
    await liveness.sweep()
    assert await bob_tab.nothing_more()
    clock.shift(1.5)
    await liveness.sweep()
    assert (await typing_event_on(bob_tab))["state"] == "stop"
    await close_all(typer, other_tab, bob_tab)


async def test_closing_the_socket_stops_its_typing_everywhere(room, chat, alice, bob):
    plans = await database_sync_to_async(check_create_chat)(alice, room, title="plans")
    typer, other_tab, bob_tab, _ = await sockets_of(room, alice, bob)
    await type_(typer, chat.pk)
    await type_(typer, plans.pk)
    assert [(await typing_event_on(bob_tab))["state"] for _ in range(2)] == ["start", "start"]

    await typer.close()

    stops = [await typing_event_on(bob_tab) for _ in range(2)]
    assert sorted(stops, key=lambda e: e["conversation"]) == [
        typing(alice, chat.pk, "stop"),
        typing(alice, plans.pk, "stop"),
    ]
    assert await bob_tab.nothing_more()
    await close_all(other_tab, bob_tab)


async def test_typing_in_a_conversation_the_socket_does_not_follow_is_not_found(
    room, chat, alice, bob, carol
):
    elsewhere = await database_sync_to_async(check_create_room)(carol, title="Elsewhere")
    hidden = await database_sync_to_async(lambda: elsewhere.chats.get().pk)()
    alice_tab, _, _ = await open_socket(alice)

    reply = await alice_tab.request(type="typing", ref="t1", conversation=hidden, state="start")

    assert reply["type"] == "error"
    assert (reply["code"], reply["ref"], reply["conversation"]) == ("not_found", "t1", hidden)
    await alice_tab.close()


@pytest.mark.parametrize(
    "frame",
    [
        {"state": "start"},
        {"conversation": "3", "state": "start"},
        {"conversation": True, "state": "start"},
        {"conversation": 0, "state": "start"},
        {"conversation": 1},
        {"conversation": 1, "state": "typing"},
    ],
)
async def test_a_malformed_typing_frame_is_invalid(room, chat, alice, frame):
    alice_tab, _, _ = await open_socket(alice)

    reply = await alice_tab.request(type="typing", ref="t2", **frame)

    assert reply["type"] == "error"
    assert (reply["code"], reply["ref"]) == ("invalid", "t2")
    await alice_tab.close()


# --- load -------------------------------------------------------------------------------


async def test_typing_is_dropped_while_shedding(room, chat, alice, bob):
    typer, other_tab, bob_tab, _ = await sockets_of(room, alice, bob)

    load.force_shedding(True)
    await type_(typer, chat.pk)
    assert await bob_tab.nothing_more()
    load.force_shedding(False)
    await type_(typer, chat.pk)  # not throttled: the shed start never counted

    assert await typing_event_on(bob_tab) == typing(alice, chat.pk, "start")
    await close_all(typer, other_tab, bob_tab)


async def test_a_shedding_process_does_not_forward_typing_events(room, chat, alice, bob):
    bob_tab, _, _ = await open_socket(bob)
    event = typing_event(chat.pk, {"id": alice.pk, "username": "alice", "name": "A"}, "start")

    load.force_shedding(True)
    await publish_typing(event)  # as another process would
    assert await bob_tab.nothing_more()
    load.force_shedding(False)
    await publish_typing(event)

    assert await typing_event_on(bob_tab) == msgspec.to_builtins(event)
    await bob_tab.close()


def test_shedding_follows_event_loop_lag_and_is_logged(caplog):
    load.force_shedding(None)  # measure
    caplog.set_level(logging.WARNING, logger="parley.realtime.load")

    load.observe_lag(0.01)
    assert not load.shedding()
    load.observe_lag(load.SHED_LAG_SECONDS * 2)
    assert load.shedding()
    load.observe_lag(load.SHED_LAG_SECONDS * 0.75)  # better, not yet well: keeps shedding
    assert load.shedding()
    load.observe_lag(0.01)
    assert not load.shedding()

    assert [r.getMessage() for r in caplog.records] == [
        "event loop lags 500 ms: shedding typing and presence until it recovers",
        "event loop lag back to 10 ms: typing and presence resumed",
    ]

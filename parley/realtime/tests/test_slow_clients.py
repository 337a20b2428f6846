"""Clients that stop reading or vanish, against a real uvicorn server with Parley's
protocol: each is let go without holding up anyone else, and misses nothing for good."""

import asyncio
import json
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from parley.core.testing.protocol import received
from parley.core.testing.servers import connect_as, receive_json, session_cookie, uvicorn_servers
from parley.messaging.actions.rooms import check_create_room, check_join_room
from parley.realtime.tests.stalled import StalledClient

pytestmark = pytest.mark.django_db(transaction=True)

BODY = "x" * 9_000
MANY = {"SEND_RATE_PER_SECOND": "100000", "SEND_RATE_BURST": "100000"}


async def opened(ws: Any) -> dict[str, Any]:
    """Hello read and an empty resume answered, as the web client starts."""
    hello = await receive_json(ws, "hello")
    await ws.send(json.dumps({"type": "resume", "conversations": {}}))
    await receive_json(ws, "resumed")
    return hello


async def send_until_offline(
    ws: Any, conversation: int, count: int, user_id: int, window: int | None = None
) -> None:
    """`count` sends, at most `window` of them unacknowledged (all at once without one);
    read until every ack has come and `ws` has heard that `user_id` is offline (their
    last socket was let go)."""
    window = window or count
    sent, acks, offline = 0, 0, False
    while acks < count or not offline:
        while sent < count and sent - acks < window:
            frame = {"type": "send", "conversation": conversation, "client_id": f"m{sent}",
                     "body": BODY}  # fmt: skip
            await ws.send(json.dumps(frame))
            sent += 1
        try:
            frame = received(await asyncio.wait_for(ws.recv(), timeout=30))
        except TimeoutError:
            raise AssertionError(f"{acks} acks of {count}, offline: {offline}") from None
        assert frame["type"] != "error", frame
        acks += frame["type"] == "ack"
        offline = offline or (frame["type"], frame.get("user"), frame.get("status")) == (
            "presence",
            user_id,
            "offline",
        )


async def catch_up(ws: Any, conversation: int, last: int) -> list[int]:
    """Resume from `last` as the web client does: the replay, or after a `gap` pages of
    history; the seqs of the messages it brings, in order."""
    await ws.send(json.dumps({"type": "resume", "conversations": {conversation: last}}))
    seqs, gap = [], False
    while (frame := received(await asyncio.wait_for(ws.recv(), timeout=10)))["type"] != ("resumed"):
        seqs += [frame["seq"]] if frame["type"] == "message" else []
        gap = gap or frame["type"] == "gap"
    while gap:
        after = seqs[-1] if seqs else last
        page = {"type": "history", "conversation": conversation, "after": after, "limit": 100}
        await ws.send(json.dumps(page))
        history = await receive_json(ws, "history")
        seqs += sorted(m["seq"] for m in history["messages"])
        gap = history["has_more"]
    return seqs


async def stall_and_come_back(
    port: int,
    cookies: tuple[str, str],
    chat: int,
    count: int,
    stalled_user: int,
    window: int | None = None,
) -> tuple[StalledClient, list[int]]:
    """The first cookie's client stalls after its resume while the second's sends `count`
    messages, until the server lets the stalled one go; it then reads what reached it,
    reconnects and catches up. The stalled client, and every seq it got, in order."""
    stalled = await StalledClient.connect(port, cookies[0])
    # It reads its start as a client does, so its socket follows the chat before the first
    # send: hello's state would otherwise count a message sent before it as already seen.
    await stalled.read_until("hello")
    await stalled.send(type="resume", conversations={})
    await stalled.read_until("resumed")
    async with connect_as(port, cookies[1], max_queue=None) as sender:
        await opened(sender)
        await send_until_offline(sender, chat, count, stalled_user, window)
    await stalled.read_to_the_end()
    seen = [f["seq"] for f in stalled.frames if f["type"] == "message"]
    async with connect_as(port, cookies[0], max_size=None) as again:
        await receive_json(again, "hello")
        return stalled, seen + await catch_up(again, chat, max(seen, default=0))


def a_room(alice: Any, bob: Any) -> int:
    room = check_create_room(alice, title="Tunnel")
    check_join_room(bob, room)
    return int(room.chats.get().pk)


def test_a_client_that_stops_reading_is_let_go_and_resumes_everything(alice, bob):
    """Past twice the queue limit the socket is closed (4408) and its user goes offline at
    once, while the sender goes on; reconnecting and resuming brings every message."""
    chat = a_room(alice, bob)
    cookies = session_cookie(alice), session_cookie(bob)
    count = 1000
    # No keepalive to cut it first, and time to read what it was owed before the close.
    environ = {**MANY, "WEBSOCKET_QUEUE_MAX_MESSAGES": "20", "WEBSOCKET_CLOSE_GRACE_SECONDS": "600"}
    options = ["--ws-ping-interval", "600"]

    with uvicorn_servers(1, environ=environ, options=options) as [port]:
        stalled, seqs = asyncio.run(stall_and_come_back(port, cookies, chat, count, alice.pk))

    assert stalled.close_code == 4408
    assert seqs == list(range(1, count + 1))


def test_a_vanished_client_is_let_go_when_its_keepalive_fails(alice, bob):
    """A client that neither reads nor answers pings (black-holed), with data owed to it:
    the failed keepalive cuts the connection (a polite close would wait for it to read),
    and its user goes offline for everyone within a few ping intervals. When it comes
    back (reset, reconnected) and resumes from what it had read, it gets the rest."""
    chat = a_room(alice, bob)
    cookies = session_cookie(alice), session_cookie(bob)
    options = ["--ws-ping-interval", "2", "--ws-ping-timeout", "4"]
    count = 1000  # past the kernel's buffers

    environ = {**MANY, "WEBSOCKET_QUEUE_MAX_MESSAGES": "100000"}
    environ["WEBSOCKET_QUEUE_MAX_BYTES"] = str(2**30)  # no slow-reader close: the keepalive's

    with uvicorn_servers(1, environ=environ, options=options) as [port]:
        # The sender keeps 50 sends in flight: behind a thousand queued frames its own
        # pongs would reach the server after the 4 s ping timeout on a busy machine.
        scenario = stall_and_come_back(port, cookies, chat, count, alice.pk, window=50)
        _, seqs = asyncio.run(scenario)
    assert seqs == list(range(1, count + 1))


def test_a_frame_over_the_limit_is_refused_before_it_is_read(alice):
    """1009 from the frame's header, whatever uvicorn's --ws-max-size says."""
    cookie = session_cookie(alice)

    async def scenario(port: int) -> int | None:
        async with connect_as(port, cookie, max_size=None) as ws:
            await opened(ws)
            try:
                await ws.send(json.dumps({"type": "ping", "pad": "x" * (16 * 1024 * 1024)}))
                await asyncio.wait_for(ws.recv(), timeout=10)
            except ConnectionClosed as closed:
                return closed.rcvd.code if closed.rcvd else None
        return None

    with uvicorn_servers(1, options=["--ws-max-size", str(64 * 1024 * 1024)]) as [port]:
        assert asyncio.run(scenario(port)) == 1009

"""Hostile input on the socket: every class of it gets an error or a close code, changes
nothing, and never costs another user a message."""

import asyncio

import pytest
from channels.db import database_sync_to_async

from parley.core.testing.sockets import open_socket, signed_in_client
from parley.messaging.actions.send import check_send_message
from parley.messaging.models import Message

pytestmark = pytest.mark.django_db(transaction=True)

LONE_SURROGATE = "\\ud800"  # as it arrives in JSON text: an escape, valid JSON, no text
NUL = "\\u0000"


def frame_text(**fields: str) -> str:
    """A frame whose string fields are written raw into the JSON (escapes kept)."""
    return "{" + ", ".join(f'"{key}": {value}' for key, value in fields.items()) + "}"


async def stored_bodies() -> list[str]:
    return await database_sync_to_async(
        lambda: list(Message.objects.order_by("seq").values_list("body", flat=True))
    )()


@pytest.mark.parametrize("bad", [LONE_SURROGATE, NUL])
async def test_text_no_column_can_hold_is_refused_in_every_field(bad, room, chat, alice, bob):
    """A NUL or a lone surrogate in any text field (bodies, edits, emoji, client ids,
    refs, unknown fields): `invalid_text`, the socket stays open, nothing is stored, and
    the other member's messages go on."""
    socket, _, _ = await open_socket(alice)
    other, _, _ = await open_socket(bob)
    message = await database_sync_to_async(check_send_message)(
        alice, conversation_id=chat.pk, client_id="m1", body="first"
    )
    await other.receive_sequenced(1)
    await socket.receive_sequenced(1)
    value = f'"a{bad}b"'
    frames = [
        frame_text(type='"send"', conversation=str(chat.pk), client_id='"c1"', body=value),
        frame_text(type='"send"', conversation=str(chat.pk), client_id=value, body='"hi"'),
        frame_text(type='"edit"', message=str(message.message.pk), body=value),
        frame_text(type='"react"', message=str(message.message.pk), emoji=value),
        frame_text(type='"ping"', ref=value),
        frame_text(type='"ping"', extra=value),
        frame_text(type=value),
    ]
    for text in frames:
        await socket.send_raw(text=text)
        error = await socket.receive()
        assert (error["type"], error["code"]) == ("error", "invalid_text"), (text, error)
        assert error["ref"] is None
        assert "client_id" not in error

    assert (await socket.request(type="ping"))["type"] == "pong"
    ack = await other.request(type="send", conversation=chat.pk, client_id="b1", body="still here")
    assert ack["type"] == "ack"
    assert await stored_bodies() == ["first", "still here"]
    [heard] = await socket.receive_sequenced(1)
    assert heard["message"]["body"] == "still here"
    await socket.close()
    await other.close()


async def test_json_that_is_not_strictly_json_is_refused(room, chat, alice):
    socket, _, _ = await open_socket(alice)

    for text in (
        '{"type": "ping", "type": "send"}',  # a key twice
        '{"type": "history", "conversation": NaN}',
        '{"type": "history", "conversation": Infinity}',
        '{"type": "history", "conversation": 1e400}',
        '{"type": "read", "conversation": 1, "seq": 1180591620717411303424}',  # 2**70
        '{"type": "ping", "ref": 99999999999999999999999}',
    ):
        await socket.send_raw(text=text)
        error = await socket.receive()
        assert (error["type"], error["code"]) == ("error", "invalid"), (text, error)

    assert (await socket.request(type="ping"))["type"] == "pong"
    await socket.close()


async def test_a_refused_ref_or_client_id_is_not_echoed(room, chat, alice):
    socket, _, _ = await open_socket(alice)

    for ref in ("x" * 65, ["list"], {"an": "object"}, True, "\ud800", "a\x00b"):
        await socket.send(type="teleport", ref=ref)
        error = await socket.receive()
        assert error["ref"] is None
    await socket.send(type="send", conversation=chat.pk, client_id="bad id!", body="x")
    error = await socket.receive()
    assert error["code"] == "invalid"
    assert "client_id" not in error
    await socket.close()


async def test_a_resume_past_the_end_is_refused_and_does_not_mute(room, chat, alice, bob):
    """A seq beyond the conversation's end, taken as seen, would drop every message up to
    it as a repeat."""
    socket, _, _ = await open_socket(alice, resume={})
    ahead = await socket.request(type="resume", conversations={str(chat.pk): 2**62})
    assert (ahead["type"], ahead["code"], ahead["conversation"]) == ("error", "invalid", chat.pk)
    resumed = await socket.receive_until("resumed")
    assert resumed[-1]["conversations"] == {}
    for bad in ({"²": 1}, {"0": 1}, {str(chat.pk): -1}, {"1" * 30: 1}):
        error = await socket.request(type="resume", conversations=bad)
        assert error["code"] == "invalid", bad

    await database_sync_to_async(check_send_message)(
        bob, conversation_id=chat.pk, client_id="b1", body="heard"
    )
    [heard] = await socket.receive_sequenced(1)
    assert (heard["seq"], heard["message"]["body"]) == (1, "heard")
    await socket.close()


async def test_every_kind_of_frame_has_a_rate_limit(settings, room, chat, alice):
    settings.RATE_LIMITS = {
        **settings.RATE_LIMITS,
        "history": (0.001, 2),
        "read": (0.001, 1),
        "typing": (0.001, 1),
    }
    socket, _, _ = await open_socket(alice)  # its resume took one history token

    assert (await socket.request(type="history", conversation=chat.pk))["type"] == "history"
    limited = await socket.request(type="history", conversation=chat.pk)
    assert (limited["type"], limited["code"]) == ("error", "rate_limited")
    assert limited["retry_after"] > 0
    await socket.send(type="read", conversation=chat.pk, seq=0)
    assert (await socket.request(type="read", conversation=chat.pk, seq=0))["code"] == (
        "rate_limited"
    )
    await socket.send(type="typing", conversation=chat.pk, state="start")
    await socket.send(type="typing", conversation=chat.pk, state="stop")
    error = (await socket.receive_until("error"))[-1]
    assert (error["code"], error["retry_after"] > 0) == ("rate_limited", True)
    assert (await socket.request(type="ping"))["type"] == "pong"  # pings are never limited
    await socket.close()


async def test_a_socket_that_keeps_sending_refused_frames_is_closed(settings, room, alice):
    settings.WEBSOCKET_MAX_BAD_FRAMES = 3
    socket, _, _ = await open_socket(alice)

    for _ in range(3):
        await socket.send_raw(text="{nope")
        assert (await socket.receive())["code"] == "invalid"
    await socket.send_raw(text="{nope")
    assert (await socket.receive())["code"] == "invalid"

    closed = await socket.communicator.receive_output(timeout=5)
    assert (closed["type"], closed["code"]) == ("websocket.close", 1008)


async def test_open_sockets_per_user_are_capped(settings, room, alice, bob):
    settings.WEBSOCKET_MAX_SOCKETS_PER_USER = 2
    client = await database_sync_to_async(signed_in_client)(alice)
    first, _, _ = await open_socket(alice, client=client)
    second, _, _ = await open_socket(alice, client=client)

    third, connected, code = await open_socket(alice, client=client)
    assert (connected, code) == (False, 4409)
    assert third.hello["code"] == "conflict"
    _, bob_connected, _ = await open_socket(bob)  # another user is not affected
    assert bob_connected

    await first.close()
    again, connected, _ = await open_socket(alice, client=client)
    assert connected
    for socket in (second, again):
        await socket.close()


async def test_the_cap_holds_for_sockets_opening_at_the_same_moment(settings, room, alice):
    """The count and the new socket's record are one step: six tabs opening at once
    under a cap of three get three sockets, not six."""
    settings.WEBSOCKET_MAX_SOCKETS_PER_USER = 3
    client = await database_sync_to_async(signed_in_client)(alice)

    opened = await asyncio.gather(*(open_socket(alice, client=client) for _ in range(6)))

    outcomes = sorted((connected, code) for _, connected, code in opened)
    assert outcomes == [(False, 4409)] * 3 + [(True, None)] * 3
    for socket, connected, _ in opened:
        if connected:
            await socket.close()


async def test_new_connections_per_address_are_rate_limited(settings, room, alice, bob):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "connect_ip": (0.001, 2)}
    opened = [await open_socket(alice), await open_socket(bob)]

    refused, connected, code = await open_socket(alice)
    assert (connected, code) == (False, 4429)
    assert refused.hello["code"] == "rate_limited"
    assert refused.hello["retry_after"] > 0
    for socket, _, _ in opened:
        await socket.close()


@pytest.mark.parametrize(
    "frame",
    [
        {"type": "edit", "message": 999999, "body": "x"},
        {"type": "delete", "message": 999999},
        {"type": "react", "message": 999999, "emoji": "👍"},
        {"type": "move", "message": 999999, "to": 999999},
    ],
    ids=lambda frame: frame["type"],
)
async def test_changes_to_messages_have_rate_limits(settings, frame, room, chat, alice):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, frame["type"]: (0.001, 1)}
    socket, _, _ = await open_socket(alice)

    first = await socket.request(**frame)  # spends the one token (and finds nothing)
    second = await socket.request(**frame)

    assert first["code"] == "not_found"
    assert (second["code"], second["retry_after"] > 0) == ("rate_limited", True)
    await socket.close()

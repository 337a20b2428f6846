"""The WebSocket as a client sees it: connect, hello, send/ack, live delivery, errors."""

import json

import pytest
from channels.db import database_sync_to_async
from django.test import override_settings

from parley.core.testing.sockets import open_socket
from parley.messaging.actions.rooms import check_archive_room, check_remove_member
from parley.messaging.models import Message

pytestmark = pytest.mark.django_db(transaction=True)


async def test_anonymous_socket_is_refused(room):
    _, connected, code = await open_socket(None)

    assert not connected
    assert code == 4401


async def test_socket_from_another_origin_is_refused(room, alice):
    for origin in ("http://evil.example", "http://testserver:8080", "https://testserver"):
        _, connected, code = await open_socket(alice, origin=origin)
        assert not connected, origin
        assert code == 4403, origin


async def test_other_paths_are_refused(alice):
    _, connected, code = await open_socket(alice, path="/ws/elsewhere/")

    assert not connected
    assert code == 4404


async def test_hello_names_the_user_and_their_conversations(room, chat, alice):
    socket, connected, _ = await open_socket(alice)

    assert connected
    hello = socket.hello
    assert hello["type"] == "hello"
    assert hello["user"]["username"] == "alice"
    [summary] = hello["conversations"]
    assert summary["id"] == chat.pk
    assert summary["kind"] == "chat"
    assert summary["title"] == "Team › general"
    assert summary["room"] == {
        "id": room.pk, "slug": "team", "title": "Team", "archived": False, "private": False,
        "role": "owner",
    }  # fmt: skip
    assert (summary["last_seq"], summary["unread"]) == (0, 0)
    await socket.close()


async def test_send_is_acked_and_delivered_once_to_every_member(room, chat, alice, bob):
    sender, _, _ = await open_socket(alice)
    receiver, _, _ = await open_socket(bob)
    second_tab, _, _ = await open_socket(bob)

    ack = await sender.request(
        type="send", conversation=chat.pk, client_id="c-1", body="Hello **team**"
    )

    assert ack["type"] == "ack"
    assert (ack["client_id"], ack["seq"], ack["duplicate"]) == ("c-1", 1, False)
    stored = await database_sync_to_async(Message.objects.get)(pk=ack["id"])
    assert stored.seq == 1 and stored.body == "Hello **team**"
    for socket in (receiver, second_tab):
        event = await socket.receive()
        assert event["type"] == "message"
        assert (event["conversation"], event["seq"]) == (chat.pk, 1)
        assert event["message"]["html"] == "<p>Hello <strong>team</strong></p>"
        assert event["message"]["sender"]["username"] == "alice"
        assert await socket.nothing_more()
    for socket in (sender, receiver, second_tab):
        await socket.close()


async def test_resend_with_the_same_client_id_returns_the_original(room, chat, alice, bob):
    sender, _, _ = await open_socket(alice)
    receiver, _, _ = await open_socket(bob)

    first = await sender.request(type="send", conversation=chat.pk, client_id="same", body="hi")
    again = await sender.request(type="send", conversation=chat.pk, client_id="same", body="hi")

    assert (again["id"], again["seq"], again["duplicate"]) == (first["id"], 1, True)
    assert await database_sync_to_async(Message.objects.count)() == 1
    assert (await receiver.receive())["seq"] == 1
    assert await receiver.nothing_more()
    await sender.close()
    await receiver.close()


async def test_markdown_is_sanitised(room, chat, alice):
    socket, _, _ = await open_socket(alice)

    await socket.request(
        type="send",
        conversation=chat.pk,
        client_id="x",
        body="<script>alert(1)</script> [a](javascript:alert(1)) https://example.org",
    )

    html = (await database_sync_to_async(Message.objects.get)()).html
    assert "<script>" not in html and 'href="javascript' not in html
    assert '<a href="https://example.org" target="_blank"' in html
    await socket.close()


async def test_a_direct_message_creates_the_conversation_for_both(alice, bob, carol):
    from parley.accounts.actions.friends import (
        check_accept_friend_request,
        check_send_friend_request,
    )

    await database_sync_to_async(check_send_friend_request)(alice, bob)
    request = await database_sync_to_async(lambda: bob.received_friend_requests.get())()
    await database_sync_to_async(check_accept_friend_request)(bob, request.pk)
    sender, _, _ = await open_socket(alice)
    receiver, _, _ = await open_socket(bob)

    ack = await sender.request(type="send", user=bob.pk, client_id="dm-1", body="psst")
    joined = await sender.receive_until("membership.changed")
    assert joined[-1]["summary"]["title"] == "Bob Marley"

    frames = await receiver.receive_until("message")
    assert [f["type"] for f in frames] == ["membership.changed", "message"]
    assert frames[0]["change"] == "joined"
    assert frames[0]["summary"]["kind"] == "direct"
    assert frames[0]["summary"]["people"][0]["username"] == "alice"
    assert (frames[1]["conversation"], frames[1]["seq"]) == (ack["conversation"], 1)
    refused = await (await open_socket(carol))[0].request(
        type="send", user=bob.pk, client_id="dm-2", body="hi stranger"
    )
    assert refused["type"] == "error" and refused["code"] == "forbidden"
    await sender.close()
    await receiver.close()


async def test_a_removed_member_stops_receiving_at_once(room, chat, alice, bob):
    sender, _, _ = await open_socket(alice)
    removed, _, _ = await open_socket(bob)

    await database_sync_to_async(check_remove_member)(alice, room, bob.pk)
    left = await removed.receive()
    await sender.request(type="send", conversation=chat.pk, client_id="after", body="secret")

    assert (left["type"], left["change"], left["conversation"]) == (
        "membership.changed",
        "left",
        chat.pk,
    )
    assert await removed.nothing_more()
    refused = await removed.request(type="send", conversation=chat.pk, client_id="b", body="x")
    assert refused["code"] == "not_found"
    await sender.close()
    await removed.close()


async def test_logging_out_closes_that_sessions_sockets_and_no_other(room, chat, alice, bob):
    socket, _, _ = await open_socket(bob)
    elsewhere, _, _ = await open_socket(bob)  # another login of bob's (its own session)
    sender, _, _ = await open_socket(alice)

    await database_sync_to_async(socket.client.post)("/logout/")

    assert await socket.receive() == {"type": "session.ended"}
    assert (await socket.communicator.receive_output(timeout=5))["type"] == "websocket.close"
    await sender.request(type="send", conversation=chat.pk, client_id="a", body="still here?")
    assert (await elsewhere.receive())["message"]["body"] == "still here?"
    await elsewhere.close()
    await sender.close()


async def test_archived_room_takes_no_messages(room, chat, alice, bob):
    await database_sync_to_async(check_archive_room)(alice, room)
    sender, _, _ = await open_socket(alice)
    receiver, _, _ = await open_socket(bob)

    error = await sender.request(type="send", conversation=chat.pk, client_id="a", body="x")

    assert error["code"] == "forbidden"
    assert await receiver.nothing_more()
    assert not await database_sync_to_async(Message.objects.exists)()
    await sender.close()
    await receiver.close()


class TestBadInput:
    """Every bad frame gets an error event; the socket stays open and nothing is stored."""

    async def assert_error(self, socket, code="invalid", text=None, data=None):
        if data is not None:
            await socket.send_raw(data=data)
        else:
            await socket.send_raw(text=text)
        error = await socket.receive()
        assert error["type"] == "error", error
        assert error["code"] == code
        assert error["message"]
        return error

    async def test_malformed_frames(self, room, chat, alice):
        socket, _, _ = await open_socket(alice)

        await self.assert_error(socket, text="{not json")
        await self.assert_error(socket, text="[1, 2]")
        await self.assert_error(socket, text='"just a string"')
        await self.assert_error(socket, data=b"\x00\x01binary")
        await self.assert_error(socket, text=json.dumps({"type": "teleport"}))
        await self.assert_error(socket, text=json.dumps({"no": "type"}))
        await self.assert_error(socket, text="[" * 20000 + "]" * 20000)
        nested: dict = {"type": "ping"}
        for _ in range(10):
            nested = {"type": "ping", "x": nested}
        await self.assert_error(socket, text=json.dumps(nested))
        too_big = json.dumps({"type": "ping", "pad": "x" * 70_000})
        assert "64 KiB" in (await self.assert_error(socket, text=too_big))["message"]
        for frame in (
            {"type": "send", "conversation": chat.pk, "client_id": "ok"},
            {"type": "send", "conversation": "1", "client_id": "ok", "body": "x"},
            {"type": "send", "conversation": chat.pk, "user": 1, "client_id": "k", "body": "x"},
            {"type": "send", "conversation": chat.pk, "client_id": "bad id!", "body": "x"},
            {"type": "send", "conversation": chat.pk, "client_id": "k", "body": "   "},
            {"type": "send", "conversation": True, "client_id": "k", "body": "x"},
            {"type": "read", "conversation": chat.pk, "seq": -1},
            {"type": "resume", "conversations": [1, 2]},
            {"type": "history", "conversation": chat.pk, "before": 5, "after": 1},
        ):
            await self.assert_error(socket, text=json.dumps(frame))
        assert (await socket.request(type="ping"))["type"] == "pong"
        assert not await database_sync_to_async(Message.objects.exists)()
        await socket.close()

    async def test_too_long_message(self, room, chat, alice):
        socket, _, _ = await open_socket(alice)

        error = await socket.request(
            type="send", conversation=chat.pk, client_id="long", body="x" * 10_001
        )

        assert error["code"] == "invalid"
        assert error["message"] == (
            "A message can be at most 10,000 characters; this one has 10,001."
        )
        assert error["client_id"] == "long"
        await socket.close()

    async def test_someone_elses_conversation_looks_like_a_missing_one(self, room, chat, carol):
        socket, _, _ = await open_socket(carol)

        for conversation in (chat.pk, 987654):
            for frame in (
                {"type": "send", "conversation": conversation, "client_id": "c", "body": "x"},
                {"type": "history", "conversation": conversation},
                {"type": "read", "conversation": conversation, "seq": 1},
            ):
                error = await socket.request(**frame)
                assert (error["code"], error["message"]) == (
                    "not_found",
                    "That conversation was not found.",
                )
        await socket.close()

    @override_settings(SEND_RATE_PER_SECOND=0.01, SEND_RATE_BURST=3)
    async def test_sending_too_fast_is_refused_with_retry_after(self, room, chat, bob):
        socket, _, _ = await open_socket(bob)

        acks = [
            await socket.request(type="send", conversation=chat.pk, client_id=f"m{n}", body="x")
            for n in range(4)
        ]

        assert [a["type"] for a in acks] == ["ack", "ack", "ack", "error"]
        assert acks[3]["code"] == "rate_limited"
        assert acks[3]["retry_after"] > 0
        assert await database_sync_to_async(Message.objects.count)() == 3
        await socket.close()


async def test_renaming_and_archiving_reach_open_sockets(room, chat, alice, bob):
    from parley.messaging.actions.rooms import check_rename_chat, check_update_room

    socket, _, _ = await open_socket(bob)

    await database_sync_to_async(check_rename_chat)(alice, chat, title="plans", description="")
    renamed = await socket.receive()
    await database_sync_to_async(check_update_room)(
        alice, room, title="Crew", slug="crew", description="", is_public=True
    )
    moved = await socket.receive()
    await database_sync_to_async(check_archive_room)(alice, room)
    archived = await socket.receive()

    assert renamed["type"] == "conversation.updated"
    assert (renamed["conversation"], renamed["title"], renamed["chat"]) == (
        chat.pk,
        "Team › plans",
        "plans",
    )
    assert moved["room"] == {"id": room.pk, "slug": "crew", "title": "Crew", "archived": False}
    assert archived["room"]["archived"] is True
    await socket.close()

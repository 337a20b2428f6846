"""Edits, deletes, reactions, replies and moves over the socket: live, in seq order, and
through resume exactly once."""

import pytest
from channels.db import database_sync_to_async
from django.db import transaction
from django.utils import timezone

from parley.core.testing.sockets import open_socket
from parley.messaging.actions._stream import next_seq
from parley.messaging.actions.edit import check_edit_message
from parley.messaging.actions.rooms import check_create_chat
from parley.messaging.actions.send import check_send_message
from parley.messaging.models import ConversationEvent, Message

pytestmark = pytest.mark.django_db(transaction=True)


def send(user, chat, body: str, **extra) -> Message:
    return check_send_message(
        user, conversation_id=chat.pk, client_id=f"c{abs(hash(body))}", body=body, **extra
    ).message


async def test_changes_reach_the_other_member_live_in_seq_order(room, chat, alice, bob):
    message = await database_sync_to_async(send)(alice, chat, "helo")
    author, _, _ = await open_socket(alice)
    reader, _, _ = await open_socket(bob)
    watcher, _, _ = await open_socket(bob)  # another tab of bob's, only listening

    edited = await author.request(type="edit", message=message.pk, body="hello @bob")
    reacted = await reader.request(type="react", message=message.pk, emoji="👋", on=True)
    replied = await reader.request(
        type="send", conversation=chat.pk, client_id="r1", body="hi!", reply_to=message.pk
    )
    deleted = await author.request(type="delete", message=message.pk)

    assert [edited["type"], reacted["type"], replied["type"], deleted["type"]] == [
        "done", "done", "ack", "done"
    ]  # fmt: skip
    events = await watcher.receive_sequenced(4)
    assert [(e["type"], e["seq"]) for e in events] == [
        ("message.edited", 2),
        ("message.reactions", 3),
        ("message", 4),
        ("message.deleted", 5),
    ]
    assert events[0]["message"]["html"] == (
        f'<p>hello <span class="mention" data-user="{bob.pk}">@bob</span></p>'
    )
    assert events[1]["message"]["reactions"] == [
        {"emoji": "👋", "count": 1, "users": [bob.pk], "names": ["Bob Marley"]}
    ]
    assert (events[1]["emoji"], events[1]["user"], events[1]["on"]) == ("👋", bob.pk, True)
    assert events[2]["message"]["reply_to"]["excerpt"] == "hello @bob"
    assert events[3]["message"]["deleted"] is True
    assert events[3]["message"]["body"] == ""
    for socket in (author, reader, watcher):
        await socket.close()


async def test_resume_replays_missed_changes_once_without_deleted_text(room, chat, alice, bob):
    first = await database_sync_to_async(send)(alice, chat, "first")
    reader, _, _ = await open_socket(bob)
    seen = reader.hello["conversations"][0]["last_seq"]
    await reader.close()

    author, _, _ = await open_socket(alice)
    second = await database_sync_to_async(send)(alice, chat, "a secret")
    await author.request(type="edit", message=first.pk, body="first, edited")
    await author.request(type="react", message=first.pk, emoji="👍", on=True)
    await author.request(type="delete", message=second.pk)

    back, _, _ = await open_socket(bob, hold=True)
    await back.send(type="resume", conversations={str(chat.pk): seen}, ref="r")

    *frames, resumed = [
        f for f in await back.receive_until("resumed") if f["type"] not in ("presence", "typing")
    ]
    assert [(f["type"], f["seq"]) for f in frames] == [
        ("message", 2),
        ("message.edited", 3),
        ("message.reactions", 4),
        ("message.deleted", 5),
    ]
    assert "secret" not in str(frames)
    assert frames[1]["message"]["body"] == "first, edited"
    assert resumed["conversations"] == {str(chat.pk): 5}
    assert await back.nothing_more()
    for socket in (author, back):
        await socket.close()


def store_edit_without_publishing(message: Message, body: str) -> int:
    """An edit whose live event the channel layer lost."""
    with transaction.atomic():
        seq, _ = next_seq(message.conversation_id, timezone.now())
        Message.objects.filter(pk=message.pk).update(body=body, updated_seq=seq)
        ConversationEvent.objects.create(
            conversation_id=message.conversation_id, seq=seq, kind="edited", message=message
        )
    return seq


async def test_a_lost_change_is_filled_in_before_the_next_event(room, chat, alice, bob):
    message = await database_sync_to_async(send)(alice, chat, "draft")
    reader, _, _ = await open_socket(bob)

    lost = await database_sync_to_async(store_edit_without_publishing)(message, "final")
    await database_sync_to_async(check_edit_message)(alice, message.pk, "final!")

    frames = await reader.receive_sequenced(2)
    assert [(f["type"], f["seq"]) for f in frames] == [
        ("message.edited", lost),
        ("message.edited", lost + 1),
    ]
    assert frames[1]["message"]["body"] == "final!"
    await reader.close()


async def test_a_move_tells_both_chats(room, chat, alice, bob):
    target = await database_sync_to_async(check_create_chat)(alice, room, title="ops")
    message = await database_sync_to_async(send)(bob, chat, "wrong place")
    reader, _, _ = await open_socket(bob)
    admin, _, _ = await open_socket(alice)

    done = await admin.request(type="move", message=message.pk, to=target.pk)

    assert done["type"] == "done"
    frames = await reader.receive_sequenced(2)
    by_type = {f["type"]: f for f in frames}
    assert by_type["message.moved"]["conversation"] == chat.pk
    assert by_type["message.moved"]["message"]["moved_to"]["conversation"] == target.pk
    assert by_type["message"]["conversation"] == target.pk
    assert by_type["message"]["message"]["body"] == "wrong place"
    for socket in (reader, admin):
        await socket.close()


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ({"type": "react", "message": "MSG", "emoji": "not one", "on": True}, "invalid"),
        ({"type": "react", "message": "MSG", "emoji": "👍", "on": "yes"}, "invalid"),
        ({"type": "edit", "message": 999999999, "body": "x"}, "not_found"),
        ({"type": "edit", "message": "MSG", "body": 5}, "invalid"),
        ({"type": "edit", "message": "MSG", "body": "x" * 10_001}, "invalid"),
        ({"type": "delete"}, "invalid"),
        ({"type": "move", "message": "MSG", "to": True}, "invalid"),
        ({"type": "move", "message": "MSG", "to": 999999999}, "forbidden"),
        ({"type": "send", "conversation": "CHAT", "client_id": "x", "body": "b",
          "reply_to": 999999999}, "not_found"),
    ],
)  # fmt: skip
async def test_bad_change_frames_get_an_error_and_change_nothing(
    room, chat, alice, bob, frame, code
):
    message = await database_sync_to_async(send)(bob, chat, "stable")
    socket, _, _ = await open_socket(bob)
    frame = {
        k: message.pk if v == "MSG" else chat.pk if v == "CHAT" else v for k, v in frame.items()
    }

    reply = await socket.request(**frame)

    assert (reply["type"], reply["code"]) == ("error", code)
    stored = await database_sync_to_async(Message.objects.get)(pk=message.pk)
    assert (stored.body, stored.reactions, stored.updated_seq) == ("stable", [], message.seq)
    assert await socket.nothing_more()
    await socket.close()


async def test_deleting_an_unread_mention_lowers_the_mentioned_users_badge(room, chat, alice, bob):
    message = await database_sync_to_async(send)(alice, chat, "@bob look")
    reader, _, _ = await open_socket(bob)
    assert reader.hello["conversations"][0]["mentions"] == 1
    author, _, _ = await open_socket(alice)

    await author.request(type="delete", message=message.pk)

    frames = await reader.receive_until("read")
    assert frames[-1] == {
        "type": "read", "conversation": chat.pk, "seq": 0, "unread": 1, "mentions": 0
    }  # fmt: skip
    for socket in (reader, author):
        await socket.close()


async def test_a_new_chat_tells_each_member_their_own_role(room, chat, alice, bob):
    owner, _, _ = await open_socket(alice)
    member, _, _ = await open_socket(bob)

    await database_sync_to_async(check_create_chat)(alice, room, title="ops")

    for socket, role in ((owner, "owner"), (member, "member")):
        [joined] = [f for f in await socket.receive_until("membership.changed")]
        assert (joined["summary"]["room"]["role"], joined["summary"]["unread"]) == (role, 0)
        await socket.close()

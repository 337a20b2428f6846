"""The history and conversation-list API: pages by cursor, first unread,
access, bad parameters, query cost."""

import itertools

import pytest
from django.db import connection
from django.urls import reverse

from parley.messaging.actions.delete import check_delete_message
from parley.messaging.actions.groups import check_create_group
from parley.messaging.actions.move import check_move_message
from parley.messaging.actions.rooms import (
    check_archive_room,
    check_create_chat,
    check_create_room,
    check_join_room,
)
from parley.messaging.actions.send import check_send_message
from parley.messaging.models import Conversation, Message
from parley.messaging.rendering import render_markdown

pytestmark = pytest.mark.django_db


def fill(chat, sender, count: int) -> None:
    Message.objects.bulk_create(
        Message(conversation=chat, seq=n, number=n, updated_seq=n, sender=sender,
                client_id=f"f{n}", body=f"m{n}", html=render_markdown(f"m{n}"))
        for n in range(1, count + 1)
    )  # fmt: skip
    Conversation.objects.filter(pk=chat.pk).update(
        last_seq=count, message_count=count, last_message_seq=count
    )


def page(client, chat, **params):
    response = client.get(reverse("api-v1:history", args=[chat.pk]), params)
    return response.status_code, response.json()


def seqs(body):
    return [m["seq"] for m in body["messages"]]


def test_newest_page_then_older_by_cursor(chat, alice, bob_client):
    fill(chat, alice, 120)

    status, first = page(bob_client, chat)
    assert status == 200
    assert seqs(first) == list(range(120, 70, -1)) and first["has_more"]
    _, older = page(bob_client, chat, before=71, limit=100)
    assert seqs(older) == list(range(70, 0, -1)) and not older["has_more"]
    _, newer = page(bob_client, chat, after=100, limit=10)
    assert seqs(newer) == list(range(110, 100, -1)) and newer["has_more"]
    _, capped = page(bob_client, chat, limit=1000)
    assert len(capped["messages"]) == 100


def test_page_around_the_first_unread(chat, alice, bob, bob_client):
    fill(chat, alice, 200)
    chat.participants.filter(user=bob).update(last_read_seq=40, read_count=40)

    _, body = page(bob_client, chat, anchor="first_unread", limit=50)

    assert seqs(body) == list(range(85, 35, -1))
    assert body["last_read_seq"] == 40


def test_conversation_list_sorted_by_activity_with_unread(chat, alice, bob, bob_client):
    other_room = check_create_room(alice, title="Later")
    check_join_room(bob, other_room)
    fill(chat, alice, 3)
    Conversation.objects.filter(pk=chat.pk).update(last_message_at="2026-01-01T00:00:00Z")

    response = bob_client.get(reverse("api-v1:conversations"))

    listed = response.json()["conversations"]
    assert [c["title"] for c in listed] == ["Team › general", "Later › general"]
    assert listed[0]["unread"] == 3
    assert listed[0]["preview"] == {
        "id": Message.objects.get(conversation=chat, seq=3).pk,
        "sender": "Alice Liddell",
        "sender_id": alice.pk,
        "text": "m3",
    }


def test_history_cost_does_not_grow_with_the_conversation(
    chat, alice, bob_client, django_assert_num_queries
):
    fill(chat, alice, 2000)

    with django_assert_num_queries(4):  # session, user, participant, page
        status, _ = page(bob_client, chat, before=1500)
    assert status == 200
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "EXPLAIN SELECT * FROM messaging_message WHERE conversation_id = %s AND seq < %s "
                "ORDER BY seq DESC LIMIT 51",
                [chat.pk, 1500],
            )
            plan = " ".join(row[0] for row in cursor.fetchall())
        assert "message_seq_unique" in plan


def test_someone_elses_conversation_is_not_found(chat, carol):
    from parley.core.testing.clients import client_for

    status, body = page(client_for(carol), chat)

    assert status == 404
    assert body == {"error": {"code": "not_found", "message": "That conversation was not found."}}


def test_anonymous_gets_401_json(client, chat):
    status, body = page(client, chat)

    assert status == 401
    assert body["error"]["code"] == "unauthenticated"


@pytest.mark.parametrize(
    "params", [{"before": "x"}, {"before": "-1"}, {"limit": "0"}, {"before": 5, "after": 2},
               {"anchor": "middle"}, {"after": "9" * 40}]
)  # fmt: skip
def test_bad_parameters_are_400(chat, bob_client, params):
    status, body = page(bob_client, chat, **params)

    assert status == 400
    assert body["error"]["code"] == "invalid"


def test_the_list_shows_every_kind_of_conversation_as_its_member_sees_it(
    room, chat, alice, bob, carol, bob_client
):
    """Each case the list's SQL decides: titles (chat, direct, named and unnamed group),
    people with avatars, previews of live, deleted and moved messages, unread mentions,
    the viewer's role, archived rooms, and the order (no messages last, newest first)."""
    carol.avatar_small.name = "avatars/carol-small.png"
    carol.save(update_fields=["avatar_small"])
    check_join_room(carol, room)  # so that groups with her may be started
    send = itertools.count()

    def say(user, body, conversation=None, to=None):
        return check_send_message(
            user,
            client_id=f"l{next(send)}",
            body=body,
            conversation_id=conversation.pk if conversation else None,
            to_user_id=to.pk if to else None,
        ).message

    quiet = check_create_group(alice, [bob.pk, carol.pk])  # no messages: listed last
    named = check_create_group(bob, [alice.pk, carol.pk], title="Plans")
    say(carol, "the plan", named)
    side = check_create_chat(alice, room, title="side")
    moved = say(bob, "wrong place", side)
    check_move_message(alice, moved.pk, chat.pk)  # alice owns the room
    direct = say(carol, "hi **bob**", to=bob).conversation
    gone = say(carol, "oops", to=bob)
    check_delete_message(carol, gone.pk)
    say(alice, "hey @bob", chat)
    archived = check_create_room(bob, title="Old")
    check_archive_room(bob, archived)

    listed = {
        c["id"]: c for c in bob_client.get(reverse("api-v1:conversations")).json()["conversations"]
    }
    order = list(listed)

    assert order[-1] == quiet.pk and order[-2] == archived.chats.get().pk
    assert order[:4] == [chat.pk, direct.pk, side.pk, named.pk]
    carol_summary = {"id": carol.pk, "username": "carol", "name": carol.name,
                     "avatar": "/media/avatars/carol-small.png", "bot": False}  # fmt: skip
    assert listed[direct.pk]["title"] == carol.name
    assert listed[direct.pk]["people"] == [carol_summary]
    # The last message deleted: the one before it is previewed (no tombstone).
    assert listed[direct.pk]["preview"]["text"] == "hi bob"
    assert listed[direct.pk]["unread"] == 2 and listed[direct.pk]["room"] is None
    assert listed[named.pk]["title"] == "Plans" and listed[named.pk]["kind"] == "group"
    assert [p["username"] for p in listed[named.pk]["people"]] == ["alice", "carol"]
    assert listed[named.pk]["preview"] == {
        "id": Message.objects.get(conversation=named, seq=1).pk,
        "sender": carol.name,
        "sender_id": carol.pk,
        "text": "the plan",
    }
    # Its only message moved away: nothing to preview.
    assert listed[side.pk]["preview"] is None and listed[side.pk]["unread"] == 0
    assert listed[quiet.pk]["title"] == f"{alice.name}, {carol.name}"
    assert listed[quiet.pk]["preview"] is None and listed[quiet.pk]["last_message_at"] is None
    assert listed[chat.pk]["title"] == "Team › general" and listed[chat.pk]["chat"] == "general"
    assert listed[chat.pk]["room"] == {
        "id": room.pk, "slug": room.slug, "title": "Team", "archived": False, "private": False,
        "role": "member",
    }  # fmt: skip
    assert listed[chat.pk]["mentions"] == 1 and listed[chat.pk]["people"] == []
    assert listed[chat.pk]["preview"]["sender"] == alice.name
    assert listed[chat.pk]["last_message_at"].endswith("+00:00")
    assert listed[archived.chats.get().pk]["room"]["archived"] is True

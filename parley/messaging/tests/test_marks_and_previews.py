"""What the conversation list shows of each conversation: your marks (muted, starred), a
chat's description and its room's privacy, and a preview that skips tombstones."""

import json

import pytest

from parley.messaging import selectors
from parley.messaging.actions.delete import check_delete_message
from parley.messaging.actions.rooms import check_create_room, check_join_room
from parley.messaging.actions.send import check_send_message

pytestmark = pytest.mark.django_db(transaction=True)


def say(user, conversation, body, n):
    return check_send_message(
        user, client_id=f"p{n}", body=body, conversation_id=conversation.pk
    ).message


def summary(user, conversation):
    return selectors.conversation_summary(user, conversation.pk)


def test_marks_are_yours_stored_and_told_to_your_sockets(alice, bob, alice_client, listener):
    room = check_create_room(alice, title="Team", description="unused", is_public=False)
    chat = room.chats.get()
    listener.subscribe(alice, bob)

    response = alice_client.patch(
        f"/api/v1/conversations/{chat.pk}",
        json.dumps({"starred": True}),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json() == {"conversation": chat.pk, "muted": False, "starred": True}
    alice_client.patch(
        f"/api/v1/conversations/{chat.pk}",
        json.dumps({"muted": True}),
        content_type="application/json",
    )

    mine = summary(alice, chat)
    assert (mine["muted"], mine["starred"]) == (True, True)
    assert mine["room"]["private"] is True
    assert listener.events_for(alice)[-2:] == [
        {"type": "conversation.marked", "conversation": chat.pk, "muted": False, "starred": True},
        {"type": "conversation.marked", "conversation": chat.pk, "muted": True, "starred": True},
    ]
    assert listener.types_for(bob) == []


def test_marks_on_a_conversation_you_are_not_in_are_not_found(alice, bob, bob_client):
    chat = check_create_room(alice, title="Team", is_public=False).chats.get()
    for body in ({"muted": True}, {"starred": "yes please"}):
        response = bob_client.patch(
            f"/api/v1/conversations/{chat.pk}", json.dumps(body), content_type="application/json"
        )
        assert response.status_code in (400, 404), body
    assert summary(alice, chat)["muted"] is False


def test_a_deleted_last_message_previews_the_one_before_it_or_nothing(alice, bob):
    room = check_create_room(alice, title="Team")
    check_join_room(bob, room)
    chat = room.chats.get()
    first = say(bob, chat, "**first** words", 1)
    last = say(alice, chat, "second", 2)

    check_delete_message(alice, last.pk)
    assert summary(bob, chat)["preview"] == {
        "id": first.pk,
        "sender": "Bob Marley",
        "sender_id": bob.pk,
        "text": "first words",
    }
    check_delete_message(bob, first.pk)
    assert summary(bob, chat)["preview"] is None
    assert summary(bob, chat)["description"] == ""

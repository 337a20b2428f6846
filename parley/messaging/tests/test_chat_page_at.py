"""The chat page opened at a message: /chat/<id>/?at=SEQ and ?message=ID
(parley/messaging/views/chat.py); search results and "moved" notes link there."""

import pytest
from django.urls import reverse

from parley.messaging.actions.edit import check_edit_message
from parley.messaging.actions.rooms import check_create_room
from parley.messaging.actions.send import check_send_message
from parley.messaging.tests.pages import chat_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_send_limit(settings):
    settings.SEND_RATE_BURST = 1000


def fill(chat, user, count):
    return [
        check_send_message(
            user, client_id=f"m{n}", body=f"message {n}", conversation_id=chat.pk
        ).message
        for n in range(1, count + 1)
    ]


def shown_seqs(data: dict) -> list[int]:
    return [m["seq"] for m in reversed(data["history"]["messages"])]


def test_at_opens_the_page_around_that_message(alice, bob, chat, bob_client):
    messages = fill(chat, alice, 120)
    target = messages[59]

    response = bob_client.get(reverse("chat_conversation", args=[chat.pk]), {"at": target.seq})

    data = chat_data(response)
    assert response.status_code == 200
    history = data["history"]
    assert history["anchor"] == target.seq
    assert target.seq in shown_seqs(data)
    assert history["has_more"] is True and history["has_newer"] is True
    assert history["last_seq"] == 120
    # The server-rendered log holds the same page.
    assert f'id="m-{target.pk}"' in response.content.decode()


def test_message_opens_at_that_message_by_its_id(alice, bob, chat, bob_client):
    messages = fill(chat, alice, 80)
    check_edit_message(alice, messages[5].pk, "message 6, fixed")  # seqs need not match ids

    response = bob_client.get(
        reverse("chat_conversation", args=[chat.pk]), {"message": messages[9].pk}
    )

    assert chat_data(response)["history"]["anchor"] == messages[9].seq


def test_a_message_of_another_conversation_opens_it_as_usual(alice, bob, chat, bob_client):
    fill(chat, alice, 3)
    other = check_create_room(alice, title="Other").chats.get()
    elsewhere = check_send_message(
        alice, client_id="x1", body="elsewhere", conversation_id=other.pk
    ).message

    response = bob_client.get(
        reverse("chat_conversation", args=[chat.pk]), {"message": elsewhere.pk}
    )

    data = chat_data(response)
    assert data["history"]["anchor"] is None
    assert data["history"]["has_newer"] is False  # the newest page
    assert "elsewhere" not in response.content.decode()


def test_a_bad_at_is_refused_and_an_outsider_sees_nothing(alice, carol, chat, client):
    fill(chat, alice, 3)
    client.force_login(alice)
    assert client.get(reverse("chat_conversation", args=[chat.pk]), {"at": "x"}).status_code == 400

    client.force_login(carol)
    response = client.get(reverse("chat_conversation", args=[chat.pk]), {"at": 1})
    assert response.status_code == 404

"""The broadcasts page: compose, send, and the record with its read counts."""

import pytest

from parley.broadcasts.models import Broadcast
from parley.broadcasts.tests.conftest import befriend
from parley.core.testing.clients import client_for
from parley.messaging.actions.read import check_mark_read
from parley.messaging.models import Message

pytestmark = pytest.mark.django_db


def test_the_page_offers_friends_rooms_chats_and_shortcuts(alice_client, alice, bob, room):
    befriend(alice, bob)
    page = alice_client.get("/broadcasts/").content.decode()
    assert '<a href="/broadcasts/">Broadcasts</a>' in page  # in the main navigation
    assert f'name="people" value="{bob.pk}"' in page
    assert f'name="rooms" value="{room.pk}"' in page
    assert f'<label for="chat-{room.pk}" class="visually-hidden">Chat in Team</label>' in page
    assert f'name="members_of" value="{room.pk}"' in page
    # The box static/js/broadcasts.js makes a people combobox (tests/browser/test_broadcasts.py).
    assert '<label for="people-q">Find people</label>' in page


def test_sending_from_the_page_opens_its_record(alice_client, alice, bob, room, chat):
    befriend(alice, bob)
    response = alice_client.post(
        "/broadcasts/",
        {"client_id": "p1", "body": "<b>hi</b> all", "people": [bob.pk], "rooms": [room.pk],
         f"chat_{room.pk}": chat.pk},
    )  # fmt: skip
    broadcast = Broadcast.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/broadcasts/{broadcast.pk}/"
    record = alice_client.get(response["Location"]).content.decode()
    assert "&lt;b&gt;hi&lt;/b&gt; all" in record  # escaped
    assert "Read by 0 of 1 person." in record
    copy = broadcast.copies.get(room__isnull=True)
    check_mark_read(bob, copy.conversation_id, copy.seq)
    assert "Read by 1 of 1 person." in alice_client.get(response["Location"]).content.decode()
    listed = alice_client.get("/broadcasts/").content.decode()
    assert "<td data-read>1 of 1</td>" in listed


def test_a_refused_broadcast_shows_why_and_stores_nothing(alice_client, alice, bob):
    response = alice_client.post(
        "/broadcasts/", {"client_id": "p1", "body": "hi", "people": [bob.pk]}
    )
    assert response.status_code == 403
    assert "You can message this person once you are friends or share a room." in (
        response.content.decode()
    )
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"client_id": "p1", "body": "hi", "people": ["x"]},
        {"client_id": "p1", "body": "hi"},
        {"client_id": "p1", "body": "hi\x00", "friends": "on"},
        {"client_id": "p1", "body": "hi", "rooms": ["1"], "chat_1": "²"},
    ],
)
def test_bad_input_is_a_400_page(alice_client, data):
    assert alice_client.post("/broadcasts/", data).status_code == 400
    assert not Broadcast.objects.exists()


def test_someone_elses_record_is_404(alice, bob, alice_client):
    befriend(alice, bob)
    alice_client.post("/broadcasts/", {"client_id": "p1", "body": "hi", "people": [bob.pk]})
    broadcast = Broadcast.objects.get()
    assert client_for(bob).get(f"/broadcasts/{broadcast.pk}/").status_code == 404

"""POST/GET /api/v1/broadcasts: what a script sees."""

import pytest

from parley.accounts.actions.tokens import check_create_api_token
from parley.accounts.tests.factories import UserFactory
from parley.broadcasts.tests.conftest import befriend, block
from parley.messaging.actions.read import check_mark_read
from parley.messaging.actions.rooms import check_create_room
from parley.messaging.models import Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(alice):
    return check_create_api_token(alice, name="t", scope="write", expires_in_days=None)[1]


def post(client, token, **data):
    return client.post(
        "/api/v1/broadcasts", data, content_type="application/json",
        headers={"authorization": f"Bearer {token}"},
    )  # fmt: skip


def get(client, token, path=""):
    return client.get(f"/api/v1/broadcasts{path}", headers={"authorization": f"Bearer {token}"})


def test_a_broadcast_is_sent_listed_and_read(client, token, alice, bob, carol, room, chat):
    befriend(alice, carol)
    stranger = UserFactory.create(username="stranger")
    response = post(
        client, token, client_id="news-1", body="Big *news*",
        people=[bob.pk, carol.pk, stranger.pk], rooms=[{"room": room.pk}],
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    sent = response.json()
    assert sent["duplicate"] is False
    assert sent["html"] == "<p>Big <em>news</em></p>"
    assert sorted(c["kind"] for c in sent["copies"]) == ["person", "person", "room"]
    assert sent["refused"] == [
        {
            "kind": "person", "id": stranger.pk, "name": stranger.name, "code": "forbidden",
            "reason": "You can message this person once you are friends or share a room.",
        }
    ]  # fmt: skip
    assert (sent["recipient_count"], sent["read_count"]) == (2, 0)
    copy = next(c for c in sent["copies"] if c["kind"] == "room")
    assert (copy["room"]["title"], copy["chat"]) == ("Team", chat.title)
    assert copy["conversation"] == chat.pk
    check_mark_read(bob, copy["conversation"], copy["seq"])

    listed = get(client, token).json()
    assert [(b["id"], b["read_count"], b["copy_count"]) for b in listed["broadcasts"]] == [
        (sent["id"], 1, 3)
    ]
    assert get(client, token, f"/{sent['id']}").json()["read_count"] == 1


def test_a_retry_answers_the_original_and_sends_nothing(client, token, alice, bob):
    befriend(alice, bob)
    first = post(client, token, client_id="r", body="once", people=[bob.pk])
    count = Message.objects.count()
    again = post(client, token, client_id="r", body="once", people=[bob.pk])
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["duplicate"] is True and again.json()["id"] == first.json()["id"]
    assert Message.objects.count() == count


def test_nobody_reachable_is_403_with_the_refusals(client, token, alice, bob):
    befriend(alice, bob)
    block(bob, alice)
    response = post(client, token, client_id="x", body="hi", people=[bob.pk])
    assert response.status_code == 403
    assert [r["id"] for r in response.json()["error"]["refused"]] == [bob.pk]
    assert get(client, token).json()["broadcasts"] == []


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"client_id": "a", "body": "hi", "people": [5, 5]}, "people"),
        ({"client_id": "a", "body": "hi"}, "people"),
        ({"client_id": "a", "body": "a\u0000b", "people": [5]}, "body"),
        ({"client_id": "a b", "body": "hi", "people": [5]}, "client_id"),
        ({"client_id": "a", "body": "hi", "rooms": [{"room": 1, "chat": "2"}]}, "rooms.0.chat"),
        ({"client_id": "a", "body": "hi", "people": [5], "extra": 1}, "extra"),
    ],
)
def test_bad_input_is_400_naming_the_field(client, token, data, field):
    response = post(client, token, **data)
    assert response.status_code == 400
    assert response.json()["error"]["field"] == field


def test_a_chat_of_another_room_is_400(client, token, alice, room):
    other = check_create_room(alice, title="Other")
    chat = other.chats.get(is_default=True)
    response = post(
        client, token, client_id="a", body="hi", rooms=[{"room": room.pk, "chat": chat.pk}]
    )
    assert (response.status_code, response.json()["error"]["field"]) == (400, "rooms")


def test_over_the_rate_limit_is_429_with_retry_after(client, token, alice, bob, settings):
    befriend(alice, bob)
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "broadcast": (0.01, 1)}
    assert post(client, token, client_id="a", body="hi", people=[bob.pk]).status_code == 201
    response = post(client, token, client_id="b", body="hi", people=[bob.pk])
    assert response.status_code == 429
    assert float(response["Retry-After"]) > 0


def test_someone_elses_broadcast_is_404(client, token, alice, bob):
    befriend(alice, bob)
    bobs = check_create_api_token(bob, name="t", scope="write", expires_in_days=None)[1]
    sent = post(client, bobs, client_id="a", body="hi", people=[alice.pk]).json()
    assert get(client, token, f"/{sent['id']}").status_code == 404
    assert get(client, token, "/999999").status_code == 404

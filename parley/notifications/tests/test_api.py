"""Notification preferences over the REST API (/api/v1/notifications)."""

import pytest

from parley.core.testing.clients import client_for
from parley.notifications.policy import wants_notification

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications"


def test_read_and_change_preferences(bob_client, bob):
    prefs = bob_client.get(URL).json()
    assert prefs["do_not_disturb"] is False and prefs["email_delay_seconds"] == 120
    assert prefs["defaults"] == {"direct": "everything", "group": "everything", "room": "mentions"}
    answer = bob_client.patch(
        URL, {"do_not_disturb": True, "email_delay_seconds": 600}, content_type="application/json"
    )
    assert answer.status_code == 200
    assert answer.json()["do_not_disturb"] is True
    assert bob_client.get(URL).json()["email_delay_seconds"] == 600


@pytest.mark.parametrize(
    "body",
    [
        {"email_delay_seconds": -1},
        {"email_delay_seconds": 86401},
        {"email_delay_seconds": "60"},
        {"email_delay_seconds": 1.5},
        {"push": "false"},
        {"is_staff": True},
    ],
)
def test_bad_changes_are_refused(bob_client, body):
    answer = bob_client.patch(URL, body, content_type="application/json")
    assert answer.status_code == 400
    assert bob_client.get(URL).json()["email_delay_seconds"] == 120


def test_levels_where_you_are_and_nowhere_else(alice, bob, bob_client, direct, chat, carol):
    answer = bob_client.put(
        f"{URL}/conversations/{direct.pk}", {"level": "nothing"}, content_type="application/json"
    )
    assert answer.json() == {"conversation": direct.pk, "room": None, "level": "nothing"}
    assert not wants_notification(bob.pk, direct.pk, mentioned=True, direct=True, channel="email")
    answer = bob_client.put(
        f"{URL}/conversations/{chat.pk}", {"level": "everything"}, content_type="application/json"
    )
    assert answer.json() == {"conversation": None, "room": chat.room_id, "level": "everything"}
    carol_client = client_for(carol)
    theirs = carol_client.put(
        f"{URL}/conversations/{direct.pk}", {"level": "everything"}, content_type="application/json"
    )
    missing = carol_client.put(
        f"{URL}/conversations/999999", {"level": "everything"}, content_type="application/json"
    )
    room = carol_client.put(
        f"{URL}/rooms/{chat.room_id}", {"level": "everything"}, content_type="application/json"
    )
    assert theirs.status_code == missing.status_code == room.status_code == 404
    assert theirs.json() == missing.json()
    bad = bob_client.put(
        f"{URL}/conversations/{direct.pk}", {"level": "loud"}, content_type="application/json"
    )
    assert bad.status_code == 400
    assert bob_client.get(URL).json()["conversations"] == {str(direct.pk): "nothing"}

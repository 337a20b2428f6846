"""Settings → Notifications and the conversation menu's level, through HTTP."""

import pytest

from parley.core.testing.clients import client_for
from parley.notifications.policy import preferences_of, wants_notification

pytestmark = pytest.mark.django_db


def test_the_settings_page_saves_the_switches(bob, direct, room):
    client = client_for(bob)
    page = client.get("/settings/notifications/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<label for="id_email_delay_seconds">Email after</label>' in html
    assert f'<label for="level-c{direct.pk}">Alice Liddell</label>' in html
    assert f'<label for="level-r{room.pk}">Room Team</label>' in html
    answer = client.post(
        "/settings/notifications/",
        {"action": "settings", "email_enabled": "on", "email_delay_seconds": "300",
         "do_not_disturb": "on"},
    )  # fmt: skip
    assert answer.status_code == 302
    prefs = preferences_of(bob.pk)
    assert prefs["do_not_disturb"] is True and prefs["push"] is False  # unticked
    from parley.notifications.selectors import settings_of

    assert settings_of(bob).email_delay_seconds == 300


def test_the_settings_page_saves_levels(bob, direct, room):
    client = client_for(bob)
    answer = client.post(
        "/settings/notifications/",
        {"action": "levels", f"level-c{direct.pk}": "mentions", f"level-r{room.pk}": "everything"},
    )
    assert answer.status_code == 302
    prefs = preferences_of(bob.pk)
    assert prefs["conversations"] == {str(direct.pk): "mentions"}
    assert prefs["rooms"] == {str(room.pk): "everything"}


@pytest.mark.parametrize(
    "form",
    [
        {"action": "settings", "email_delay_seconds": "-5"},
        {"action": "settings", "email_delay_seconds": "12\x00"},
        {"action": "settings", "email_delay_seconds": "9" * 40},
        {"action": "levels", "level-c999999": "nothing"},
        {"action": "levels", "level-x1": "nothing"},
        {"action": "levels", "level-c": "nothing"},
        {"action": "levels", "level-c\u00b2": "nothing"},
        {"action": "levels", "level-c9999999999999999999": "nothing"},
        {"action": "levels", "level-r\u0663": "nothing"},
    ],
)
def test_bad_forms_answer_400_and_change_nothing(bob, direct, form):
    answer = client_for(bob).post("/settings/notifications/", form)
    assert answer.status_code == 400
    assert preferences_of(bob.pk)["conversations"] == {}
    from parley.notifications.selectors import settings_of

    assert settings_of(bob).email_delay_seconds == 120


def test_the_conversation_menu_sets_its_level(alice, bob, carol, direct, chat):
    client = client_for(bob)
    answer = client.post(
        f"/chat/{direct.pk}/notifications/", {"level": "nothing"}, HTTP_ACCEPT="application/json"
    )
    assert answer.json() == {"conversation": direct.pk, "level": "nothing"}

    def pushed():
        return wants_notification(bob.pk, direct.pk, mentioned=True, direct=True, channel="push")

    assert pushed() is False
    # A chat's level is its room's.
    client.post(f"/chat/{chat.pk}/notifications/", {"level": "everything"})
    assert preferences_of(bob.pk)["rooms"] == {str(chat.room_id): "everything"}
    # Someone else's conversation and a missing one answer alike, and change nothing.
    outsider = client_for(carol)
    theirs = outsider.post(f"/chat/{direct.pk}/notifications/", {"level": "everything"})
    missing = outsider.post("/chat/999999/notifications/", {"level": "everything"})
    assert theirs.status_code == missing.status_code == 404
    assert b"That conversation was not found." in theirs.content
    assert b"That conversation was not found." in missing.content
    assert pushed() is False
    bad = client.post(f"/chat/{direct.pk}/notifications/", {"level": "loud"})
    assert bad.status_code == 400


def test_settings_need_a_login(client):
    assert client.get("/settings/notifications/").status_code == 302


def test_the_admin_shows_preferences_and_batches(admin_client, bob, direct):
    from django.urls import reverse

    from parley.notifications.actions import check_set_level, check_update_settings

    check_update_settings(bob, do_not_disturb=True)
    check_set_level(bob, direct.pk, "mentions")
    for model in ("notificationsettings", "conversationlevel", "emailbatch", "scancursor"):
        page = admin_client.get(reverse(f"admin:notifications_{model}_changelist"))
        assert page.status_code == 200, model

"""The policy every channel follows: levels, their defaults, do-not-disturb, switches."""

import pytest

from parley.core.errors import ParleyError
from parley.messaging.actions.send import check_send_message
from parley.notifications.actions import (
    check_set_level,
    check_set_room_level,
    check_update_settings,
)
from parley.notifications.policy import (
    notification_targets,
    preferences_of,
    wants_notification,
)

pytestmark = pytest.mark.django_db


def wants(user, conversation, *, mentioned=False, channel="push"):
    return wants_notification(
        user.pk,
        conversation.pk,
        mentioned=mentioned,
        direct=conversation.room_id is None,
        channel=channel,
    )


def test_defaults_direct_everything_rooms_mentions_only(bob, direct, chat):
    assert wants(bob, direct) is True
    assert wants(bob, chat) is False
    assert wants(bob, chat, mentioned=True) is True
    # A room's non-mention message by email needs the rooms opt-in as well.
    check_set_room_level(bob, chat.room_id, "everything")
    assert wants(bob, chat, channel="push") is True
    assert wants(bob, chat, channel="email") is False
    check_update_settings(bob, email_rooms=True)
    assert wants(bob, chat, channel="email") is True


def test_level_nothing_silences_even_mentions(bob, direct, chat):
    check_set_level(bob, direct.pk, "nothing")
    check_set_level(bob, chat.pk, "nothing")  # a chat's level is its room's
    for channel in ("email", "push", "desktop"):
        assert wants(bob, direct, mentioned=True, channel=channel) is False
        assert wants(bob, chat, mentioned=True, channel=channel) is False


def test_level_mentions_in_a_direct_conversation(bob, direct):
    check_set_level(bob, direct.pk, "mentions")
    assert wants(bob, direct) is False
    assert wants(bob, direct, mentioned=True) is True


def test_do_not_disturb_silences_every_channel(bob, direct):
    check_update_settings(bob, do_not_disturb=True)
    for channel in ("email", "push", "desktop"):
        assert wants(bob, direct, mentioned=True, channel=channel) is False
    check_update_settings(bob, do_not_disturb=False)
    assert wants(bob, direct, channel="email") is True


def test_channel_switches_are_separate(bob, direct):
    check_update_settings(bob, push_enabled=False)
    assert wants(bob, direct, channel="push") is False
    assert wants(bob, direct, channel="email") is True
    assert wants(bob, direct, channel="desktop") is True


def test_targets_of_a_message(alice, bob, carol, chat):
    from parley.messaging.actions.rooms import check_join_room

    check_join_room(carol, chat.room)
    check_set_room_level(carol, chat.room_id, "everything")
    message = check_send_message(alice, client_id="m1", body="hi @bob", conversation_id=chat.pk)
    targets = notification_targets(message.message)
    assert targets == {
        bob.pk: {"email", "push", "desktop"},  # mentioned
        carol.pk: {"push", "desktop"},  # everything, but no rooms opt-in for email
    }  # alice, the sender, never


def test_levels_are_only_set_where_the_user_is(alice, bob, carol, direct, room):
    with pytest.raises(ParleyError) as missing:
        check_set_level(carol, direct.pk, "nothing")
    with pytest.raises(ParleyError) as absent:
        check_set_level(carol, 10**9, "nothing")
    assert missing.value.code == absent.value.code == "not_found"
    assert str(missing.value) == str(absent.value)
    with pytest.raises(ParleyError):
        check_set_room_level(carol, room.pk, "nothing")
    assert preferences_of(carol.pk)["conversations"] == {}


@pytest.mark.parametrize(
    "changes",
    [
        {"level": "loud"},
        {"email_delay_seconds": -1},
        {"email_delay_seconds": 10**9},
        {"email_delay_seconds": True},
        {"email_delay_seconds": "120"},
        {"do_not_disturb": "yes"},
        {"is_staff": True},
    ],
)
def test_bad_settings_are_refused_and_change_nothing(bob, changes):
    with pytest.raises(ParleyError):
        check_update_settings(bob, **changes)
    assert preferences_of(bob.pk)["do_not_disturb"] is False


def test_a_bad_level_is_refused(bob, direct):
    with pytest.raises(ParleyError) as refused:
        check_set_level(bob, direct.pk, "loud\x00")
    assert refused.value.code == "invalid"
    assert preferences_of(bob.pk)["conversations"] == {}


def test_targets_cost_a_fixed_number_of_queries(alice, bob, carol, chat, django_assert_num_queries):
    from parley.messaging.actions.rooms import check_join_room

    message = check_send_message(alice, client_id="q1", body="hi", conversation_id=chat.pk).message
    with django_assert_num_queries(4):
        notification_targets(message)
    check_join_room(carol, chat.room)
    check_set_room_level(carol, chat.room_id, "everything")
    with django_assert_num_queries(4):
        assert set(notification_targets(message)) == {carol.pk}

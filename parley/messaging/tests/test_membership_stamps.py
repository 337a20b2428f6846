"""Every action that adds or removes a user's Participant rows gives that user a new
membership stamp in the same transaction (MembershipStamp), and nothing else does: the
stamp is how a socket whose joined or left event was lost finds out
(parley/realtime/tests/test_membership_repair.py)."""

from typing import Any

import pytest
from django.urls import reverse

from parley.accounts.actions.friends import check_accept_friend_request, check_send_friend_request
from parley.accounts.tests.factories import UserFactory
from parley.messaging.actions import rooms
from parley.messaging.actions.edit import check_edit_message
from parley.messaging.actions.groups import check_add_to_group, check_create_group
from parley.messaging.actions.react import check_react
from parley.messaging.actions.read import check_mark_read
from parley.messaging.actions.send import check_send_message
from parley.messaging.models import MembershipStamp, Participant

pytestmark = pytest.mark.django_db


def stamps() -> dict[int, int]:
    return dict(MembershipStamp.objects.values_list("user_id", "stamp"))


def changed(before: dict[int, int]) -> set[int]:
    """The users whose stamp is not what it was in `before`."""
    return {user_id for user_id, stamp in stamps().items() if before.get(user_id) != stamp}


def test_room_membership_changes_stamp_exactly_the_users_concerned(alice, bob, carol):
    before = stamps()
    room = rooms.check_create_room(alice, title="Team")
    assert changed(before) == {alice.pk}

    before = stamps()
    rooms.check_join_room(bob, room)
    assert changed(before) == {bob.pk}

    before = stamps()
    rooms.check_join_room(bob, room)  # already in: nothing changes
    assert changed(before) == set()

    before = stamps()
    rooms.check_create_chat(alice, room, title="plans")
    assert changed(before) == {alice.pk, bob.pk}

    before = stamps()
    rooms.check_leave_room(bob, room)
    assert changed(before) == {bob.pk}

    private = rooms.check_create_room(alice, title="Hidden", is_public=False)
    invite = rooms.check_invite_to_room(alice, private, carol)
    before = stamps()
    rooms.check_accept_invite(carol, invite.pk)
    assert changed(before) == {carol.pk}

    before = stamps()
    rooms.check_remove_member(alice, private, carol.pk)
    assert changed(before) == {carol.pk}

    rooms.check_join_room(bob, room)
    before = stamps()
    rooms.check_delete_room(alice, room)
    assert changed(before) == {alice.pk, bob.pk}


def test_groups_and_direct_conversations_stamp_their_new_members(alice, bob, carol):
    room = rooms.check_create_room(alice, title="Team")
    dave: Any = UserFactory(username="dave")
    for user in (bob, carol, dave):
        rooms.check_join_room(user, room)

    before = stamps()
    group = check_create_group(alice, [bob.pk, carol.pk])
    assert changed(before) == {alice.pk, bob.pk, carol.pk}

    before = stamps()
    check_add_to_group(bob, group.pk, [carol.pk, dave.pk])  # carol is in already
    assert changed(before) == {dave.pk}

    check_send_friend_request(alice, bob)
    check_accept_friend_request(bob, bob.received_friend_requests.get().pk)
    before = stamps()
    check_send_message(alice, to_user_id=bob.pk, client_id="dm-1", body="psst")
    assert changed(before) == {alice.pk, bob.pk}

    before = stamps()
    check_send_message(alice, to_user_id=bob.pk, client_id="dm-2", body="again")
    assert changed(before) == set()


def test_what_leaves_memberships_alone_leaves_the_stamps_alone(alice, bob):
    room = rooms.check_create_room(alice, title="Team")
    rooms.check_join_room(bob, room)
    chat: Any = room.chats.get()
    before = stamps()

    sent = check_send_message(alice, conversation_id=chat.pk, client_id="m1", body="hi")
    check_edit_message(alice, sent.message.pk, "hi there")
    check_react(bob, sent.message.pk, "👍", True)
    check_mark_read(bob, chat.pk, sent.message.seq)
    rooms.check_change_role(alice, room, bob.pk, "admin")
    rooms.check_archive_room(alice, room)
    rooms.check_rename_chat(alice, chat, title="lobby", description="")

    assert changed(before) == set()


def test_participants_changed_in_the_admin_stamp_their_users(admin_client, alice, bob):
    room = rooms.check_create_room(alice, title="Team")
    rooms.check_join_room(bob, room)
    row = Participant.objects.get(user=bob)
    before = stamps()

    response = admin_client.post(
        reverse("admin:messaging_participant_delete", args=[row.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Participant.objects.filter(user=bob).exists()
    assert changed(before) == {bob.pk}

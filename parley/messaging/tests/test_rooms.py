"""Rooms and groups through their actions: membership sync, roles, archive, slugs, invites."""

import importlib
import re
from typing import Any

import pytest

from parley.accounts.models import Block, Friendship
from parley.accounts.tests.factories import UserFactory
from parley.core.errors import ErrorCode, ParleyError
from parley.messaging.access import access_room
from parley.messaging.actions import rooms
from parley.messaging.actions.groups import check_add_to_group, check_create_group
from parley.messaging.models import Conversation, Participant, Room, RoomInvite, RoomMember

pytestmark = pytest.mark.django_db


def person(**fields: Any) -> Any:
    """A new user (typed loosely: factory_boy's types say UserFactory)."""
    return UserFactory(**fields)


def people(count: int) -> list[Any]:
    return [person() for _ in range(count)]


def refused(code: ErrorCode, action, *args, **kwargs) -> ParleyError:
    with pytest.raises(ParleyError) as caught:
        action(*args, **kwargs)
    assert caught.value.code == code, caught.value.message
    return caught.value


def chat_ids(user, room) -> set[int]:
    return set(
        Participant.objects.filter(user=user, conversation__room=room).values_list(
            "conversation_id", flat=True
        )
    )


def role_of(user, room) -> str | None:
    return RoomMember.objects.filter(room=room, user=user).values_list("role", flat=True).first()


def befriend(a, b) -> None:
    low, high = sorted((a, b), key=lambda u: u.pk)
    Friendship.objects.create(user_low=low, user_high=high)


@pytest.fixture
def room(alice):
    return rooms.check_create_room(alice, title="Team", description="  Our team  ")


@pytest.fixture
def private_room(alice):
    return rooms.check_create_room(alice, title="Secret", is_public=False)


# --- Creating, slugs --------------------------------------------------------


def test_a_new_room_has_its_owner_and_a_default_chat(room, alice):
    [chat] = room.chats.all()

    assert (room.slug, room.description, room.owner) == ("team", "Our team", alice)
    assert (chat.title, chat.is_default, chat.kind) == ("general", True, "chat")
    assert role_of(alice, room) == "owner"
    assert chat_ids(alice, room) == {chat.pk}


def test_slugs_are_unique_and_never_shadow_a_page(alice, bob):
    assert rooms.check_create_room(alice, title="Team").slug == "team"
    assert rooms.check_create_room(bob, title="team!").slug == "team-2"
    assert rooms.check_create_room(alice, title="New").slug == "new-2"
    assert rooms.check_create_room(alice, title="Invites").slug == "invites-2"
    assert rooms.check_create_room(alice, title="¿¡!").slug == "room"


@pytest.mark.parametrize(
    ("title", "description"), [("", ""), ("   ", ""), ("x" * 81, ""), ("ok", "d" * 1001)]
)
def test_a_room_needs_a_sensible_title_and_description(alice, title, description):
    refused(ErrorCode.INVALID, rooms.check_create_room, alice, title=title, description=description)
    assert not Room.objects.exists()


def test_editing_a_room(room, alice):
    rooms.check_update_room(
        alice, room, title=" Team A ", slug="The-A-Team", description="new", is_public=False
    )

    room.refresh_from_db()
    assert (room.title, room.description, room.is_public) == ("Team A", "new", False)
    assert re.fullmatch(r"the-a-team-[a-z2-9]{8}", room.slug)  # private: a random suffix


def test_an_empty_address_is_made_from_the_title(room, alice):
    rooms.check_update_room(alice, room, title="Blue Sky", slug="", description="", is_public=True)
    assert Room.objects.get(pk=room.pk).slug == "blue-sky"


@pytest.mark.parametrize("slug", ["other", "OTHER", "new", "invites"])
def test_a_taken_or_reserved_address_is_refused_and_nothing_changes(room, alice, slug):
    rooms.check_create_room(alice, title="Other")

    error = refused(
        ErrorCode.CONFLICT,
        rooms.check_update_room,
        alice,
        room,
        title="Changed",
        slug=slug,
        description="",
        is_public=True,
    )

    assert error.details == {"field": "slug"}
    assert (room.title, room.slug) == ("Team", "team")  # the instance is untouched too
    room.refresh_from_db()
    assert (room.title, room.slug) == ("Team", "team")


def test_only_the_owner_and_admins_edit_a_room(room, private_room, bob, carol):
    rooms.check_join_room(bob, room)
    edit = {"title": "Mine", "slug": "mine", "description": "", "is_public": True}

    refused(ErrorCode.FORBIDDEN, rooms.check_update_room, bob, room, **edit)  # a member
    refused(ErrorCode.FORBIDDEN, rooms.check_update_room, carol, room, **edit)  # not a member
    refused(ErrorCode.NOT_FOUND, rooms.check_update_room, carol, private_room, **edit)
    assert set(Room.objects.values_list("title", flat=True)) == {"Team", "Secret"}


# --- Membership and its Participant rows -----------------------------------


def test_joining_gives_a_participant_in_every_chat_and_joining_again_is_harmless(room, alice, bob):
    second = rooms.check_create_chat(alice, room, title="random")

    rooms.check_join_room(bob, room)
    rooms.check_join_room(bob, room)

    assert chat_ids(bob, room) == set(room.chats.values_list("pk", flat=True))
    assert len(chat_ids(bob, room)) == 2 and second.pk in chat_ids(bob, room)
    assert role_of(bob, room) == "member"


def test_a_new_chat_has_every_member_and_only_members(room, alice, bob, carol):
    rooms.check_join_room(bob, room)

    chat = rooms.check_create_chat(bob, room, title=" plans ", description=" dates ")

    assert (chat.title, chat.description, chat.created_by) == ("plans", "dates", bob)
    assert set(chat.participants.values_list("user__username", flat=True)) == {"alice", "bob"}
    refused(ErrorCode.FORBIDDEN, rooms.check_create_chat, carol, room, title="mine")
    error = refused(ErrorCode.INVALID, rooms.check_create_chat, bob, room, title=" ")
    assert error.message == "A chat needs a title."


def test_leaving_deletes_the_participants_and_the_owner_cannot_leave(room, alice, bob):
    rooms.check_create_chat(alice, room, title="random")
    rooms.check_join_room(bob, room)

    rooms.check_leave_room(bob, room)

    assert chat_ids(bob, room) == set() and role_of(bob, room) is None
    refused(ErrorCode.FORBIDDEN, rooms.check_leave_room, alice, room)
    refused(ErrorCode.NOT_FOUND, rooms.check_leave_room, bob, room)
    assert role_of(alice, room) == "owner" and len(chat_ids(alice, room)) == 2


def test_removal_deletes_the_participants(room, alice, bob):
    rooms.check_join_room(bob, room)

    rooms.check_remove_member(alice, room, bob.pk)

    assert chat_ids(bob, room) == set() and role_of(bob, room) is None
    refused(ErrorCode.NOT_FOUND, rooms.check_remove_member, alice, room, bob.pk)


def test_who_may_remove_whom(room, alice, bob, carol):
    dave = person(username="dave")
    for user in (bob, carol, dave):
        rooms.check_join_room(user, room)
    rooms.check_change_role(alice, room, bob.pk, "admin")
    rooms.check_change_role(alice, room, carol.pk, "admin")

    refused(ErrorCode.FORBIDDEN, rooms.check_remove_member, bob, room, alice.pk)  # the owner
    refused(ErrorCode.FORBIDDEN, rooms.check_remove_member, alice, room, alice.pk)
    refused(ErrorCode.FORBIDDEN, rooms.check_remove_member, bob, room, carol.pk)  # another admin
    refused(ErrorCode.FORBIDDEN, rooms.check_remove_member, dave, room, bob.pk)  # a member
    assert RoomMember.objects.filter(room=room).count() == 4

    rooms.check_remove_member(bob, room, dave.pk)  # an admin removes a member
    rooms.check_remove_member(alice, room, carol.pk)  # the owner removes an admin
    assert set(room.members.values_list("user__username", flat=True)) == {"alice", "bob"}


# --- Roles ----------------------------------------------------------------


def test_the_owner_appoints_admins_who_can_manage(room, alice, bob):
    rooms.check_join_room(bob, room)

    member = rooms.check_change_role(alice, room, bob.pk, "admin")

    assert member.role == "admin" and rooms.check_room_manager(bob, room).can_manage
    rooms.check_change_role(alice, room, bob.pk, "member")
    refused(ErrorCode.FORBIDDEN, rooms.check_room_manager, bob, room)


def test_only_the_owner_changes_roles(room, alice, bob, carol):
    rooms.check_join_room(bob, room)
    rooms.check_join_room(carol, room)
    rooms.check_change_role(alice, room, bob.pk, "admin")

    refused(ErrorCode.FORBIDDEN, rooms.check_change_role, bob, room, carol.pk, "admin")
    refused(ErrorCode.FORBIDDEN, rooms.check_change_role, bob, room, bob.pk, "owner")
    refused(ErrorCode.FORBIDDEN, rooms.check_change_role, carol, room, carol.pk, "admin")
    refused(ErrorCode.INVALID, rooms.check_change_role, alice, room, carol.pk, "king")
    refused(ErrorCode.NOT_FOUND, rooms.check_change_role, alice, room, 999_999, "admin")
    refused(ErrorCode.FORBIDDEN, rooms.check_change_role, alice, room, alice.pk, "member")
    assert (role_of(alice, room), role_of(bob, room), role_of(carol, room)) == (
        "owner",
        "admin",
        "member",
    )


def test_handing_the_room_over(room, alice, bob):
    rooms.check_join_room(bob, room)

    rooms.check_change_role(alice, room, bob.pk, "owner")

    room.refresh_from_db()
    assert room.owner == bob
    assert (role_of(alice, room), role_of(bob, room)) == ("admin", "owner")
    rooms.check_leave_room(alice, room)  # no longer the owner, so free to go
    refused(ErrorCode.FORBIDDEN, rooms.check_delete_room, alice, room)


# --- Archive and delete ---------------------------------------------------


def test_an_archived_room_takes_no_new_members_chats_or_invites(room, alice, bob, carol):
    rooms.check_invite_to_room(alice, room, carol)
    invite = RoomInvite.objects.get()

    rooms.check_archive_room(alice, room)

    refused(ErrorCode.FORBIDDEN, rooms.check_join_room, bob, room)
    refused(ErrorCode.FORBIDDEN, rooms.check_create_chat, alice, room, title="more")
    refused(ErrorCode.FORBIDDEN, rooms.check_invite_to_room, alice, room, bob)
    refused(ErrorCode.FORBIDDEN, rooms.check_accept_invite, carol, invite.pk)
    assert room.members.count() == 1 and room.chats.count() == 1
    assert RoomInvite.objects.filter(pk=invite.pk).exists()

    rooms.check_archive_room(alice, room, archived=False)
    rooms.check_join_room(bob, room)
    assert role_of(bob, room) == "member"


def test_only_managers_archive(room, bob):
    rooms.check_join_room(bob, room)
    refused(ErrorCode.FORBIDDEN, rooms.check_archive_room, bob, room)
    assert not Room.objects.get(pk=room.pk).is_archived


def test_the_owner_deletes_a_room_with_everything_in_it(room, alice, bob):
    rooms.check_join_room(bob, room)
    rooms.check_change_role(alice, room, bob.pk, "admin")

    refused(ErrorCode.FORBIDDEN, rooms.check_delete_room, bob, room)
    rooms.check_delete_room(alice, room)

    assert not Room.objects.exists()
    assert not Conversation.objects.exists() and not Participant.objects.exists()


# --- No name reveals a private room ---------------------------------------

SUFFIXED = r"-[a-z2-9]{8}"


def test_a_private_room_takes_no_address_anyone_could_pick(alice, bob):
    secret = rooms.check_create_room(alice, title="Secret", is_public=False)

    assert re.fullmatch("secret" + SUFFIXED, secret.slug)
    # bob, who can't see it, gets what he would get if it were not there.
    assert rooms.check_create_room(bob, title="Secret").slug == "secret"
    assert rooms.check_create_room(bob, title="Secret!").slug == "secret-2"
    other_secret = rooms.check_create_room(bob, title="Secret", is_public=False)
    assert re.fullmatch("secret" + SUFFIXED, other_secret.slug)
    assert other_secret.slug != secret.slug


def test_an_address_change_answers_the_same_whichever_room_holds_it(alice, bob):
    secret = rooms.check_create_room(alice, title="Secret", is_public=False)
    visible = rooms.check_create_room(alice, title="Open")
    mine = rooms.check_create_room(bob, title="Mine")
    edit: dict[str, Any] = {"title": "Mine", "description": "", "is_public": True}

    rooms.check_update_room(bob, mine, slug="secret", **edit)  # the plain name is free
    taken_by_private = refused(
        ErrorCode.CONFLICT, rooms.check_update_room, bob, mine, slug=secret.slug, **edit
    )
    taken_by_public = refused(
        ErrorCode.CONFLICT, rooms.check_update_room, bob, mine, slug=visible.slug, **edit
    )

    assert Room.objects.get(pk=mine.pk).slug == "secret"
    assert taken_by_private.as_dict() == {
        **taken_by_public.as_dict(),
        "message": taken_by_public.message.replace(visible.slug, secret.slug),
    }


def test_a_room_turning_private_gets_a_suffixed_address_and_keeps_it(room, alice, bob):
    rooms.check_update_room(alice, room, title="Team", slug="team", description="", is_public=False)
    slug = Room.objects.get(pk=room.pk).slug
    assert re.fullmatch("team" + SUFFIXED, slug)

    rooms.check_update_room(
        alice, room, title="Team!", slug=slug, description="us", is_public=False
    )
    assert Room.objects.get(pk=room.pk).slug == slug
    assert rooms.check_create_room(bob, title="Team").slug == "team"
    rooms.check_update_room(alice, room, title="Team", slug="crew", description="", is_public=False)
    assert re.fullmatch("crew" + SUFFIXED, Room.objects.get(pk=room.pk).slug)


def test_existing_private_rooms_get_suffixed_addresses(alice):
    from django.apps import apps

    migration = importlib.import_module("parley.messaging.migrations.0003_private_room_slugs")
    private = rooms.check_create_room(alice, title="Old", is_public=False)
    Room.objects.filter(pk=private.pk).update(slug="old")  # as made before the change
    public = rooms.check_create_room(alice, title="Public")

    migration.suffix_private_slugs(apps, None)

    assert re.fullmatch("old" + SUFFIXED, Room.objects.get(pk=private.pk).slug)
    assert Room.objects.get(pk=public.pk).slug == "public"


# --- Private rooms and invitations ----------------------------------------


def test_a_private_room_looks_missing_to_outsiders(private_room, bob):
    hidden = refused(ErrorCode.NOT_FOUND, access_room, bob, private_room.slug)
    missing = refused(ErrorCode.NOT_FOUND, access_room, bob, "no-such-room")

    assert hidden.as_dict() == missing.as_dict()
    refused(ErrorCode.NOT_FOUND, rooms.check_join_room, bob, private_room)
    assert role_of(bob, private_room) is None


def test_accepting_an_invitation_joins_every_chat(private_room, alice, bob):
    rooms.check_create_chat(alice, private_room, title="plans")
    invite = rooms.check_invite_to_room(alice, private_room, bob)
    assert rooms.check_invite_to_room(alice, private_room, bob) == invite  # twice is harmless

    assert rooms.check_accept_invite(bob, invite.pk) == private_room

    assert role_of(bob, private_room) == "member"
    assert chat_ids(bob, private_room) == set(private_room.chats.values_list("pk", flat=True))
    assert not RoomInvite.objects.exists()
    assert access_room(bob, private_room.slug)[1] is not None


def test_declining_an_invitation(private_room, alice, bob, carol):
    invite = rooms.check_invite_to_room(alice, private_room, bob)

    refused(ErrorCode.NOT_FOUND, rooms.check_accept_invite, carol, invite.pk)
    refused(ErrorCode.NOT_FOUND, rooms.do_decline_invite, carol, invite.pk)
    rooms.do_decline_invite(bob, invite.pk)

    assert not RoomInvite.objects.exists() and role_of(bob, private_room) is None
    refused(ErrorCode.NOT_FOUND, rooms.check_accept_invite, bob, invite.pk)


def test_an_invitee_may_also_join_directly(private_room, alice, bob):
    rooms.check_invite_to_room(alice, private_room, bob)

    rooms.check_join_room(bob, private_room)

    assert role_of(bob, private_room) == "member" and not RoomInvite.objects.exists()


def test_who_can_be_invited_and_by_whom(private_room, alice, bob, carol):
    rooms.check_invite_to_room(alice, private_room, bob)
    rooms.check_accept_invite(bob, RoomInvite.objects.get().pk)

    refused(ErrorCode.CONFLICT, rooms.check_invite_to_room, alice, private_room, bob)
    refused(ErrorCode.FORBIDDEN, rooms.check_invite_to_room, bob, private_room, carol)
    refused(ErrorCode.NOT_FOUND, rooms.check_invite_to_room, carol, private_room, bob)
    Block.objects.create(blocker=carol, blocked=alice)
    refused(ErrorCode.FORBIDDEN, rooms.check_invite_to_room, alice, private_room, carol)
    assert not RoomInvite.objects.exists()


def test_withdrawing_an_invitation(private_room, alice, bob, carol):
    invite = rooms.check_invite_to_room(alice, private_room, bob)

    refused(ErrorCode.NOT_FOUND, rooms.check_cancel_invite, carol, private_room, invite.pk)
    rooms.check_cancel_invite(alice, private_room, invite.pk)

    assert not RoomInvite.objects.exists()
    refused(ErrorCode.NOT_FOUND, rooms.check_cancel_invite, alice, private_room, invite.pk)


# --- Events ---------------------------------------------------------------


def test_joining_and_leaving_tell_the_members_sockets(alice, bob, listener):
    room = rooms.check_create_room(alice, title="Team")
    second = rooms.check_create_chat(alice, room, title="random")
    listener.subscribe(bob)

    rooms.check_join_room(bob, room)
    joined = listener.events_for(bob)
    rooms.check_leave_room(bob, room)
    left = listener.events_for(bob)

    chats = {room.chats.get(is_default=True).pk, second.pk}
    assert {(e["type"], e["change"], e["conversation"]) for e in joined} == {
        ("membership.changed", "joined", pk) for pk in chats
    }
    assert {e["summary"]["room"]["slug"] for e in joined} == {"team"}
    assert {(e["change"], e["conversation"]) for e in left} == {("left", pk) for pk in chats}


# --- Groups ---------------------------------------------------------------


def test_a_group_of_friends(alice, bob, carol):
    befriend(alice, bob)
    befriend(alice, carol)

    group = check_create_group(alice, [bob.pk, carol.pk, alice.pk], title=" Trip ")

    assert (group.kind, group.title) == ("group", "Trip")
    assert set(group.participants.values_list("user__username", flat=True)) == {
        "alice",
        "bob",
        "carol",
    }


def test_a_group_needs_three_to_twenty_reachable_people(alice, bob, carol):
    befriend(alice, bob)
    many = people(20)
    for user in many:
        befriend(alice, user)

    assert refused(ErrorCode.INVALID, check_create_group, alice, [bob.pk]).details == {
        "field": "people"
    }
    refused(ErrorCode.INVALID, check_create_group, alice, [u.pk for u in many])
    refused(ErrorCode.FORBIDDEN, check_create_group, alice, [bob.pk, carol.pk])  # not friends
    refused(ErrorCode.NOT_FOUND, check_create_group, alice, [bob.pk, 999_999])
    refused(ErrorCode.INVALID, check_create_group, alice, [bob.pk, many[0].pk], title="t" * 81)
    assert not Conversation.objects.filter(kind="group").exists()

    group = check_create_group(alice, [u.pk for u in many[:19]])
    assert group.participants.count() == 20
    refused(ErrorCode.INVALID, check_add_to_group, alice, group.pk, [bob.pk])

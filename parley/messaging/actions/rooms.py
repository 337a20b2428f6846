"""Rooms, their members and their chats.

Room membership is mirrored into Participant rows for each chat of the room, so that a
member can read every chat and nothing else; every function here keeps the two in step
and tells the affected users' sockets to follow or drop the chats' streams.
"""

import secrets
from typing import Literal

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from parley.accounts.models import User
from parley.accounts.selectors import is_blocked_either_way
from parley.core.errors import ErrorCode, ParleyError, not_found
from parley.events.catalogue import InviteReceived, InviteRemoved
from parley.events.publish import publish_to_users
from parley.messaging.actions._membership import (
    announce_joined,
    announce_updated,
    end_membership,
    record_membership_change,
)
from parley.messaging.events import invite_data
from parley.messaging.models import Conversation, Participant, Room, RoomInvite, RoomMember

Role = RoomMember.Role
DEFAULT_CHAT_TITLE = "general"
TITLE_MAX, DESCRIPTION_MAX, SLUG_MAX = 80, 1000, 80
# Room addresses that would shadow a page under /rooms/.
RESERVED_SLUGS = frozenset({"new", "invites"})


# A private room's address ends in a random suffix of its own (40 bits), so no address a
# person picks or a title makes can collide with a private room: nobody learns that one
# exists from a name that is taken. Public rooms, which everyone can see anyway, take the
# plain name, or name-2, name-3... when it is taken.
_SUFFIX_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
_SUFFIX_LENGTH = 8
BASE_MAX = SLUG_MAX - _SUFFIX_LENGTH - 1


def _private_slug(base: str) -> str:
    suffix = "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(_SUFFIX_LENGTH))
    return f"{base[:BASE_MAX].strip('-') or 'room'}-{suffix}"


def _unique_slug(title: str, is_public: bool, exclude_pk: int | None = None) -> str:
    """A free address made from `title` (or a base the user gave)."""
    base = slugify(title)[:BASE_MAX].strip("-") or "room"
    taken = Room.objects.all() if exclude_pk is None else Room.objects.exclude(pk=exclude_pk)
    if not is_public:
        slug = _private_slug(base)
        while taken.filter(slug=slug).exists():  # all but never
            slug = _private_slug(base)
        return slug
    slug, n = base, 2
    while slug in RESERVED_SLUGS or taken.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _check_title(title: str, what: str = "A room") -> str:
    title = title.strip()
    if not title:
        raise ParleyError(ErrorCode.INVALID, f"{what} needs a title.", field="title")
    if len(title) > TITLE_MAX:
        raise ParleyError(
            ErrorCode.INVALID, f"A title can be at most {TITLE_MAX} characters.", field="title"
        )
    return title


def _check_description(description: str) -> str:
    description = description.strip()
    if len(description) > DESCRIPTION_MAX:
        raise ParleyError(
            ErrorCode.INVALID,
            f"A description can be at most {DESCRIPTION_MAX} characters.",
            field="description",
        )
    return description


def _membership_or_refuse(room: Room, actor: User) -> RoomMember:
    """`actor`'s membership. Not a member: not_found for a private room, else forbidden."""
    membership = RoomMember.objects.filter(room=room, user=actor).first()
    if membership is None:
        raise (
            not_found("That room")
            if not room.is_public
            else ParleyError(ErrorCode.FORBIDDEN, "Only members can do that.")
        )
    return membership


def check_room_manager(actor: User, room: Room) -> RoomMember:
    """`actor`'s membership if they are the room's owner or an admin; refused otherwise."""
    membership = _membership_or_refuse(room, actor)
    if not membership.can_manage:
        raise ParleyError(ErrorCode.FORBIDDEN, "Only the room's owner and admins can do that.")
    return membership


def check_room_owner(actor: User, room: Room) -> RoomMember:
    """`actor`'s membership if they own the room; refused otherwise."""
    membership = _membership_or_refuse(room, actor)
    if membership.role != Role.OWNER:
        raise ParleyError(ErrorCode.FORBIDDEN, "Only the owner can do that.")
    return membership


def _check_not_archived(room: Room) -> None:
    if room.is_archived:
        raise ParleyError(ErrorCode.FORBIDDEN, "This room is archived.")


def _lock_room(room: Room) -> None:
    """Serialise membership changes and chat creation in one room (inside a transaction).

    Without it a join racing a new chat could leave the newcomer without that chat.
    """
    list(Room.objects.select_for_update().filter(pk=room.pk).values_list("pk", flat=True))


def _add_member(room: Room, user: User, role: str = Role.MEMBER) -> RoomMember:
    _lock_room(room)
    membership, created = RoomMember.objects.get_or_create(
        room=room, user=user, defaults={"role": role}
    )
    if created:
        for chat in room.chats.all():
            Participant.objects.get_or_create(conversation=chat, user=user)
            announce_joined(chat, [user.pk])
        record_membership_change([user.pk])
    RoomInvite.objects.filter(room=room, invitee=user).delete()
    return membership


def _remove_member(room: Room, user_id: int) -> None:
    _lock_room(room)
    chat_ids = list(room.chats.values_list("pk", flat=True))
    end_membership(chat_ids, [user_id])
    Participant.objects.filter(conversation_id__in=chat_ids, user_id=user_id).delete()
    RoomMember.objects.filter(room=room, user_id=user_id).delete()
    record_membership_change([user_id])


def check_create_room(
    owner: User, *, title: str, description: str = "", is_public: bool = True
) -> Room:
    """A new room owned by `owner`, with its default chat."""
    title = _check_title(title)
    description = _check_description(description)
    return do_create_room(owner, title=title, description=description, is_public=is_public)


def do_create_room(owner: User, *, title: str, description: str, is_public: bool) -> Room:
    """Create the room with a free address, its default chat and its owner's membership."""
    for _ in range(5):
        try:
            with transaction.atomic():
                room = Room.objects.create(
                    title=title,
                    slug=_unique_slug(title, is_public),
                    description=description,
                    owner=owner,
                    is_public=is_public,
                )
                Conversation.objects.create(
                    kind=Conversation.Kind.CHAT,
                    room=room,
                    title=DEFAULT_CHAT_TITLE,
                    is_default=True,
                    created_by=owner,
                )
                _add_member(room, owner, Role.OWNER)
                return room
        except IntegrityError:
            continue  # another room took the slug between the check and the insert
    raise ParleyError(ErrorCode.CONFLICT, "Could not find a free address for that room.")


def check_update_room(
    actor: User, room: Room, *, title: str, slug: str, description: str, is_public: bool
) -> Room:
    """Owner and admins edit a room's title, address, description and visibility.

    An empty `slug` makes one from the title. A private room's address gets a random
    suffix whenever it changes (and when the room turns private), so it never collides
    with one that someone else picks; a public one that is taken or reserved is a
    conflict, the same answer whichever room, visible or not, holds it.
    """
    check_room_manager(actor, room)
    title = _check_title(title)
    description = _check_description(description)
    slug = slugify(slug)[:SLUG_MAX].strip("-")
    if not slug:
        slug = _unique_slug(title, is_public, exclude_pk=room.pk)
    elif not is_public and (slug != room.slug or room.is_public):
        slug = _unique_slug(slug, is_public=False, exclude_pk=room.pk)
    if slug in RESERVED_SLUGS or Room.objects.exclude(pk=room.pk).filter(slug=slug).exists():
        raise _slug_taken(slug)
    return do_update_room(
        room, title=title, slug=slug, description=description, is_public=is_public
    )


def _slug_taken(slug: str) -> ParleyError:
    return ParleyError(ErrorCode.CONFLICT, f"The address “{slug}” is taken.", field="slug")


def do_update_room(room: Room, *, title: str, slug: str, description: str, is_public: bool) -> Room:
    """Save the room's new title, address, description and visibility and tell its chats'
    members; a conflict if another room took the address meanwhile."""
    room.title, room.slug, room.description, room.is_public = title, slug, description, is_public
    try:
        with transaction.atomic():
            room.save()
    except IntegrityError:
        room.refresh_from_db()  # another room took the slug between the check and the save
        raise _slug_taken(slug) from None
    announce_updated(room.chats.select_related("room"))
    return room


def check_join_room(user: User, room: Room) -> RoomMember:
    """Join a public room (or a private one `user` is invited to). Joining twice is harmless."""
    if not room.is_public and not (
        RoomInvite.objects.filter(room=room, invitee=user).exists()
        or RoomMember.objects.filter(room=room, user=user).exists()
    ):
        raise not_found("That room")
    _check_not_archived(room)
    return do_join_room(user, room)


def do_join_room(user: User, room: Room) -> RoomMember:
    """Make `user` a member of `room` (and of its chats); their invitation is used up."""
    with transaction.atomic():
        return _add_member(room, user)


def check_leave_room(user: User, room: Room) -> None:
    """Leave a room. The owner must hand the room over (or delete it) first."""
    membership = RoomMember.objects.filter(room=room, user=user).first()
    if membership is None:
        raise not_found("That room")
    if membership.role == Role.OWNER:
        raise ParleyError(
            ErrorCode.FORBIDDEN, "The owner can't leave; make someone else owner first."
        )
    do_remove_member(room, user.pk)


InviteRemovedReason = Literal["accepted", "declined", "cancelled"]


def check_invite_to_room(actor: User, room: Room, invitee: User) -> RoomInvite:
    """Owner and admins invite a user, who accepts or declines. Inviting twice is harmless."""
    check_room_manager(actor, room)
    _check_not_archived(room)
    if not invitee.is_active:
        raise not_found("That person")
    if RoomMember.objects.filter(room=room, user=invitee).exists():
        raise ParleyError(
            ErrorCode.CONFLICT, f"{invitee.name} is already a member.", field="username"
        )
    if is_blocked_either_way(actor, invitee):
        raise ParleyError(ErrorCode.FORBIDDEN, f"You can't invite {invitee.name}.")
    return do_invite_to_room(actor, room, invitee)


def do_invite_to_room(actor: User, room: Room, invitee: User) -> RoomInvite:
    """`actor`'s invitation of `invitee` to `room` (the pending one, if there is one); a
    new one is announced to the invitee (invite.received)."""
    invite, created = RoomInvite.objects.get_or_create(
        room=room, invitee=invitee, defaults={"invited_by": actor}
    )
    if created:
        publish_to_users([invitee.pk], InviteReceived(invite=invite_data(invite)))
    return invite


def _invite_removed(invitee_id: int, invite_id: int, reason: InviteRemovedReason) -> None:
    """Tell the invitee's pages that an invitation is no longer pending."""
    publish_to_users([invitee_id], InviteRemoved(invite=invite_id, reason=reason))


def check_cancel_invite(actor: User, room: Room, invite_id: int) -> None:
    """Owner and admins withdraw a pending invitation to their room."""
    check_room_manager(actor, room)
    do_cancel_invite(room, invite_id)


def do_cancel_invite(room: Room, invite_id: int) -> None:
    """Delete an invitation to `room`; not found if there is none."""
    invitee_id = (
        RoomInvite.objects.filter(pk=invite_id, room=room)
        .values_list("invitee_id", flat=True)
        .first()
    )
    deleted, _ = RoomInvite.objects.filter(pk=invite_id, room=room).delete()
    if not deleted or invitee_id is None:
        raise not_found("That invitation")
    _invite_removed(invitee_id, invite_id, "cancelled")


def check_accept_invite(user: User, invite_id: int) -> Room:
    """Join the room of an invitation addressed to `user` (not while the room is archived)."""
    invite = RoomInvite.objects.select_related("room").filter(pk=invite_id, invitee=user).first()
    if invite is None:
        raise not_found("That invitation")
    _check_not_archived(invite.room)
    do_join_room(user, invite.room)
    _invite_removed(user.pk, invite_id, "accepted")
    return invite.room


def do_decline_invite(user: User, invite_id: int) -> None:
    """Delete an invitation addressed to `user`; not found if there is none."""
    deleted, _ = RoomInvite.objects.filter(pk=invite_id, invitee=user).delete()
    if not deleted:
        raise not_found("That invitation")
    _invite_removed(user.pk, invite_id, "declined")


def check_remove_member(actor: User, room: Room, user_id: int) -> None:
    """Owner and admins remove a member (admins cannot remove the owner or other admins)."""
    manager = check_room_manager(actor, room)
    target = RoomMember.objects.filter(room=room, user_id=user_id).first()
    if target is None:
        raise not_found("That member")
    if target.role == Role.OWNER or (target.role == Role.ADMIN and manager.role != Role.OWNER):
        raise ParleyError(ErrorCode.FORBIDDEN, "You can't remove that member.")
    do_remove_member(room, user_id)


def do_remove_member(room: Room, user_id: int) -> None:
    """Take a user out of `room` and its chats; their sockets drop the chats at once."""
    with transaction.atomic():
        _remove_member(room, user_id)


def check_change_role(actor: User, room: Room, user_id: int, role: str) -> RoomMember:
    """The owner makes members admins or back; passing "owner" hands the room over.

    Runs under the room's row lock, so two changes to one room happen one after the other.
    """
    with transaction.atomic():
        _lock_room(room)
        manager = check_room_owner(actor, room)
        if role not in Role.values:
            raise ParleyError(
                ErrorCode.INVALID, "The role must be owner, admin or member.", field="role"
            )
        target = RoomMember.objects.filter(room=room, user_id=user_id).first()
        if target is None:
            raise not_found("That member")
        if target.pk == manager.pk:
            raise ParleyError(
                ErrorCode.FORBIDDEN, "You own the room; to step down, hand it to someone else."
            )
        return do_change_role(room, manager, target, role)


def do_change_role(room: Room, owner: RoomMember, target: RoomMember, role: str) -> RoomMember:
    """Give `target` the `role`; "owner" hands the room over and makes `owner` an admin.

    Inside check_change_role's transaction, under the room's row lock.
    """
    if role == Role.OWNER:
        RoomMember.objects.filter(pk=owner.pk).update(role=Role.ADMIN)
        room.owner_id = target.user_id
        room.save(update_fields=["owner", "updated_at"])
    target.role = role
    target.save(update_fields=["role"])
    return target


def check_archive_room(actor: User, room: Room, archived: bool = True) -> Room:
    """An archived room stays readable but takes no new messages."""
    check_room_manager(actor, room)
    return do_archive_room(room, archived)


def do_archive_room(room: Room, archived: bool) -> Room:
    """Archive (or reopen) `room` and tell its chats' members."""
    room.is_archived = archived
    room.save(update_fields=["is_archived", "updated_at"])
    announce_updated(room.chats.select_related("room"))
    return room


def check_delete_room(actor: User, room: Room) -> None:
    """The owner deletes a room with all its chats and messages."""
    check_room_owner(actor, room)
    do_delete_room(room)


def do_delete_room(room: Room) -> None:
    """Delete `room` with its chats and messages; its members' sockets drop the chats."""
    with transaction.atomic():
        chats = list(room.chats.values_list("pk", flat=True))
        members = list(RoomMember.objects.filter(room=room).values_list("user_id", flat=True))
        end_membership(chats, members)
        room.delete()
        record_membership_change(members)


def check_chat_creator(actor: User, room: Room) -> RoomMember:
    """`actor`'s membership if they may start a chat in the room: a member, room not archived."""
    membership = _membership_or_refuse(room, actor)
    _check_not_archived(room)
    return membership


def check_create_chat(
    actor: User, room: Room, *, title: str, description: str = ""
) -> Conversation:
    """Any member creates a chat (topic); every member can read it."""
    check_chat_creator(actor, room)
    title = _check_title(title, "A chat")
    description = _check_description(description)
    return do_create_chat(actor, room, title=title, description=description)


def do_create_chat(actor: User, room: Room, *, title: str, description: str) -> Conversation:
    """Create a chat in `room` for all its members and announce it to them."""
    with transaction.atomic():
        _lock_room(room)
        chat = Conversation.objects.create(
            kind=Conversation.Kind.CHAT,
            room=room,
            title=title,
            description=description,
            created_by=actor,
        )
        member_ids = list(RoomMember.objects.filter(room=room).values_list("user_id", flat=True))
        Participant.objects.bulk_create(
            [Participant(conversation=chat, user_id=uid) for uid in member_ids]
        )
        record_membership_change(member_ids)
        announce_joined(chat, member_ids)
    return chat


def check_rename_chat(
    actor: User, chat: Conversation, *, title: str, description: str
) -> Conversation:
    """Owner and admins rename a chat of their room."""
    if chat.room is None:
        raise not_found("That chat")
    check_room_manager(actor, chat.room)
    title = _check_title(title, "A chat")
    return do_rename_chat(chat, title=title, description=_check_description(description))


def do_rename_chat(chat: Conversation, *, title: str, description: str) -> Conversation:
    """Save a chat's new title and description and tell its members."""
    chat.title, chat.description = title, description
    chat.save(update_fields=["title", "description"])
    announce_updated([chat])
    return chat

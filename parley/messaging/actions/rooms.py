"""Rooms, their members and their chats.

Room membership is mirrored into Participant rows for each chat of the room, so that a
member can read every chat and nothing else; every function here keeps the two in step
and tells the affected users' sockets to follow or drop the chats' streams.
"""

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from parley.accounts.models import User
from parley.core.errors import ErrorCode, ParleyError, not_found
from parley.messaging.membership import announce_joined, announce_left
from parley.messaging.models import Conversation, Participant, Room, RoomInvite, RoomMember

Role = RoomMember.Role
DEFAULT_CHAT_TITLE = "general"


def _unique_slug(title: str, exclude_pk: int | None = None) -> str:
    base = slugify(title)[:70] or "room"
    slug, n = base, 2
    taken = Room.objects.all() if exclude_pk is None else Room.objects.exclude(pk=exclude_pk)
    while taken.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _check_title(title: str) -> str:
    title = title.strip()
    if not title:
        raise ParleyError(ErrorCode.INVALID, "A room needs a title.")
    if len(title) > 80:
        raise ParleyError(ErrorCode.INVALID, "A title can be at most 80 characters.")
    return title


def _require_manager(room: Room, actor: User) -> RoomMember:
    membership = RoomMember.objects.filter(room=room, user=actor).first()
    if membership is None:
        raise (
            not_found("That room")
            if not room.is_public
            else ParleyError(ErrorCode.FORBIDDEN, "Only members can do that.")
        )
    if not membership.can_manage:
        raise ParleyError(ErrorCode.FORBIDDEN, "Only the room's owner and admins can do that.")
    return membership


def _add_member(room: Room, user: User, role: str = Role.MEMBER) -> RoomMember:
    membership, created = RoomMember.objects.get_or_create(
        room=room, user=user, defaults={"role": role}
    )
    if created:
        for chat in room.chats.all():
            Participant.objects.get_or_create(conversation=chat, user=user)
            announce_joined(chat, user.pk)
    RoomInvite.objects.filter(room=room, invitee=user).delete()
    return membership


def _remove_member(room: Room, user_id: int) -> None:
    chat_ids = list(room.chats.values_list("pk", flat=True))
    Participant.objects.filter(conversation_id__in=chat_ids, user_id=user_id).delete()
    RoomMember.objects.filter(room=room, user_id=user_id).delete()
    for chat_id in chat_ids:
        announce_left(chat_id, user_id)


def create_room(owner: User, *, title: str, description: str = "", is_public: bool = True) -> Room:
    """A new room owned by `owner`, with its default chat."""
    title = _check_title(title)
    for _ in range(5):
        try:
            with transaction.atomic():
                room = Room.objects.create(
                    title=title,
                    slug=_unique_slug(title),
                    description=description.strip(),
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


def update_room(
    actor: User, room: Room, *, title: str, slug: str, description: str, is_public: bool
) -> Room:
    """Owner and admins edit a room's title, address, description and visibility."""
    _require_manager(room, actor)
    title = _check_title(title)
    slug = slugify(slug)[:80] or _unique_slug(title, exclude_pk=room.pk)
    if Room.objects.exclude(pk=room.pk).filter(slug=slug).exists():
        raise ParleyError(ErrorCode.CONFLICT, f"The address “{slug}” is taken.")
    room.title, room.slug, room.description, room.is_public = (
        title,
        slug,
        description.strip(),
        is_public,
    )
    room.save()
    return room


def join_room(user: User, room: Room) -> RoomMember:
    """Join a public room."""
    if not room.is_public and not RoomInvite.objects.filter(room=room, invitee=user).exists():
        raise not_found("That room")
    if room.is_archived:
        raise ParleyError(ErrorCode.FORBIDDEN, "This room is archived.")
    with transaction.atomic():
        return _add_member(room, user)


def leave_room(user: User, room: Room) -> None:
    """Leave a room. The owner must hand the room over (or delete it) first."""
    membership = RoomMember.objects.filter(room=room, user=user).first()
    if membership is None:
        raise not_found("That room")
    if membership.role == Role.OWNER:
        raise ParleyError(
            ErrorCode.FORBIDDEN, "The owner can't leave; make someone else owner first."
        )
    with transaction.atomic():
        _remove_member(room, user.pk)


def invite_to_room(actor: User, room: Room, invitee: User) -> RoomInvite:
    """Owner and admins invite a user; the invitee accepts or declines."""
    _require_manager(room, actor)
    if RoomMember.objects.filter(room=room, user=invitee).exists():
        raise ParleyError(ErrorCode.CONFLICT, f"{invitee.name} is already a member.")
    invite, _ = RoomInvite.objects.get_or_create(
        room=room, invitee=invitee, defaults={"invited_by": actor}
    )
    return invite


def accept_invite(user: User, invite_id: int) -> Room:
    invite = RoomInvite.objects.select_related("room").filter(pk=invite_id, invitee=user).first()
    if invite is None:
        raise not_found("That invitation")
    with transaction.atomic():
        _add_member(invite.room, user)
    return invite.room


def decline_invite(user: User, invite_id: int) -> None:
    deleted, _ = RoomInvite.objects.filter(pk=invite_id, invitee=user).delete()
    if not deleted:
        raise not_found("That invitation")


def remove_member(actor: User, room: Room, user_id: int) -> None:
    """Owner and admins remove a member (admins cannot remove the owner or other admins)."""
    manager = _require_manager(room, actor)
    target = RoomMember.objects.filter(room=room, user_id=user_id).first()
    if target is None:
        raise not_found("That member")
    if target.role == Role.OWNER or (target.role == Role.ADMIN and manager.role != Role.OWNER):
        raise ParleyError(ErrorCode.FORBIDDEN, "You can't remove that member.")
    with transaction.atomic():
        _remove_member(room, user_id)


def change_role(actor: User, room: Room, user_id: int, role: str) -> RoomMember:
    """The owner makes members admins or back; passing "owner" hands the room over."""
    manager = _require_manager(room, actor)
    if role not in Role.values:
        raise ParleyError(ErrorCode.INVALID, "The role must be owner, admin or member.")
    target = RoomMember.objects.filter(room=room, user_id=user_id).first()
    if target is None:
        raise not_found("That member")
    if manager.role != Role.OWNER:
        raise ParleyError(ErrorCode.FORBIDDEN, "Only the owner can change roles.")
    with transaction.atomic():
        if role == Role.OWNER:
            RoomMember.objects.filter(pk=manager.pk).update(role=Role.ADMIN)
            room.owner_id = user_id
            room.save(update_fields=["owner", "updated_at"])
        elif target.role == Role.OWNER:
            raise ParleyError(ErrorCode.FORBIDDEN, "Hand the room to someone else first.")
        target.role = role
        target.save(update_fields=["role"])
    return target


def archive_room(actor: User, room: Room, archived: bool = True) -> Room:
    """An archived room stays readable but takes no new messages."""
    _require_manager(room, actor)
    room.is_archived = archived
    room.save(update_fields=["is_archived", "updated_at"])
    return room


def delete_room(actor: User, room: Room) -> None:
    """The owner deletes a room with all its chats and messages."""
    membership = RoomMember.objects.filter(room=room, user=actor).first()
    if membership is None or membership.role != Role.OWNER:
        raise ParleyError(ErrorCode.FORBIDDEN, "Only the owner can delete a room.")
    with transaction.atomic():
        chats = list(room.chats.values_list("pk", flat=True))
        members = list(RoomMember.objects.filter(room=room).values_list("user_id", flat=True))
        for chat_id in chats:
            for user_id in members:
                announce_left(chat_id, user_id)
        room.delete()


def create_chat(actor: User, room: Room, *, title: str, description: str = "") -> Conversation:
    """Any member creates a chat (topic); every member can read it."""
    if not RoomMember.objects.filter(room=room, user=actor).exists():
        raise not_found("That room")
    if room.is_archived:
        raise ParleyError(ErrorCode.FORBIDDEN, "This room is archived.")
    title = _check_title(title)
    with transaction.atomic():
        chat = Conversation.objects.create(
            kind=Conversation.Kind.CHAT,
            room=room,
            title=title,
            description=description.strip(),
            created_by=actor,
        )
        member_ids = list(RoomMember.objects.filter(room=room).values_list("user_id", flat=True))
        Participant.objects.bulk_create(
            [Participant(conversation=chat, user_id=uid) for uid in member_ids]
        )
        for uid in member_ids:
            announce_joined(chat, uid)
    return chat


def rename_chat(actor: User, chat: Conversation, *, title: str, description: str) -> Conversation:
    """Owner and admins rename a chat."""
    assert chat.room is not None
    _require_manager(chat.room, actor)
    chat.title = _check_title(title)
    chat.description = description.strip()
    chat.save(update_fields=["title", "description"])
    return chat

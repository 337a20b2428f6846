"""Rooms: browse, create, read, edit, archive, delete, join and leave; members and their
roles; invitations (a room's, and the caller's own); a room's chats.

A room is addressed by its id (`GET /api/v1/rooms/7`), which never changes; its slug
(the page's address) changes with a private room's title. A private room is invisible to
non-members on every route: each answers exactly as for a room that does not exist.
Endpoints call the room pages' actions (parley.messaging.actions.rooms) and take the same
rate-limit tokens ("room", "invite").
"""

from typing import Annotated, Any, cast

from annotated_types import MaxLen
from django.db.models import QuerySet
from ninja import Router, Status
from pydantic import Field, StringConstraints

from parley.accounts.access import access_user
from parley.accounts.events import user_summary
from parley.accounts.models import User
from parley.api.paging import Cursor, paged
from parley.api.shapes import (
    ERRORS,
    WITH_CONFLICT,
    Chat,
    ChatList,
    Invite,
    InvitePage,
    Member,
    MemberPage,
    RoomData,
    RoomList,
)
from parley.api.types import Description, Id, Input, Title, UpTo100
from parley.core.http import AuthenticatedRequest
from parley.core.ratelimit import check_rate
from parley.events.catalogue import Role
from parley.messaging import selectors
from parley.messaging.access import access_chat, access_room_by_id
from parley.messaging.actions import rooms
from parley.messaging.models import Conversation, Room, RoomInvite, RoomMember

router = Router(tags=["rooms"])


def room_data(viewer: User, room: Room) -> RoomData:
    """`room` as `viewer` sees it, member count and their role read afresh."""
    return _room_dict(selectors.room_for(viewer, room))


def _room_dict(room: Any) -> RoomData:
    """A room annotated with `member_count` and the viewer's `my_role` (as the selectors
    public_rooms given a viewer, rooms_of and room_for give them)."""
    return {
        "id": room.pk,
        "slug": room.slug,
        "title": room.title,
        "description": room.description,
        "private": not room.is_public,
        "archived": room.is_archived,
        "role": room.my_role,
        "member_count": room.member_count,
    }


def _member_dict(member: RoomMember) -> Member:
    return {
        "user": user_summary(member.user),
        "role": cast(Role, member.role),
        "joined_at": member.joined_at.isoformat(),
    }


def _chat_dict(chat: Conversation) -> Chat:
    assert chat.room_id is not None  # a chat always belongs to a room
    return {
        "id": chat.pk,
        "room": chat.room_id,
        "title": chat.title,
        "description": chat.description,
        "default": chat.is_default,
    }


def _invite_dict(invite: RoomInvite) -> Invite:
    room = invite.room
    return {
        "id": invite.pk,
        "room": {
            "id": room.pk,
            "slug": room.slug,
            "title": room.title,
            "archived": room.is_archived,
        },
        "invitee": user_summary(invite.invitee),
        "invited_by": user_summary(invite.invited_by),
        "created_at": invite.created_at.isoformat(),
    }


# --- Browsing and the caller's own -------------------------------------------------------


@router.get("", response={200: RoomList, **ERRORS}, url_name="rooms")
def browse(
    request: AuthenticatedRequest,
    q: Annotated[str, MaxLen(80)] = "",
    after: Cursor | None = None,
    limit: UpTo100 = 50,
) -> dict[str, Any]:
    """Public rooms whose title or description contains `q` (any case): open rooms first,
    then archived ones, by title. `limit` a page; the next page is `after` this one's
    `next` (with the same `q`)."""
    found = selectors.browsable_rooms(q, viewer=request.user)
    return paged(found, after, limit, "rooms", _room_dict)


@router.get("/mine", response={200: RoomList, **ERRORS}, url_name="my_rooms")
def my_rooms(
    request: AuthenticatedRequest, after: Cursor | None = None, limit: UpTo100 = 50
) -> dict[str, Any]:
    """The rooms you are a member of, public or private, by title; the next page is
    `after` this one's `next`."""
    return paged(selectors.rooms_of(request.user), after, limit, "rooms", _room_dict)


def _invites(rows: QuerySet[RoomInvite], after: str | None, limit: int) -> dict[str, Any]:
    found = rows.select_related("room", "invitee", "invited_by")
    return paged(found, after, limit, "invites", _invite_dict)


@router.get("/invites", response={200: InvitePage, **ERRORS}, url_name="my_invites")
def my_invites(
    request: AuthenticatedRequest, after: Cursor | None = None, limit: UpTo100 = 50
) -> dict[str, Any]:
    """Invitations waiting for you to accept or decline, newest first; the next page is
    `after` this one's `next`."""
    return _invites(selectors.pending_invites(request.user), after, limit)


@router.post(
    "/invites/{invite_id}/accept", response={200: RoomData, **ERRORS}, url_name="invite_accept"
)
def accept_invite(request: AuthenticatedRequest, invite_id: Id) -> RoomData:
    """Join the room you are invited to (not while it is archived); the invitation is
    used up and your sockets follow its chats."""
    check_rate("invite", request.user.pk)
    return room_data(request.user, rooms.check_accept_invite(request.user, invite_id))


@router.post(
    "/invites/{invite_id}/decline", response={204: None, **ERRORS}, url_name="invite_decline"
)
def decline_invite(request: AuthenticatedRequest, invite_id: Id) -> Status[None]:
    """Decline an invitation addressed to you."""
    check_rate("invite", request.user.pk)
    rooms.do_decline_invite(request.user, invite_id)
    return Status(204, None)


# --- A room ------------------------------------------------------------------------------


class RoomIn(Input):
    title: Title = Field(description="1–80 characters, not only spaces.")
    description: Description = Field("", description="Up to 1,000 characters.")
    private: bool = Field(False, description="Private: only invited people see and join it.")


@router.post("", response={201: RoomData, **WITH_CONFLICT}, url_name="room_create")
def create_room(request: AuthenticatedRequest, data: RoomIn) -> Status[RoomData]:
    """A new room that you own, with its first chat, "general". Its slug is made from the
    title (a private room's ends in a random part)."""
    check_rate("room", request.user.pk)
    room = rooms.check_create_room(
        request.user, title=data.title, description=data.description, is_public=not data.private
    )
    return Status(201, room_data(request.user, room))


@router.get("/{room_id}", response={200: RoomData, **ERRORS}, url_name="room")
def read_room(request: AuthenticatedRequest, room_id: Id) -> RoomData:
    """A public room, or a private one you are a member of."""
    room, _ = access_room_by_id(request.user, room_id)
    return room_data(request.user, room)


Slug = Annotated[str, StringConstraints(pattern=r"^[-a-zA-Z0-9_]*$", max_length=rooms.SLUG_MAX)]


class RoomPatch(Input):
    title: Title | None = Field(None, description="1–80 characters, not only spaces.")
    slug: Slug | None = Field(
        None,
        description="Letters, digits, hyphens and underscores; empty makes one from the title. "
        "A private room's gets a random ending whenever it changes.",
    )
    description: Description | None = Field(None, description="Up to 1,000 characters.")
    private: bool | None = None


@router.patch("/{room_id}", response={200: RoomData, **WITH_CONFLICT}, url_name="room_update")
def update_room(request: AuthenticatedRequest, room_id: Id, data: RoomPatch) -> RoomData:
    """The owner and admins change a room's title, slug, description or visibility (the
    fields given). A slug another room holds is a conflict, whichever room holds it."""
    check_rate("room", request.user.pk)
    room, _ = access_room_by_id(request.user, room_id)
    rooms.check_update_room(
        request.user,
        room,
        title=room.title if data.title is None else data.title,
        slug=room.slug if data.slug is None else data.slug,
        description=room.description if data.description is None else data.description,
        is_public=room.is_public if data.private is None else not data.private,
    )
    return room_data(request.user, room)


@router.delete("/{room_id}", response={204: None, **ERRORS}, url_name="room_delete")
def delete_room(request: AuthenticatedRequest, room_id: Id) -> Status[None]:
    """The owner deletes the room with all its chats and messages."""
    check_rate("room", request.user.pk)
    room, _ = access_room_by_id(request.user, room_id)
    rooms.check_delete_room(request.user, room)
    return Status(204, None)


def _archive(request: AuthenticatedRequest, room_id: int, archived: bool) -> RoomData:
    check_rate("room", request.user.pk)
    room, _ = access_room_by_id(request.user, room_id)
    return room_data(request.user, rooms.check_archive_room(request.user, room, archived))


@router.post("/{room_id}/archive", response={200: RoomData, **ERRORS}, url_name="room_archive")
def archive_room(request: AuthenticatedRequest, room_id: Id) -> RoomData:
    """The owner and admins archive a room: readable, closed to new messages and members."""
    return _archive(request, room_id, True)


@router.post("/{room_id}/unarchive", response={200: RoomData, **ERRORS}, url_name="room_unarchive")
def unarchive_room(request: AuthenticatedRequest, room_id: Id) -> RoomData:
    """The owner and admins open an archived room again."""
    return _archive(request, room_id, False)


@router.post("/{room_id}/join", response={200: RoomData, **ERRORS}, url_name="room_join")
def join_room(request: AuthenticatedRequest, room_id: Id) -> RoomData:
    """Join a public room (joining twice is harmless). A private room is joined by
    accepting its invitation."""
    check_rate("room", request.user.pk)
    room, _ = access_room_by_id(request.user, room_id)
    rooms.check_join_room(request.user, room)
    return room_data(request.user, room)


@router.post("/{room_id}/leave", response={204: None, **ERRORS}, url_name="room_leave")
def leave_room(request: AuthenticatedRequest, room_id: Id) -> Status[None]:
    """Leave a room; the owner hands it over (or deletes it) first."""
    check_rate("room", request.user.pk)
    room, _ = access_room_by_id(request.user, room_id)
    rooms.check_leave_room(request.user, room)
    return Status(204, None)


# --- Members -----------------------------------------------------------------------------


@router.get("/{room_id}/members", response={200: MemberPage, **ERRORS}, url_name="room_members")
def members(
    request: AuthenticatedRequest, room_id: Id, after: Cursor | None = None, limit: UpTo100 = 50
) -> dict[str, Any]:
    """A room's members: the owner, then admins, then by username. The next page is
    `after` this one's `next`."""
    room, _ = access_room_by_id(request.user, room_id)
    return paged(selectors.members_in_order(room), after, limit, "members", _member_dict)


class RoleIn(Input):
    role: Role = Field(description='"owner" hands the room over: you become an admin.')


@router.patch(
    "/{room_id}/members/{user_id}", response={200: Member, **ERRORS}, url_name="member_role"
)
def change_role(request: AuthenticatedRequest, room_id: Id, user_id: Id, data: RoleIn) -> Member:
    """The owner makes a member an admin or back, or hands the room over."""
    check_rate("room", request.user.pk)
    room, _ = access_room_by_id(request.user, room_id)
    return _member_dict(rooms.check_change_role(request.user, room, user_id, data.role))


@router.delete(
    "/{room_id}/members/{user_id}", response={204: None, **ERRORS}, url_name="member_remove"
)
def remove_member(request: AuthenticatedRequest, room_id: Id, user_id: Id) -> Status[None]:
    """The owner and admins remove a member (admins: not the owner nor other admins)."""
    check_rate("room", request.user.pk)
    room, _ = access_room_by_id(request.user, room_id)
    rooms.check_remove_member(request.user, room, user_id)
    return Status(204, None)


# --- Invitations -------------------------------------------------------------------------


@router.get("/{room_id}/invites", response={200: InvitePage, **ERRORS}, url_name="room_invites")
def room_invites(
    request: AuthenticatedRequest, room_id: Id, after: Cursor | None = None, limit: UpTo100 = 50
) -> dict[str, Any]:
    """The owner's and admins' view of a room's pending invitations, newest first; the
    next page is `after` this one's `next`."""
    room, _ = access_room_by_id(request.user, room_id)
    rooms.check_room_manager(request.user, room)
    return _invites(selectors.room_invites(room), after, limit)


class InviteIn(Input):
    username: Annotated[str, MaxLen(64)] = Field(description="Whom to invite (an @ is fine).")


@router.post("/{room_id}/invites", response={201: Invite, **WITH_CONFLICT}, url_name="invite")
def invite(request: AuthenticatedRequest, room_id: Id, data: InviteIn) -> Status[Invite]:
    """The owner and admins invite someone, who accepts or declines. Inviting twice gives
    the pending invitation; inviting a member is a conflict."""
    check_rate("invite", request.user.pk)
    room, _ = access_room_by_id(request.user, room_id)
    rooms.check_room_manager(request.user, room)  # before saying whether the person exists
    invitee = access_user(data.username.strip().removeprefix("@"))
    return Status(201, _invite_dict(rooms.check_invite_to_room(request.user, room, invitee)))


@router.delete(
    "/{room_id}/invites/{invite_id}", response={204: None, **ERRORS}, url_name="invite_cancel"
)
def withdraw_invite(request: AuthenticatedRequest, room_id: Id, invite_id: Id) -> Status[None]:
    """The owner and admins withdraw a pending invitation."""
    check_rate("invite", request.user.pk)
    room, _ = access_room_by_id(request.user, room_id)
    rooms.check_cancel_invite(request.user, room, invite_id)
    return Status(204, None)


# --- Chats -------------------------------------------------------------------------------


@router.get("/{room_id}/chats", response={200: ChatList, **ERRORS}, url_name="room_chats")
def chats(request: AuthenticatedRequest, room_id: Id) -> dict[str, Any]:
    """A room's chats: the default one first, then by title. Their ids are conversation
    ids (history, sends); members read them all."""
    room, _ = access_room_by_id(request.user, room_id)
    return {"chats": [_chat_dict(chat) for chat in selectors.room_chats(room)]}


class ChatIn(Input):
    title: Title = Field(description="1–80 characters, not only spaces.")
    description: Description = Field("", description="What it is for, up to 1,000 characters.")


@router.post("/{room_id}/chats", response={201: Chat, **ERRORS}, url_name="chat_create")
def create_chat(request: AuthenticatedRequest, room_id: Id, data: ChatIn) -> Status[Chat]:
    """Any member starts a chat (not in an archived room); every member can read it."""
    check_rate("room", request.user.pk)
    room, _ = access_room_by_id(request.user, room_id)
    chat = rooms.check_create_chat(
        request.user, room, title=data.title, description=data.description
    )
    return Status(201, _chat_dict(chat))


class ChatPatch(Input):
    title: Title | None = Field(None, description="1–80 characters, not only spaces.")
    description: Description | None = Field(None, description="Up to 1,000 characters.")


@router.patch("/{room_id}/chats/{chat_id}", response={200: Chat, **ERRORS}, url_name="chat_rename")
def rename_chat(request: AuthenticatedRequest, room_id: Id, chat_id: Id, data: ChatPatch) -> Chat:
    """The owner and admins rename a chat or change its description (the fields given)."""
    check_rate("room", request.user.pk)
    room, _ = access_room_by_id(request.user, room_id)
    rooms.check_room_manager(request.user, room)  # before saying whether the chat exists
    chat = access_chat(room, chat_id)
    renamed = rooms.check_rename_chat(
        request.user,
        chat,
        title=chat.title if data.title is None else data.title,
        description=chat.description if data.description is None else data.description,
    )
    return _chat_dict(renamed)

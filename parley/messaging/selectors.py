"""Reads about conversations and messages. Nothing here writes."""

from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, F, OuterRef, Q, QuerySet, Subquery, Value, When

from parley.accounts.events import user_summary
from parley.accounts.models import User
from parley.messaging.access import access_participant
from parley.messaging.events import message_dict
from parley.messaging.models import (
    Conversation,
    Message,
    Participant,
    Room,
    RoomInvite,
    RoomMember,
)

HISTORY_PAGE_MAX = 100
PREVIEW_CHARS = 140


def _preview(message: Message | None) -> dict[str, Any] | None:
    if message is None:
        return None
    text = " ".join(message.body.split())
    if len(text) > PREVIEW_CHARS:
        text = text[: PREVIEW_CHARS - 1] + "…"
    return {"sender": message.sender.name, "sender_id": message.sender_id, "text": text}


def _summaries(user: User, participants: list[Participant]) -> list[dict[str, Any]]:
    conversations = [p.conversation for p in participants]
    last = Q(pk__in=[])
    for c in conversations:
        if c.last_seq:
            last |= Q(conversation_id=c.pk, seq=c.last_seq)
    previews = {m.conversation_id: m for m in Message.objects.filter(last).select_related("sender")}
    others: dict[int, list[User]] = {}
    personal = [c.pk for c in conversations if c.kind != Conversation.Kind.CHAT]
    for p in (
        Participant.objects.filter(conversation_id__in=personal)
        .exclude(user=user)
        .select_related("user")
        .order_by("user__username")
    ):
        others.setdefault(p.conversation_id, []).append(p.user)
    result = []
    for p in participants:
        c = p.conversation
        people = others.get(c.pk, [])
        if c.kind == Conversation.Kind.CHAT:
            title = f"{c.room.title} › {c.title}" if c.room else c.title
        else:
            title = c.title or ", ".join(u.name for u in people) or user.name
        result.append(
            {
                "id": c.pk,
                "kind": c.kind,
                "title": title,
                "chat": c.title if c.kind == Conversation.Kind.CHAT else None,
                "room": (
                    {
                        "id": c.room.pk,
                        "slug": c.room.slug,
                        "title": c.room.title,
                        "archived": c.room.is_archived,
                    }
                    if c.room
                    else None
                ),
                "people": [user_summary(u) for u in people],
                "last_seq": c.last_seq,
                "last_read_seq": p.last_read_seq,
                "unread": max(0, c.last_seq - p.last_read_seq),
                "last_message_at": c.last_message_at.isoformat() if c.last_message_at else None,
                "preview": _preview(previews.get(c.pk)),
            }
        )
    return result


def conversation_list(user: User) -> list[dict[str, Any]]:
    """Every conversation `user` is in, most recent activity first, with unread counts."""
    participants = list(
        Participant.objects.filter(user=user)
        .select_related("conversation", "conversation__room")
        .order_by(
            F("conversation__last_message_at").desc(nulls_last=True),
            "-conversation__created_at",
        )
    )
    return _summaries(user, participants)


def conversation_summary(user: User, conversation_id: int) -> dict[str, Any]:
    participants = list(
        Participant.objects.filter(user=user, conversation_id=conversation_id).select_related(
            "conversation", "conversation__room"
        )
    )
    return _summaries(user, participants)[0]


def history(
    user: User,
    conversation_id: int,
    *,
    before: int | None = None,
    after: int | None = None,
    limit: int = 50,
) -> dict[str, Any]:
    """A page of messages, newest first, by seq cursor.

    `before`: messages with seq < before (older); `after`: seq > after (newer, the oldest
    of those first in the page's window); neither: the newest. Walks the unique
    (conversation, seq) index, so the cost does not grow with the conversation.
    """
    participant = access_participant(user, conversation_id)
    limit = max(1, min(limit, HISTORY_PAGE_MAX))
    messages = Message.objects.filter(conversation_id=conversation_id).select_related("sender")
    if after is not None:
        page = list(messages.filter(seq__gt=after).order_by("seq")[: limit + 1])
        has_more = len(page) > limit
        page = page[:limit][::-1]
    else:
        if before is not None:
            messages = messages.filter(seq__lt=before)
        page = list(messages.order_by("-seq")[: limit + 1])
        has_more = len(page) > limit
        page = page[:limit]
    return {
        "conversation": conversation_id,
        "messages": [message_dict(m) for m in page],
        "has_more": has_more,
        "last_seq": participant.conversation.last_seq,
        "last_read_seq": participant.last_read_seq,
    }


def first_unread_page(user: User, conversation_id: int, limit: int = 50) -> dict[str, Any]:
    """The page that opens a conversation: from just before the first unread message."""
    participant = access_participant(user, conversation_id)
    unread = participant.conversation.last_seq - participant.last_read_seq
    if unread <= 0 or unread < limit // 2:
        return history(user, conversation_id, limit=limit)
    start = max(0, participant.last_read_seq - 5)
    return history(user, conversation_id, after=start, limit=limit)


def messages_after(conversation_id: int, seq: int, until: int | None = None) -> list[Message]:
    """Messages with seq > `seq` (and <= until), oldest first, at most RESUME_MAX_MESSAGES.

    For resume and gap repair; the caller has checked membership.
    """
    messages = Message.objects.filter(conversation_id=conversation_id, seq__gt=seq)
    if until is not None:
        messages = messages.filter(seq__lte=until)
    return list(messages.select_related("sender").order_by("seq")[: settings.RESUME_MAX_MESSAGES])


def member_conversations(user: User) -> list[int]:
    """The ids of every conversation `user` is in (one index scan, no join)."""
    return list(Participant.objects.filter(user=user).values_list("conversation_id", flat=True))


# --- Rooms -----------------------------------------------------------------

ROOMS_PAGE_SIZE = 20
MEMBERS_PAGE_SIZE = 50


def public_rooms(query: str = "", page: int | str = 1) -> Page:
    """Public rooms whose title or description contains `query` (any case), paged.

    Open rooms first, then archived ones; by title within each. Each room carries
    `member_count`. An out-of-range page gives the last one.
    """
    rooms = Room.objects.filter(is_public=True)
    query = query.strip()
    if query:
        rooms = rooms.filter(Q(title__icontains=query) | Q(description__icontains=query))
    rooms = rooms.annotate(member_count=Count("members")).order_by("is_archived", "title", "pk")
    return Paginator(rooms, ROOMS_PAGE_SIZE).get_page(page)


def rooms_of(user: User) -> QuerySet[Room]:
    """Every room `user` is a member of, public or private, by title.

    Each room carries `member_count` and `my_role` (owner, admin or member).
    """
    mine = RoomMember.objects.filter(user=user)
    return (
        Room.objects.filter(pk__in=mine.values("room_id"))
        .annotate(
            member_count=Count("members"),
            my_role=Subquery(mine.filter(room=OuterRef("pk")).values("role")[:1]),
        )
        .order_by("title", "pk")
    )


def room_members(room: Room, page: int | str = 1) -> Page:
    """A page of a room's members with their users: the owner, then admins, then by username."""
    rank = Case(
        When(role=RoomMember.Role.OWNER, then=Value(0)),
        When(role=RoomMember.Role.ADMIN, then=Value(1)),
        default=Value(2),
    )
    members = (
        RoomMember.objects.filter(room=room, user__is_active=True)
        .select_related("user")
        .order_by(rank, "user__username")
    )
    return Paginator(members, MEMBERS_PAGE_SIZE).get_page(page)


def room_chats(room: Room) -> QuerySet[Conversation]:
    """A room's chats: the default one first, then by title."""
    return room.chats.order_by("-is_default", "title", "pk")


def pending_invites(user: User) -> QuerySet[RoomInvite]:
    """Invitations waiting for `user` to accept or decline, newest first."""
    return (
        RoomInvite.objects.filter(invitee=user)
        .select_related("room", "invited_by")
        .order_by("-created_at", "-pk")
    )


def room_invites(room: Room) -> QuerySet[RoomInvite]:
    """A room's pending invitations, for its owner and admins, newest first."""
    return (
        RoomInvite.objects.filter(room=room, invitee__is_active=True)
        .select_related("invitee", "invited_by")
        .order_by("-created_at", "-pk")
    )

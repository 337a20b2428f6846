"""Reads of a sender's broadcasts, with how many have read them.

"Read" is the read marker every client moves (Participant.last_read_seq, the one behind
unread counts): a recipient has read their copy once their marker in its conversation
reaches the copy's seq. Each read is a constant number of queries for a page.
"""

from typing import Any

from django.db import connection
from django.db.models import Count, QuerySet

from parley.accounts.events import user_summary
from parley.accounts.models import User
from parley.broadcasts.models import Broadcast, BroadcastCopy
from parley.core.errors import not_found
from parley.messaging.models import Conversation, Participant, Room
from parley.messaging.selectors import rooms_of

_COPY = BroadcastCopy._meta.db_table
_PARTICIPANT = Participant._meta.db_table

# Per broadcast: the people (not the sender) whose marker reached their copy, each once.
_READERS = f"""
SELECT bc.broadcast_id, COUNT(DISTINCT p.user_id)
FROM {_COPY} bc JOIN {_PARTICIPANT} p ON p.conversation_id = bc.conversation_id
WHERE bc.broadcast_id IN ({{ids}}) AND p.user_id <> %(sender)s AND p.last_read_seq >= bc.seq
GROUP BY bc.broadcast_id
"""  # noqa: S608 (table names from the models)
# Per copy of one broadcast: its conversation's members but the sender, and the readers.
_COPY_READERS = f"""
SELECT bc.id, COUNT(p.id), SUM(CASE WHEN p.last_read_seq >= bc.seq THEN 1 ELSE 0 END)
FROM {_COPY} bc JOIN {_PARTICIPANT} p ON p.conversation_id = bc.conversation_id
WHERE bc.broadcast_id = %(broadcast)s AND p.user_id <> %(sender)s
GROUP BY bc.id
"""  # noqa: S608


def broadcasts_of(sender: User) -> QuerySet[Broadcast]:
    """`sender`'s broadcasts, newest first, with their number of copies."""
    return (
        Broadcast.objects.filter(sender=sender).annotate(copy_count=Count("copies")).order_by("-id")
    )


def read_counts(sender: User, broadcast_ids: list[int]) -> dict[int, int]:
    """How many people have read each of these broadcasts of `sender` (one query)."""
    if not broadcast_ids:
        return {}
    params: dict[str, Any] = {f"b{i}": pk for i, pk in enumerate(broadcast_ids)}
    ids = ", ".join(f"%({name})s" for name in params)
    with connection.cursor() as cursor:
        cursor.execute(_READERS.format(ids=ids), {**params, "sender": sender.pk})
        return {pk: int(count) for pk, count in cursor.fetchall()}


def broadcast_summaries(sender: User, broadcasts: list[Broadcast]) -> list[dict[str, Any]]:
    """Broadcasts (from broadcasts_of) as the list shows them."""
    reads = read_counts(sender, [b.pk for b in broadcasts])
    return [
        {
            "id": b.pk,
            "client_id": b.client_id,
            "body": b.body,
            "html": b.html,
            "created_at": b.created_at.isoformat(),
            "copy_count": getattr(b, "copy_count", 0),
            "recipient_count": b.recipient_count,
            "read_count": reads.get(b.pk, 0),
            "refused_count": len(b.refused),
        }
        for b in broadcasts
    ]


def access_broadcast(sender: User, broadcast_id: int) -> Broadcast:
    """A broadcast of `sender`'s; anyone else's is not found, as a missing one is."""
    broadcast = broadcasts_of(sender).filter(pk=broadcast_id).first()
    if broadcast is None:
        raise not_found("That broadcast")
    return broadcast


def broadcast_detail(sender: User, broadcast_id: int) -> dict[str, Any]:
    """One broadcast of `sender`'s: its summary, each copy with its readers, the refused."""
    broadcast = access_broadcast(sender, broadcast_id)
    copies = list(
        BroadcastCopy.objects.filter(broadcast=broadcast)
        .select_related("person", "room", "conversation")
        .order_by("id")
    )
    with connection.cursor() as cursor:
        cursor.execute(_COPY_READERS, {"broadcast": broadcast.pk, "sender": sender.pk})
        readers = {pk: (int(members), int(read or 0)) for pk, members, read in cursor.fetchall()}
    detail = broadcast_summaries(sender, [broadcast])[0]
    detail["copies"] = [_copy(copy, *readers.get(copy.pk, (0, 0))) for copy in copies]
    detail["refused"] = broadcast.refused
    return detail


def _copy(copy: BroadcastCopy, members: int, read: int) -> dict[str, Any]:
    room = copy.room
    return {
        "conversation": copy.conversation_id,
        "message": copy.message_id,
        "seq": copy.seq,
        "kind": "room" if room is not None else "person",
        "person": user_summary(copy.person) if copy.person is not None else None,
        "room": {"id": room.pk, "title": room.title} if room is not None else None,
        "chat": copy.conversation.title if room is not None else None,
        "members": members,
        "read": read,
    }


def rooms_to_post_in(user: User) -> list[tuple[Room, list[Conversation]]]:
    """`user`'s rooms by title, each with its chats (the default first): two queries."""
    rooms = list(rooms_of(user))
    chats: dict[int, list[Conversation]] = {room.pk: [] for room in rooms}
    for chat in Conversation.objects.filter(room_id__in=list(chats)).order_by(
        "-is_default", "title", "pk"
    ):
        chats[chat.room_id or 0].append(chat)
    return [(room, chats[room.pk]) for room in rooms]

"""Reads about conversations and messages. Nothing here writes."""

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    Case,
    Count,
    Max,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Lower

from parley.accounts.events import summary_of, user_summary
from parley.accounts.models import User
from parley.core.sql import as_datetime, one_of
from parley.events.catalogue import MessageData, SequencedEvent, UserSummary
from parley.messaging.access import access_message, access_participant
from parley.messaging.events import (
    MESSAGE_RELATED,
    chat_title,
    message_change_event,
    message_dict,
    message_event,
    plain_excerpt,
)
from parley.messaging.models import (
    Conversation,
    ConversationEvent,
    MembershipStamp,
    Mention,
    Message,
    MessageEdit,
    Participant,
    Room,
    RoomInvite,
    RoomMember,
)
from parley.messaging.rendering import Mentionable, mentioned_names

HISTORY_PAGE_MAX = 100
PREVIEW_CHARS = 140


def direct_key(a: int, b: int) -> str:
    """The Conversation.direct_key of the direct conversation between users `a` and `b`."""
    low, high = sorted((a, b))
    return f"{low}:{high}"


def direct_conversation_id(user: User, other_id: int) -> int | None:
    """The id of `user`'s direct conversation with user `other_id`, if they have one."""
    return (
        Conversation.objects.filter(
            direct_key=direct_key(user.pk, other_id), participants__user=user
        )
        .values_list("pk", flat=True)
        .first()
    )


def other_members(
    user: User, conversation_ids: list[int] | None = None
) -> dict[int, list[UserSummary]]:
    """The summaries of the members other than `user` of each of their direct and group
    conversations (only those of `conversation_ids`, if given), by username: one query
    (chats are titled by their room instead). The conversation list's people, and the
    titles of search results."""
    if conversation_ids is not None and not conversation_ids:
        return {}
    only, params = _only(conversation_ids)
    people = _people("p.user_id = %s" + only, [user.pk, *params])
    return {conversation: found for (conversation, _), found in people.items()}


def _people(condition: str, params: list[Any]) -> dict[tuple[int, int], list[UserSummary]]:
    """The other members, by username, of each (conversation, viewer) of the viewers'
    direct and group conversations that `condition` picks among their participations
    `p`: one query."""
    chat = Conversation.Kind.CHAT.value
    people: dict[tuple[int, int], list[UserSummary]] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.user_id, {_PEOPLE_SELECT} AND {condition} ORDER BY u.username",
            [chat, *params],
        )
        for user_id, conversation, *person in cursor.fetchall():
            people.setdefault((conversation, user_id), []).append(summary_of(*person))
    return people


def _only(conversation_ids: list[int] | None) -> tuple[str, list[int]]:
    """The condition and parameters that narrow a read of `p`, the viewer's
    participations, to these conversations (none: all of them)."""
    if conversation_ids is None:
        return "", []
    marks = ", ".join(["%s"] * len(conversation_ids))
    return f" AND p.conversation_id IN ({marks})", list(conversation_ids)


def title_for(user: User, conversation: Conversation, people: list[UserSummary]) -> str:
    """What `user` sees a conversation called: room and chat, else its title or the other
    people (`people`, from other_members)."""
    room = conversation.room if conversation.kind == Conversation.Kind.CHAT else None
    names = [person["name"] for person in people]
    room_title = room.title if room is not None else None
    return _title(conversation.kind, conversation.title, room_title, names, user.name)


def _title(kind: str, title: str, room_title: str | None, names: list[str], me: str) -> str:
    if kind == Conversation.Kind.CHAT:
        return chat_title(room_title, title)
    return title or ", ".join(names) or me


# The conversation list in plain SQL, as the send path's access check (access.py): every
# socket's hello reads it, and building the ORM queries cost several times the queries
# (bench/README.md, "storm"). Its cases are pinned by the tests of the list, the chat page
# and hello on SQLite, PostgreSQL and MariaDB. One row per conversation, with its room,
# the viewer's role there, their unread mentions and the last message with its sender.
_SUMMARY_SELECT = f"""
p.conversation_id, p.last_read_seq, p.read_count, p.muted, p.starred,
  c.kind, c.title, c.description, c.last_seq, c.message_count, c.last_message_at, c.created_at,
  c.room_id, r.slug, r.title, r.is_archived, r.is_public,
  (SELECT rm.role FROM {RoomMember._meta.db_table} rm
    WHERE rm.room_id = c.room_id AND rm.user_id = p.user_id),
  (SELECT COUNT(*) FROM {Mention._meta.db_table} mn
    WHERE mn.user_id = p.user_id AND mn.conversation_id = p.conversation_id
      AND mn.seq > p.last_read_seq),
  m.id, m.sender_id, s.username, s.display_name, m.deleted_at, m.moved_to_id, m.html
FROM {Participant._meta.db_table} p
JOIN {Conversation._meta.db_table} c ON c.id = p.conversation_id
LEFT JOIN {Room._meta.db_table} r ON r.id = c.room_id
LEFT JOIN {Message._meta.db_table} m
  ON m.conversation_id = c.id AND m.seq = c.last_message_seq AND c.last_message_seq > 0
LEFT JOIN {User._meta.db_table} s ON s.id = m.sender_id
"""  # noqa: S608 (table names from the models, values as parameters)
_SUMMARY_ROWS = f"SELECT {_SUMMARY_SELECT} WHERE p.user_id = %s"

# The other members of the viewer's direct and group conversations (chats are titled by
# their room instead), by username.
_PEOPLE_SELECT = f"""
o.conversation_id, u.id, u.username, u.display_name, u.avatar_small, u.is_bot
FROM {Participant._meta.db_table} p
JOIN {Conversation._meta.db_table} c ON c.id = p.conversation_id
JOIN {Participant._meta.db_table} o ON o.conversation_id = p.conversation_id
JOIN {User._meta.db_table} u ON u.id = o.user_id
WHERE c.kind <> %s AND o.user_id <> p.user_id
"""


def _summaries(user: User, conversation_ids: list[int] | None = None) -> list[dict[str, Any]]:
    """The summaries of `user`'s conversations (only those of `conversation_ids`, if
    given), most recent activity first: two queries however many conversations."""
    only, params = _only(conversation_ids)
    rows = _read_summaries({user.pk: user}, "p.user_id = %s" + only, [user.pk, *params])
    return [summary for _, summary in rows]


def conversation_lists(users: list[User]) -> dict[int, list[dict[str, Any]]]:
    """conversation_list of each of these users, by id: two queries however many users
    (the sockets that connect together read their hellos in one go)."""
    by_id = {user.pk: user for user in users}
    lists: dict[int, list[dict[str, Any]]] = {user_id: [] for user_id in by_id}
    if by_id:
        for user_id, summary in _read_summaries(by_id, *one_of("p.user_id", by_id)):
            lists[user_id].append(summary)
    return lists


def member_summaries(pairs: list[tuple[int, int]]) -> dict[tuple[int, int], dict[str, Any]]:
    """The summary of each (conversation, user) of `pairs` whose user is in it, as
    conversation_summary gives it to that user: four queries however many pairs (the
    announcement of many conversations made at once, as a broadcast's direct ones)."""
    if not pairs:
        return {}
    wanted = set(pairs)
    only, params = _only(sorted({c for c, _ in wanted}))
    users = {u.pk: u for u in User.objects.filter(pk__in={u for _, u in wanted})}
    rows = _read_summaries(users, "1 = 1" + only, params, wanted)
    return {(summary["id"], user_id): summary for user_id, summary in rows}


def _read_summaries(
    users: dict[int, User],
    condition: str,
    params: list[Any],
    wanted: set[tuple[int, int]] | None = None,
) -> list[tuple[int, dict[str, Any]]]:
    """(user id, summary) of each participation `p` that `condition` picks (and `wanted`
    keeps, as (conversation, user) pairs), most recent activity first: one query for the
    rows, one for the people in them, one more only for a conversation whose last message
    is gone. Every user the rows name is in `users`."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT p.user_id, {_SUMMARY_SELECT} WHERE {condition}", params)
        rows = [
            (user_id, tuple(row))
            for user_id, *row in cursor.fetchall()  # MariaDB's driver gives tuples
            if wanted is None or (row[0], user_id) in wanted
        ]
    people = _people(condition, params)
    rows.sort(key=lambda entry: _recent_first(entry[1]))
    summaries = [
        (user_id, _summary(users[user_id], row, people.get((row[0], user_id), [])))
        for user_id, row in rows
    ]
    _preview_before_tombstones([summary for _, summary in summaries])
    return summaries


def _preview_before_tombstones(summaries: list[dict[str, Any]]) -> None:
    """A conversation whose last message was deleted or moved away previews the message
    before it (or nothing): one more query, only when there is such a conversation."""
    gone: dict[int, list[dict[str, Any]]] = {}
    for s in summaries:
        if s["preview"] is not None and s["preview"].pop("gone", False):
            s["preview"] = None
            gone.setdefault(s["id"], []).append(s)
    if not gone:
        return
    latest = (
        Message.objects.filter(
            conversation_id__in=list(gone), deleted_at__isnull=True, moved_to__isnull=True
        )
        .values("conversation_id")
        .annotate(seq=Max("seq"))
    )
    wanted = Q()
    for row in latest:
        wanted |= Q(conversation_id=row["conversation_id"], seq=row["seq"])
    if not wanted:
        return
    for message in Message.objects.filter(wanted).select_related("sender"):
        sender = message.sender
        for s in gone[message.conversation_id]:
            s["preview"] = {
                "id": message.pk,
                "sender": sender.display_name or sender.username,
                "sender_id": sender.pk,
                "text": plain_excerpt(message.html, PREVIEW_CHARS),
            }


def _recent_first(row: tuple[Any, ...]) -> tuple[bool, float, float]:
    """Sort key: latest message first, conversations without one last, then the newest."""
    last_message_at, created_at = as_datetime(row[10]), as_datetime(row[11])
    return (
        last_message_at is None,
        -last_message_at.timestamp() if last_message_at else 0.0,
        -created_at.timestamp() if created_at else 0.0,
    )


def _summary(user: User, row: tuple[Any, ...], people: list[UserSummary]) -> dict[str, Any]:
    (
        conversation_id, last_read_seq, read_count, muted, starred,
        kind, title, description, last_seq, message_count, last_message_at, _created_at,
        room_id, room_slug, room_title, room_archived, room_public, role, mentions,
        message_id, sender_id, sender_username, sender_display, deleted_at, moved_to_id, html,
    ) = row  # fmt: skip
    last_message_at = as_datetime(last_message_at)
    preview = None
    if message_id is not None:
        gone = deleted_at is not None or moved_to_id is not None
        text = "" if gone else plain_excerpt(html, PREVIEW_CHARS)
        name = sender_display or sender_username
        preview = {"id": message_id, "sender": name, "sender_id": sender_id, "text": text}
        preview["gone"] = gone  # replaced by the message before it: _preview_before_tombstones
    names = [person["name"] for person in people]
    return {
        "id": conversation_id,
        "kind": kind,
        "title": _title(kind, title, room_title, names, user.name),
        "chat": title if kind == Conversation.Kind.CHAT else None,
        "description": description,
        "room": (
            {
                "id": room_id,
                "slug": room_slug,
                "title": room_title,
                "archived": bool(room_archived),
                "private": not room_public,
                # The viewer's role: the client offers moderation to owner/admin.
                "role": role,
            }
            if room_id is not None
            else None
        ),
        "people": people,
        "last_seq": last_seq,
        "last_read_seq": last_read_seq,
        "unread": max(0, message_count - read_count),
        "mentions": mentions,
        "last_message_at": last_message_at.isoformat() if last_message_at else None,
        "preview": preview,
        "muted": bool(muted),
        "starred": bool(starred),
    }


def conversation_list(user: User) -> list[dict[str, Any]]:
    """Every conversation `user` is in, most recent activity first, with unread counts."""
    return _summaries(user)


def conversation_summary(user: User, conversation_id: int) -> dict[str, Any]:
    return _summaries(user, [conversation_id])[0]


def conversation_summaries(user: User, conversation_ids: list[int]) -> list[dict[str, Any]]:
    """Summaries, as in conversation_list, of those of these conversations `user` is in
    now (the others are left out)."""
    return _summaries(user, conversation_ids) if conversation_ids else []


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
    messages = Message.objects.filter(conversation_id=conversation_id).select_related(
        *MESSAGE_RELATED
    )
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
    conversation = participant.conversation
    if after is not None:
        has_newer = has_more
    elif before is not None:
        has_newer = before <= conversation.last_message_seq
    else:
        has_newer = False
    return {
        "conversation": conversation_id,
        "messages": [message_dict(m) for m in page],
        "has_more": has_more,
        "has_newer": has_newer,
        "last_seq": conversation.last_seq,
        "last_read_seq": participant.last_read_seq,
    }


def first_unread_page(user: User, conversation_id: int, limit: int = 50) -> dict[str, Any]:
    """The page that opens a conversation: from just before the first unread message."""
    participant = access_participant(user, conversation_id)
    unread = participant.conversation.message_count - participant.read_count
    if unread <= 0 or unread < limit // 2:
        return history(user, conversation_id, limit=limit)
    # A little read context above the first unread message (up to 5 stream events back).
    start = max(0, participant.last_read_seq - 5)
    return history(user, conversation_id, after=start, limit=limit)


def history_around(user: User, conversation_id: int, seq: int, limit: int = 50) -> dict[str, Any]:
    """The page around message `seq` (a search result or a link): half before, half after.

    Newest first like every page; "has_more" says older messages exist, "has_newer" newer.
    """
    participant = access_participant(user, conversation_id)
    limit = max(2, min(limit, HISTORY_PAGE_MAX))
    messages = Message.objects.filter(conversation_id=conversation_id).select_related(
        *MESSAGE_RELATED
    )
    newer = list(messages.filter(seq__gte=seq).order_by("seq")[: limit // 2 + 1])
    has_newer = len(newer) > limit // 2
    newer = newer[: limit // 2]
    older = list(messages.filter(seq__lt=seq).order_by("-seq")[: limit - len(newer) + 1])
    has_more = len(older) > limit - len(newer)
    older = older[: limit - len(newer)]
    page = newer[::-1] + older
    return {
        "conversation": conversation_id,
        "messages": [message_dict(m) for m in page],
        "has_more": has_more,
        "has_newer": has_newer,
        "anchor": seq,
        "last_seq": participant.conversation.last_seq,
        "last_read_seq": participant.last_read_seq,
    }


def conversation_last_seq(conversation_id: int) -> int:
    """The seq of the conversation's latest event (0 when it has none, or is gone)."""
    found = Conversation.objects.filter(pk=conversation_id).values_list("last_seq", flat=True)
    return found.first() or 0


def stream_after(
    conversation_id: int, seq: int, until: int | None = None
) -> list[tuple[int, SequencedEvent]]:
    """The conversation's events with seq > `seq` (and <= until), oldest first, as
    (seq, event) pairs; at most RESUME_MAX_MESSAGES.

    Messages and the other changes (edits, deletes, reactions, moves) are merged by seq.
    Each is rebuilt from the message's current state, so a replay never shows text that
    was since deleted. For resume and gap repair; the caller has checked membership.
    """
    return streams_after([(conversation_id, seq, until)])[0]


_NO_END = 2**63 - 1  # `until` None: no seq is past it
# The seqs and ids of a table's rows in a range of a conversation (messages, changes).
_AFTER = (
    "SELECT seq, id FROM {}"
    " WHERE conversation_id = %s AND seq > %s AND seq <= %s ORDER BY seq LIMIT %s"
)
_MESSAGES_AFTER = _AFTER.format(Message._meta.db_table)
_CHANGES_AFTER = _AFTER.format(ConversationEvent._meta.db_table)


def streams_after(
    wanted: Sequence[tuple[int, int, int | None]],
) -> list[list[tuple[int, SequencedEvent]]]:
    """stream_after of each (conversation, seq, until): the sockets that resume together.

    Each stream's seqs come from two plain statements on the (conversation, seq) indexes;
    the messages of them all, with what their events show, from one query. A message
    gone meanwhile (its conversation deleted) is left out."""
    cap = settings.RESUME_MAX_MESSAGES
    seqs: list[tuple[list[tuple[int, int]], list[tuple[int, int]]]] = []
    with connection.cursor() as cursor:
        for conversation_id, after, until in wanted:
            params = [conversation_id, after, _NO_END if until is None else until, cap]
            cursor.execute(_MESSAGES_AFTER, params)
            messages = cursor.fetchall()
            cursor.execute(_CHANGES_AFTER, params)
            seqs.append((messages, cursor.fetchall()))
    changes = _in_bulk(ConversationEvent.objects.all(), [pk for _, rows in seqs for _, pk in rows])
    loaded = _in_bulk(
        Message.objects.select_related(*MESSAGE_RELATED),
        {pk for rows, _ in seqs for _, pk in rows} | {c.message_id for c in changes.values()},
    )
    streams = []
    for messages, changed in seqs:
        items: list[tuple[int, SequencedEvent]] = [
            (seq, message_event(loaded[pk])) for seq, pk in messages if pk in loaded
        ]
        for seq, pk in changed:
            change = changes.get(pk)
            if change is not None and change.message_id in loaded:
                message = loaded[change.message_id]
                items.append((seq, message_change_event(change.kind, message, seq, change.data)))
        items.sort(key=lambda item: item[0])
        streams.append(items[:cap])
    return streams


M = TypeVar("M", bound=Model)


def _in_bulk(rows: QuerySet[M], ids: Iterable[int]) -> dict[int, M]:
    """in_bulk a few thousand ids at a time: PostgreSQL takes at most 65,535 parameters
    (Django splits the list only where a backend declares a limit)."""
    ids = sorted(set(ids))
    found: dict[int, M] = {}
    for start in range(0, len(ids), IN_BULK_AT_ONCE):
        found |= rows.in_bulk(ids[start : start + IN_BULK_AT_ONCE])
    return found


IN_BULK_AT_ONCE = 5000


def message_data(user: User, message_id: int) -> MessageData:
    """A message of a conversation `user` is in, as it is now, in the shape clients see
    everywhere (deleted and moved ones as their tombstones); not found otherwise."""
    return message_dict(access_message(user, message_id))


def message_versions(user: User, message_id: int) -> dict[str, Any]:
    """An edited message's versions, oldest first, the current one last."""
    message = access_message(user, message_id)
    versions = [
        {"body": e.body, "html": e.html, "at": e.written_at.isoformat()}
        for e in MessageEdit.objects.filter(message=message).order_by("replaced_at", "pk")
    ]
    if not message.is_deleted and not message.moved_to_id:
        at = message.edited_at or message.created_at
        versions.append({"body": message.body, "html": message.html, "at": at.isoformat()})
    return {"message": message.pk, "versions": versions}


MEMBER_MATCHES = 10


def conversation_members(user: User, conversation_id: int, query: str = "") -> list[UserSummary]:
    """Members of a conversation whose username or name starts with `query`, for
    @mention autocomplete: at most MEMBER_MATCHES, by username."""
    access_participant(user, conversation_id)
    members = Participant.objects.filter(
        conversation_id=conversation_id, user__is_active=True
    ).select_related("user")
    query = query.strip().lstrip("@")
    if query:
        members = members.filter(
            Q(user__username__istartswith=query) | Q(user__display_name__istartswith=query)
        )
    return [user_summary(p.user) for p in members.order_by("user__username")[:MEMBER_MATCHES]]


def mentionable_members(conversation_id: int, body: str) -> Mentionable:
    """The members of a conversation named after an "@" in `body` (no query without one)."""
    names = mentioned_names(body) if "@" in body else set()
    if not names:
        return {}
    rows = (
        Participant.objects.filter(conversation_id=conversation_id, user__is_active=True)
        .annotate(lowered=Lower("user__username"))
        .filter(lowered__in=names)
        .values_list("lowered", "user_id", "user__username")
    )
    return {lowered: (user_id, username) for lowered, user_id, username in rows}


def member_conversations(user: User) -> list[int]:
    """The ids of every conversation `user` is in (one index scan, no join; plain SQL, as
    every socket's connect reads it)."""
    with connection.cursor() as cursor:
        cursor.execute(_MEMBER_OF, [user.pk])
        return [conversation_id for (conversation_id,) in cursor.fetchall()]


_MEMBER_OF = f"SELECT conversation_id FROM {Participant._meta.db_table} WHERE user_id = %s"  # noqa: S608


def member_conversations_signed_in(
    user_ids: list[int],
) -> dict[int, tuple[tuple[str, int], list[int]]]:
    """For each of these users who is active: their credentials (password hash, session
    epoch) with the ids of every conversation they are in. Sockets' re-check of their
    sign-in and their membership, in one query for all of them."""
    ids = list(dict.fromkeys(user_ids))
    if not ids:
        return {}
    which, params = one_of("u.id", ids)
    with connection.cursor() as cursor:
        cursor.execute(_SIGNED_IN_MEMBER_OF.format(which=which), [*params, True])
        rows = cursor.fetchall()
    found: dict[int, tuple[tuple[str, int], list[int]]] = {}
    for user_id, password, session_epoch, conversation_id in rows:
        _, conversations = found.setdefault(user_id, ((password, session_epoch), []))
        if conversation_id is not None:
            conversations.append(conversation_id)
    return found


_SIGNED_IN_MEMBER_OF = f"""
SELECT u.id, u.password, u.session_epoch, p.conversation_id
FROM {User._meta.db_table} u LEFT JOIN {Participant._meta.db_table} p ON p.user_id = u.id
WHERE {{which}} AND u.is_active = %s
"""  # noqa: S608 (table names from the models, values as parameters)


def participants_among(pairs: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """Which of these (user, conversation) pairs are a member and their conversation now."""
    if not pairs:
        return set()
    users, conversations = {u for u, _ in pairs}, {c for _, c in pairs}
    rows = Participant.objects.filter(user_id__in=users, conversation_id__in=conversations)
    return set(rows.values_list("user_id", "conversation_id")) & set(pairs)


def member_of(user_id: int, conversation_ids: list[int]) -> set[int]:
    """Which of these conversations the user is in now."""
    rows = Participant.objects.filter(user_id=user_id, conversation_id__in=conversation_ids)
    return set(rows.values_list("conversation_id", flat=True))


def conversations_of_users(user_ids: list[int]) -> dict[int, list[int]]:
    """Every conversation of each of these users (none: an empty list), for the fan-out's
    membership check. One query per thousand users, on the (user, conversation) index."""
    result: dict[int, list[int]] = {user_id: [] for user_id in user_ids}
    for start in range(0, len(user_ids), 1000):
        rows = Participant.objects.filter(user_id__in=user_ids[start : start + 1000])
        for user_id, conversation_id in rows.values_list("user_id", "conversation_id"):
            result[user_id].append(conversation_id)
    return result


def membership_stamps(user_ids: list[int]) -> dict[int, int]:
    """The membership stamp of each of these users who has one (see MembershipStamp).
    One query per thousand, on the primary key."""
    stamps: dict[int, int] = {}
    for start in range(0, len(user_ids), 1000):
        rows = MembershipStamp.objects.filter(user_id__in=user_ids[start : start + 1000])
        stamps.update(rows.values_list("user_id", "stamp"))
    return stamps


# --- Rooms -----------------------------------------------------------------

ROOMS_PAGE_SIZE = 20
MEMBERS_PAGE_SIZE = 50


def _counted(rooms: QuerySet[Room], viewer: User | None = None) -> QuerySet[Room]:
    """`rooms`, each with `member_count`, and with `my_role` (owner, admin, member, or
    None when not a member) if there is a `viewer`."""
    rooms = rooms.annotate(member_count=Count("members"))
    if viewer is None:
        return rooms
    role = RoomMember.objects.filter(user=viewer, room=OuterRef("pk")).values("role")[:1]
    return rooms.annotate(my_role=Subquery(role))


def browsable_rooms(query: str = "", viewer: User | None = None) -> QuerySet[Room]:
    """Public rooms whose title or description contains `query` (any case).

    Open rooms first, then archived ones; by title within each (then id). Each room
    carries `member_count`, and `my_role` given a `viewer`.
    """
    rooms = Room.objects.filter(is_public=True)
    query = query.strip()
    if query:
        rooms = rooms.filter(Q(title__icontains=query) | Q(description__icontains=query))
    return _counted(rooms, viewer).order_by("is_archived", "title", "pk")


def public_rooms(query: str = "", page: int | str = 1, viewer: User | None = None) -> Page[Any]:
    """browsable_rooms, ROOMS_PAGE_SIZE a page (an out-of-range page gives the last one)."""
    return Paginator(browsable_rooms(query, viewer), ROOMS_PAGE_SIZE).get_page(page)


def rooms_of(user: User) -> QuerySet[Room]:
    """Every room `user` is a member of, public or private, by title.

    Each room carries `member_count` and `my_role` (owner, admin or member).
    """
    mine = RoomMember.objects.filter(user=user).values("room_id")
    return _counted(Room.objects.filter(pk__in=mine), user).order_by("title", "pk")


def room_for(viewer: User, room: Room) -> Room:
    """`room` read again with `member_count` and `viewer`'s `my_role` (after access_room
    or a change)."""
    return _counted(Room.objects.filter(pk=room.pk), viewer).get()


def members_in_order(room: Room) -> QuerySet[RoomMember]:
    """A room's members with their users: the owner, then admins, then by username
    (`role_rank` 0, 1, 2)."""
    rank = Case(
        When(role=RoomMember.Role.OWNER, then=Value(0)),
        When(role=RoomMember.Role.ADMIN, then=Value(1)),
        default=Value(2),
    )
    return (
        RoomMember.objects.filter(room=room, user__is_active=True)
        .select_related("user")
        .annotate(role_rank=rank)
        .order_by("role_rank", "user__username")
    )


def room_members(room: Room, page: int | str = 1) -> Page[RoomMember]:
    """members_in_order, MEMBERS_PAGE_SIZE a page (an out-of-range page gives the last)."""
    return Paginator(members_in_order(room), MEMBERS_PAGE_SIZE).get_page(page)


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


def invitable_people(room: Room, inviter: User, people: QuerySet[User]) -> QuerySet[User]:
    """Those of `people` whom `inviter` could invite to `room` now (check_invite_to_room's
    rules): not members, not invited already, neither blocking nor blocked by `inviter`."""
    return (
        people.exclude(room_memberships__room=room)
        .exclude(room_invites__room=room)
        .exclude(blocks_made__blocked=inviter)
        .exclude(blocks_received__blocker=inviter)
    )


def conversation_seqs(conversation_ids: list[int]) -> dict[int, int]:
    """The latest seq of each of these conversations (for the fan-out's resync; the
    caller's sockets follow them). One query per thousand."""
    seqs: dict[int, int] = {}
    for start in range(0, len(conversation_ids), 1000):
        chunk = conversation_ids[start : start + 1000]
        rows = Conversation.objects.filter(pk__in=chunk).values_list("pk", "last_seq")
        seqs.update(rows)
    return seqs

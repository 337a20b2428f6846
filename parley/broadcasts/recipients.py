"""Who a broadcast goes to: its request checked, its shortcuts expanded, and each person
and room resolved to the conversation its copy goes to, or refused with why.

A constant number of queries whatever the number of recipients (each an IN over the
ids): the rooms, the chats, the friends, the members, the people, the blocks, the direct
conversations that exist, and who shares a room with the sender. Nothing here writes; the
final word on each conversation is SEND_RULES, applied in the storing transaction
(parley/broadcasts/actions.py).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Q

from parley.accounts.models import Block, Friendship, User
from parley.core.errors import ErrorCode, ParleyError
from parley.core.validation import check_text
from parley.messaging.actions.send import CLIENT_ID, check_body
from parley.messaging.models import Conversation, Room, RoomMember
from parley.messaging.selectors import direct_key

# The refusal reasons a client may see, by code (the codes are parley.core.errors').
NOT_FOUND_PERSON = "No one like that, or their account is closed."
NOT_FOUND_ROOM = "No room like that, or you are not a member of it."
YOURSELF = "You can't broadcast to yourself."
BLOCKED = "You can't message this person."
UNREACHABLE = "You can message this person once you are friends or share a room."


@dataclass(frozen=True)
class RoomTarget:
    """A room to post in, in `chat` (one of its chats), or its default chat if None."""

    room_id: int
    chat_id: int | None = None


@dataclass(frozen=True)
class BroadcastRequest:
    """What a sender asks for: people, rooms (each in a chat), and the shortcuts "all my
    friends" (`friends`) and "every member of these rooms" (`members_of`)."""

    sender: User
    client_id: str
    body: str
    people: Sequence[int] = ()
    rooms: Sequence[RoomTarget] = ()
    friends: bool = False
    members_of: Sequence[int] = ()


@dataclass(frozen=True)
class Target:
    """One copy to send: to `conversation` (a direct one with `person`, or a chat of
    `room`); `conversation` is None for a direct conversation not made yet."""

    conversation: int | None
    label: str
    person: int | None = None
    room: int | None = None


@dataclass
class Plan:
    targets: list[Target] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)
    # People whose direct conversation with the sender is to be made: id -> name.
    new_direct: dict[int, str] = field(default_factory=dict)


def refusal(kind: str, ident: int, name: str, code: ErrorCode, reason: str) -> dict[str, Any]:
    return {"kind": kind, "id": ident, "name": name, "code": str(code), "reason": reason}


def check_request(request: BroadcastRequest) -> None:
    """The request's own faults, before any query: text, sizes, duplicates, emptiness.
    Each is a 400 naming its field; nothing is stored."""
    check_text(request.client_id, "client_id")
    if not CLIENT_ID.match(request.client_id):
        raise ParleyError(
            ErrorCode.INVALID, "client_id must be 1-64 letters, digits, - or _.", field="client_id"
        )
    check_body(request.body)
    max_people, max_rooms = settings.BROADCAST_MAX_PEOPLE, settings.BROADCAST_MAX_ROOMS
    _at_most(len(request.people), max_people, "people", "people")
    _at_most(len(request.rooms), max_rooms, "rooms", "rooms")
    _at_most(len(request.members_of), max_rooms, "members_of", "rooms")
    _unique(list(request.people), "people", "person")
    _unique([t.room_id for t in request.rooms], "rooms", "room")
    _unique(list(request.members_of), "members_of", "room")
    if not (request.people or request.rooms or request.friends or request.members_of):
        raise ParleyError(
            ErrorCode.INVALID, "Choose at least one person, room or shortcut.", field="people"
        )


def _at_most(count: int, limit: int, field_name: str, noun: str) -> None:
    if count > limit:
        raise ParleyError(
            ErrorCode.INVALID,
            f"A broadcast can go to at most {limit:,} {noun}; this one names {count:,}.",
            field=field_name,
        )


def _unique(ids: list[int], field_name: str, noun: str) -> None:
    if len(set(ids)) != len(ids):
        seen: set[int] = set()
        twice = next(i for i in ids if i in seen or seen.add(i))  # type: ignore[func-returns-value]
        raise ParleyError(
            ErrorCode.INVALID, f"The {noun} {twice} is named twice.", field=field_name
        )


def plan(request: BroadcastRequest) -> Plan:
    """Resolve a checked request into its copies and its refusals (see the module)."""
    sender, result = request.sender, Plan()
    rooms = _member_rooms(sender, {t.room_id for t in request.rooms} | set(request.members_of))
    _plan_rooms(request, rooms, result)
    named = [i for i in request.people if i != sender.pk]
    if len(named) != len(request.people):
        yourself = refusal("person", sender.pk, sender.name, ErrorCode.INVALID, YOURSELF)
        result.refused.append(yourself)
    friends = _friend_ids(sender) if request.friends else None
    members: set[int] = set()
    for room_id in request.members_of:
        if room_id not in rooms:
            result.refused.append(
                refusal("members_of", room_id, "", ErrorCode.NOT_FOUND, NOT_FOUND_ROOM)
            )
    member_rooms = [r for r in request.members_of if r in rooms]
    if member_rooms:
        members = set(
            RoomMember.objects.filter(room_id__in=member_rooms, user__is_active=True)
            .exclude(user_id=sender.pk)
            .values_list("user_id", flat=True)
        )
    people = list(dict.fromkeys([*named, *sorted(friends or ()), *sorted(members)]))
    _at_most(len(people), settings.BROADCAST_MAX_PEOPLE, "people", "people (shortcuts included)")
    _plan_people(sender, people, friends, result)
    return result


def _member_rooms(sender: User, room_ids: set[int]) -> dict[int, Room]:
    """The rooms among `room_ids` that `sender` is a member of."""
    if not room_ids:
        return {}
    return {r.pk: r for r in Room.objects.filter(pk__in=room_ids, members__user=sender)}


def _plan_rooms(request: BroadcastRequest, rooms: dict[int, Room], result: Plan) -> None:
    """A target per room target the sender is in (in its chosen or default chat)."""
    wanted = [t for t in request.rooms if t.room_id in rooms]
    for target in request.rooms:
        if target.room_id not in rooms:
            result.refused.append(
                refusal("room", target.room_id, "", ErrorCode.NOT_FOUND, NOT_FOUND_ROOM)
            )
    if not wanted:
        return
    chosen = [t.chat_id for t in wanted if t.chat_id is not None]
    chats = Conversation.objects.filter(
        room_id__in=[t.room_id for t in wanted], kind=Conversation.Kind.CHAT
    ).filter(Q(pk__in=chosen) | Q(is_default=True))
    by_id = {c.pk: c for c in chats}
    default = {c.room_id: c for c in by_id.values() if c.is_default}
    for target in wanted:
        room = rooms[target.room_id]
        chat = default.get(room.pk) if target.chat_id is None else by_id.get(target.chat_id)
        if chat is None or chat.room_id != room.pk:
            raise ParleyError(
                ErrorCode.INVALID,
                f"Chat {target.chat_id} is not a chat of the room {room.title}.",
                field="rooms",
            )
        result.targets.append(Target(chat.pk, f"{room.title} › {chat.title}", room=room.pk))


def _friend_ids(sender: User) -> set[int]:
    pairs = Friendship.objects.filter(Q(user_low=sender) | Q(user_high=sender)).values_list(
        "user_low_id", "user_high_id"
    )
    return {low if high == sender.pk else high for low, high in pairs}


def _plan_people(sender: User, people: list[int], friends: set[int] | None, result: Plan) -> None:
    """A target per person the sender may message directly (may_message_directly, in
    bulk); the others refused. `friends`: the sender's, if read already."""
    if not people:
        return
    users = {u.pk: u for u in User.objects.filter(pk__in=people, is_active=True)}
    blocked = set()
    for blocker, blocked_id in Block.objects.filter(
        Q(blocker=sender, blocked_id__in=people) | Q(blocked=sender, blocker_id__in=people)
    ).values_list("blocker_id", "blocked_id"):
        blocked.add(blocked_id if blocker == sender.pk else blocker)
    keys = {direct_key(sender.pk, pk): pk for pk in users}
    existing = Conversation.objects.filter(direct_key__in=list(keys)).values_list(
        "direct_key", "id"
    )
    by_person = {keys[key]: conversation for key, conversation in existing if key is not None}
    unsure = [pk for pk in users if pk not in by_person]
    if friends is None:
        friends = _friend_ids(sender) if unsure else set()
    unsure = [pk for pk in unsure if pk not in friends]
    shared = set(
        RoomMember.objects.filter(user_id__in=unsure, room__members__user=sender).values_list(
            "user_id", flat=True
        )
        if unsure
        else ()
    )
    for pk in people:
        user = users.get(pk)
        if user is None:
            result.refused.append(refusal("person", pk, "", ErrorCode.NOT_FOUND, NOT_FOUND_PERSON))
        elif pk in blocked:
            result.refused.append(refusal("person", pk, user.name, ErrorCode.FORBIDDEN, BLOCKED))
        elif pk in by_person:
            result.targets.append(Target(by_person[pk], user.name, person=pk))
        elif (
            pk in friends
            or pk in shared
            or sender.pk == user.bot_owner_id
            or (pk == sender.bot_owner_id)
        ):
            result.targets.append(Target(None, user.name, person=pk))
            result.new_direct[pk] = user.name
        else:
            result.refused.append(
                refusal("person", pk, user.name, ErrorCode.FORBIDDEN, UNREACHABLE)
            )

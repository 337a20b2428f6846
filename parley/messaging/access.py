"""Fetch-with-permission for conversations: missing and forbidden look the same.

Also the one statement of who may send where (SEND_RULES): access_for_send checks one send
against it, and the batch statement of parley/messaging/actions/send.py embeds the same SQL,
so the two cannot drift apart (parley/messaging/tests/test_send_rules.py runs every case
through both).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection

from parley.accounts.models import Block, User
from parley.accounts.selectors import are_friends, is_blocked_either_way
from parley.core.errors import ErrorCode, ParleyError, not_found
from parley.messaging.models import Conversation, Message, Participant, Room, RoomMember


def access_participant(user: User, conversation_id: int) -> Participant:
    """`user`'s participation in a conversation they belong to, with the conversation."""
    participant = (
        Participant.objects.select_related("conversation", "conversation__room")
        .filter(user=user, conversation_id=conversation_id)
        .first()
    )
    if participant is None:
        raise not_found("That conversation")
    return participant


def access_room(user: User, slug: str) -> tuple[Room, RoomMember | None]:
    """A room `user` may see (public, or private and a member), with their membership."""
    room = Room.objects.filter(slug=slug).first()
    if room is None:
        raise not_found("That room")
    membership = RoomMember.objects.filter(room=room, user=user).first()
    if membership is None and not room.is_public:
        raise not_found("That room")
    return room, membership


def access_message(user: User, message_id: int) -> Message:
    """A message in a conversation `user` is in, with its conversation and room."""
    message = (
        Message.objects.select_related("conversation__room", "sender")
        .filter(pk=message_id, conversation__participants__user=user)
        .first()
    )
    if message is None:
        raise not_found("That message")
    return message


def may_moderate(user: User, message: Message) -> bool:
    """Room owners and admins moderate every message in their room."""
    room = message.conversation.room
    if room is None:
        return False
    membership = RoomMember.objects.filter(room=room, user=user).first()
    return membership is not None and membership.can_manage


def may_message_directly(sender: User, recipient: User) -> bool:
    """Friends, members of a shared room, or a bot and its owner; never when either
    blocked the other."""
    if is_blocked_either_way(sender, recipient):
        return False
    if sender.pk == recipient.bot_owner_id or recipient.pk == sender.bot_owner_id:
        return True
    if are_friends(sender, recipient):
        return True
    shared = RoomMember.objects.filter(user=recipient, room__members__user=sender)
    return shared.exists()


# --- Who may send where --------------------------------------------------------------
# Each rule is a SQL condition over the rows a send reads (send_rows below): the
# conversation (c), its room (r: NULL outside rooms) and the sender's participation (p:
# NULL if none; once it is there, p.user_id is the sender). A send is allowed when every
# rule holds; a refused one gets the error of the first rule that does not, so "not a
# member" comes first and says no more than "not found". Leaving a room, or being removed
# from it, deletes the Participant row: no rule of its own.
#
# The rules run in the hottest statement, once per send: each looks rows up by a key (a
# scalar subquery by primary key, an EXISTS on an index) rather than joining a table,
# which lets PostgreSQL's generic plan scan the whole users table for each send.


@dataclass(frozen=True)
class SendRule:
    name: str
    sql: str  # true when the send may go ahead
    refusal: Callable[[], ParleyError]


_USER = User._meta.db_table
_CONVERSATION = Conversation._meta.db_table
_PARTICIPANT = Participant._meta.db_table
_BLOCK = Block._meta.db_table
_DIRECT = Conversation.Kind.DIRECT.value


def _direct_other_not(condition: str) -> str:
    """True unless the conversation is direct and its other person (o) meets `condition`.
    A CASE, not an OR: SQLite computes both sides of an OR in a SELECT list, and so would
    look at every member of a room."""
    return f"""CASE WHEN c.kind = '{_DIRECT}' THEN NOT EXISTS (
        SELECT 1 FROM {_PARTICIPANT} o
        WHERE o.conversation_id = c.id AND o.user_id <> p.user_id AND {condition}
    ) ELSE TRUE END"""  # noqa: S608 (table names from the models)


SEND_RULES = (
    SendRule("a member", "p.id IS NOT NULL", lambda: not_found("That conversation")),
    SendRule(
        "an active account",
        f"(SELECT u.is_active FROM {_USER} u WHERE u.id = p.user_id)",  # noqa: S608
        lambda: not_found("That conversation"),
    ),
    SendRule(
        "not an archived room",
        "NOT COALESCE(r.is_archived, FALSE)",
        lambda: ParleyError(ErrorCode.FORBIDDEN, "This room is archived; it is read-only."),
    ),
    SendRule(
        "in a direct conversation, the other person's account is active",
        _direct_other_not(f"NOT (SELECT u.is_active FROM {_USER} u WHERE u.id = o.user_id)"),  # noqa: S608
        lambda: not_found("That person"),
    ),
    SendRule(
        "in a direct conversation, neither blocked the other",
        _direct_other_not(
            f"""(EXISTS (SELECT 1 FROM {_BLOCK} b
                        WHERE b.blocker_id = p.user_id AND b.blocked_id = o.user_id)
                OR EXISTS (SELECT 1 FROM {_BLOCK} b
                           WHERE b.blocker_id = o.user_id AND b.blocked_id = p.user_id))"""  # noqa: S608
        ),
        lambda: ParleyError(ErrorCode.FORBIDDEN, "You can't message this person."),
    ),
)

# Every rule at once: the WHERE of the batch statement.
SEND_ALLOWED = " AND ".join(f"({rule.sql})" for rule in SEND_RULES)


def send_rows(sender: str) -> str:
    """The joins that give SEND_RULES their rows, after a FROM that names the conversation
    `c`; `sender` is the SQL expression of the sender's id."""
    return f"""LEFT JOIN {Room._meta.db_table} r ON r.id = c.room_id
    LEFT JOIN {_PARTICIPANT} p ON p.conversation_id = c.id AND p.user_id = {sender}"""


# Named parameters: Django's SQLite backend rewrites "%s" with a regular expression, which
# is slow on a statement this long, and "%(name)s" with one % (bench/README.md).
_SEND_ACCESS = f"""
SELECT c.kind, c.direct_key, c.room_id, {", ".join(f"({rule.sql})" for rule in SEND_RULES)}
FROM {_CONVERSATION} c {send_rows("%(sender)s")}
WHERE c.id = %(conversation)s
"""  # noqa: S608 (table names from the models, values as parameters)


def access_for_send(user: User, conversation_id: int) -> Conversation:
    """The conversation `user` may send to; else the error of the first SEND_RULES broken.

    One plain SELECT, without building an ORM query (that cost more CPU than the query
    itself). The Conversation carries only what sending needs: kind, direct_key, room_id.
    """
    with connection.cursor() as cursor:
        cursor.execute(_SEND_ACCESS, {"sender": user.pk, "conversation": conversation_id})
        row = cursor.fetchone()
    if row is None:
        raise not_found("That conversation")
    kind, direct_key, room_id, *holds = row
    for rule, held in zip(SEND_RULES, holds, strict=True):
        if not held:
            raise rule.refusal()
    conversation = Conversation(
        id=conversation_id, kind=kind, direct_key=direct_key, room_id=room_id
    )
    conversation._state.adding = False
    conversation._state.db = connection.alias
    return conversation

"""What the missed-message email's scan and the Web Push scan share: reading the messages
stored since a cursor, and who each message might notify.

Both scans (parley/notifications/email.py, parley/push/scan.py) read the message table in
id order from their cursor and decide, for a batch of messages, whom each might be for;
each then applies its own channel (policy.allows with "email" or "push"), its own
reachability (an address, a subscribed browser) and its own delivery (a batch, a job).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from parley.messaging.models import Conversation, Message, Participant
from parley.notifications.models import ConversationLevel, Level

# A message younger than this is left to the next scan: ids are taken at INSERT, so one
# sent a moment earlier may commit a moment later, below an id already scanned.
SETTLE_SECONDS = 5


@dataclass(frozen=True)
class Scanned:
    pk: int
    conversation_id: int
    seq: int
    sender_id: int
    mentioned: frozenset[int]
    created_at: datetime


def settled_since(last_id: int, now: datetime, limit: int) -> list[Scanned]:
    """Up to `limit` messages after id `last_id`, in id order, stopping at the first one
    younger than SETTLE_SECONDS (see above). One query."""
    rows = (
        Message.objects.filter(pk__gt=last_id)
        .order_by("pk")
        .values_list("pk", "conversation_id", "seq", "sender_id", "mentioned_ids", "created_at")[
            :limit
        ]
    )
    cutoff = now - timedelta(seconds=SETTLE_SECONDS)
    settled = []
    for pk, conversation_id, seq, sender_id, mentioned, created_at in rows:
        if created_at > cutoff:
            break
        mentioned_ids = frozenset(int(user_id) for user_id in mentioned or ())
        settled.append(Scanned(pk, conversation_id, seq, sender_id, mentioned_ids, created_at))
    return settled


@dataclass(frozen=True)
class Audience:
    """Whom scanned messages might notify, before any channel's own rule."""

    conversations: dict[int, Conversation]
    # message id -> the members it might notify: in direct and group conversations every
    # member; in a room's chat those it mentions and those whose level for the room is
    # "everything"; never the sender, and only people in the conversation now.
    by_message: dict[int, set[int]]


def audience(messages: list[Scanned]) -> Audience:
    """The Audience of `messages`: four queries however many messages and conversations.
    Levels "nothing", do-not-disturb and the switches are left to policy.allows."""
    conversations = Conversation.objects.in_bulk({m.conversation_id for m in messages})
    personal = [c for c, conv in conversations.items() if conv.room_id is None]
    chats = {c: conv.room_id for c, conv in conversations.items() if conv.room_id is not None}
    members: dict[int, set[int]] = {}
    for conversation_id, user_id in Participant.objects.filter(
        conversation_id__in=personal
    ).values_list("conversation_id", "user_id"):
        members.setdefault(conversation_id, set()).add(user_id)
    listening: dict[int, set[int]] = {}  # room -> its members at level everything
    if chats:
        for room_id, user_id in ConversationLevel.objects.filter(
            room_id__in=set(chats.values()), level=Level.EVERYTHING
        ).values_list("room_id", "user_id"):
            listening.setdefault(room_id, set()).add(user_id)
        wanted = set().union(*listening.values()) | {
            u for m in messages if m.conversation_id in chats for u in m.mentioned
        }
        for conversation_id, user_id in Participant.objects.filter(
            conversation_id__in=list(chats), user_id__in=wanted
        ).values_list("conversation_id", "user_id"):
            members.setdefault(conversation_id, set()).add(user_id)
    by_message: dict[int, set[int]] = {}
    for m in messages:
        if m.conversation_id not in conversations:
            continue  # deleted since
        present = members.get(m.conversation_id, set())
        room = chats.get(m.conversation_id)
        if room is not None:
            present = present & (listening.get(room, set()) | m.mentioned)
        by_message[m.pk] = present - {m.sender_id}
    return Audience(conversations, by_message)

"""A conversation's stream: the gapless seq every change takes, under the row lock.

Used inside the caller's transaction by every action that changes a conversation.
"""

from datetime import datetime
from typing import Any

from django.db.models import F
from django.db.models.functions import Coalesce

from parley.messaging.events import message_change_event
from parley.messaging.models import Conversation, ConversationEvent, Message
from parley.realtime.publish import publish_to_conversation


def next_seq(conversation_id: int, now: datetime, *, message: bool = False) -> tuple[int, int]:
    """Take the conversation's next seq; for a new message also count it.

    Returns (seq, message number). The UPDATE locks the conversation's row until the
    caller's transaction ends, so concurrent writers get consecutive seqs and commit in
    seq order.
    """
    updates: dict[str, Any] = {}
    if message:
        # Listed before last_seq on purpose: MySQL/MariaDB evaluate SET left to right
        # (later assignments see earlier ones); PostgreSQL and SQLite use old values.
        updates = {
            "last_message_seq": F("last_seq") + 1,
            "message_count": F("message_count") + 1,
            "last_message_at": now,
            "first_message_at": Coalesce(F("first_message_at"), now),
        }
    updates["last_seq"] = F("last_seq") + 1
    Conversation.objects.filter(pk=conversation_id).update(**updates)
    seq, count = Conversation.objects.filter(pk=conversation_id).values_list(
        "last_seq", "message_count"
    )[0]
    return seq, count


def lock_message(message_id: int) -> Message:
    """Re-read a message inside the transaction, after its conversation's row is locked."""
    return Message.objects.select_related("sender", "conversation__room").get(pk=message_id)


def record_change(
    kind: ConversationEvent.Kind, message: Message, seq: int, now: datetime, **data: Any
) -> None:
    """Store the change at `seq` for resume, and publish it to the members after commit."""
    ConversationEvent.objects.create(
        conversation_id=message.conversation_id,
        seq=seq,
        kind=kind,
        message=message,
        data=data,
        created_at=now,
    )
    publish_to_conversation(
        message.conversation_id, seq, message_change_event(kind, message, seq, data)
    )

"""A conversation's stream: the gapless seq every change takes, under the row lock.

Used inside the caller's transaction by every action that changes a conversation. The
statements here run on every message sent, so they are plain SQL: building them with the
ORM cost more CPU than running them (bench/README.md, "Per-send cost").
"""

from datetime import datetime
from typing import Any

from django.db import connection

from parley.events.publish import publish_to_conversation
from parley.messaging.events import MESSAGE_RELATED, message_change_event
from parley.messaging.models import Conversation, ConversationEvent, Message

_CONVERSATION = Conversation._meta.db_table
# last_message_seq is assigned before last_seq on purpose: MySQL/MariaDB evaluate SET left
# to right (later assignments see earlier ones); PostgreSQL and SQLite use the old values.
_NEXT_MESSAGE_SEQS = f"""
UPDATE {_CONVERSATION}
SET last_message_seq = last_seq + 1, message_count = message_count + 1,
    last_message_at = %s, first_message_at = COALESCE(first_message_at, %s),
    last_seq = last_seq + 1
WHERE id {{where}}
"""  # noqa: S608 (table name from the model, values as parameters)
_NEXT_MESSAGE_SEQ = _NEXT_MESSAGE_SEQS.format(where="= %s")
_NEXT_SEQ = f"UPDATE {_CONVERSATION} SET last_seq = last_seq + 1 WHERE id = %s"  # noqa: S608
_READ_BACK = f"SELECT last_seq, message_count FROM {_CONVERSATION} WHERE id = %s"  # noqa: S608
_RETURNING = " RETURNING last_seq, message_count"


def next_seq(conversation_id: int, now: datetime, *, message: bool = False) -> tuple[int, int]:
    """Take the conversation's next seq; for a new message also count it.

    Returns (seq, message number). The UPDATE locks the conversation's row until the
    caller's transaction ends, so concurrent writers get consecutive seqs and commit in
    seq order. One statement on PostgreSQL and SQLite (UPDATE … RETURNING); MariaDB
    reads the row back.
    """
    if message:
        at = connection.ops.adapt_datetimefield_value(now)
        sql, params = _NEXT_MESSAGE_SEQ, [at, at, conversation_id]
    else:
        sql, params = _NEXT_SEQ, [conversation_id]
    with connection.cursor() as cursor:
        if connection.vendor in ("postgresql", "sqlite"):
            cursor.execute(sql + _RETURNING, params)
        else:
            cursor.execute(sql, params)
            cursor.execute(_READ_BACK, [conversation_id])
        seq, count = cursor.fetchone()
    return seq, count


def next_message_seqs(conversation_ids: list[int], now: datetime) -> dict[int, tuple[int, int]]:
    """next_seq(message=True) for one new message in each of these conversations, in one
    UPDATE (and a read back on MariaDB): (seq, message number) by conversation. The
    caller locks the rows first, in id order, so that two such batches cannot deadlock."""
    at = connection.ops.adapt_datetimefield_value(now)
    marks = ", ".join(["%s"] * len(conversation_ids))
    sql = _NEXT_MESSAGE_SEQS.format(where=f"IN ({marks})")
    params = [at, at, *conversation_ids]
    with connection.cursor() as cursor:
        if connection.vendor in ("postgresql", "sqlite"):
            cursor.execute(sql + " RETURNING id, last_seq, message_count", params)
        else:
            cursor.execute(sql, params)
            cursor.execute(
                f"SELECT id, last_seq, message_count FROM {_CONVERSATION} "  # noqa: S608
                f"WHERE id IN ({marks})",
                conversation_ids,
            )
        return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}


def lock_message(message_id: int) -> Message:
    """Re-read a message inside the transaction, after its conversation's row is locked."""
    return Message.objects.select_related(*MESSAGE_RELATED, "conversation__room").get(pk=message_id)


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

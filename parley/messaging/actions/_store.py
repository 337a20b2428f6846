"""Storing messages: the one INSERT of message rows, whoever sends.

A message sent alone (do_send_message) and a broadcast's copies (parley/broadcasts) go
through insert_messages; the socket server's batch of plain sends is one statement of
its own on PostgreSQL (send.py's _SEND_PLAIN), with the same columns. store_copies is the
batched form for one new message in each of many conversations: a constant number of
statements however many conversations (number, insert, mark read). The statements are
plain SQL, as the rest of the send path (see _stream.py for why).
"""

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connection

from parley.accounts.models import User
from parley.messaging.actions._stream import next_message_seqs
from parley.messaging.models import Conversation, Message, Participant

_MESSAGE = Message._meta.db_table
_INSERT = f"""
INSERT INTO {_MESSAGE} (conversation_id, seq, number, updated_seq, sender_id, client_id,
    body, html, created_at, edit_count, reply_to_id, mentioned_ids, reactions, attachments)
VALUES {{rows}}
"""  # noqa: S608 (table name from the model, values as parameters)
_ROW = "(%s, %s, %s, %s, %s, %s, %s, %s, %s, 0, %s, %s, %s, %s)"
# Rows per INSERT: 13 parameters each keeps a statement under SQLite's and PostgreSQL's
# parameter limits.
INSERT_BATCH = 500

_CONVERSATION = Conversation._meta.db_table
# What you send, you have read: the sender's markers move to their new messages (the
# conversations' rows are locked by the caller, so last_seq is that message's seq).
_SENDER_READ = f"""
UPDATE {Participant._meta.db_table}
SET last_read_seq = (SELECT c.last_seq FROM {_CONVERSATION} c WHERE c.id = conversation_id),
    read_count = (SELECT c.message_count FROM {_CONVERSATION} c WHERE c.id = conversation_id)
WHERE user_id = %s AND conversation_id IN ({{ids}})
"""  # noqa: S608


@functools.cache
def _insert_sql(rows: int) -> str:
    return _INSERT.format(rows=", ".join([_ROW] * rows))


def mark_stored(message: Message) -> None:
    """Mark a message built here as a row of the database (its INSERT ran)."""
    message._state.adding = False
    message._state.db = connection.alias


def insert_messages(messages: Sequence[Message]) -> None:
    """INSERT the messages (new, each with its seq and number) and set their ids: one
    statement per INSERT_BATCH, no ORM query building. A duplicate (sender, client_id)
    raises IntegrityError, which rolls the caller's transaction (its seqs too) back."""
    json_field = Message._meta.get_field("mentioned_ids")
    empty = json_field.get_db_prep_save([], connection)
    for start in range(0, len(messages), INSERT_BATCH):
        chunk = messages[start : start + INSERT_BATCH]
        params: list[Any] = []
        for message in chunk:
            params += [
                message.conversation_id, message.seq, message.number, message.updated_seq,
                message.sender_id, message.client_id, message.body, message.html,
                connection.ops.adapt_datetimefield_value(message.created_at),
                message.reply_to_id,
                json_field.get_db_prep_save(message.mentioned_ids, connection),
                empty,
                json_field.get_db_prep_save(message.attachments, connection),
            ]  # fmt: skip
        sql = _insert_sql(len(chunk))
        with connection.cursor() as cursor:
            if connection.features.can_return_rows_from_bulk_insert:
                cursor.execute(sql + " RETURNING id, client_id", params)
                ids = dict((client_id, pk) for pk, client_id in cursor.fetchall())
            elif len(chunk) == 1:
                cursor.execute(sql, params)
                ids = {chunk[0].client_id: cursor.lastrowid}
            else:  # no RETURNING: read the ids back by the sender's client ids
                cursor.execute(sql, params)
                ids = dict(
                    Message.objects.filter(
                        sender_id=chunk[0].sender_id, client_id__in=[m.client_id for m in chunk]
                    ).values_list("client_id", "id")
                )
        for message in chunk:
            message.pk = ids[message.client_id]
            mark_stored(message)


def store_copies(
    sender: User, body: str, html: str, client_ids: dict[int, str], now: datetime
) -> list[Message]:
    """One new message from `sender` in each conversation of `client_ids` (conversation
    id -> the copy's client_id), their rows locked by the caller: numbered (one UPDATE),
    inserted (insert_messages) and read by the sender (one UPDATE). No mentions, reply
    or files. The caller publishes them."""
    ids = list(client_ids)
    numbered = next_message_seqs(ids, now)
    messages = [
        Message(
            conversation_id=conversation_id, seq=numbered[conversation_id][0],
            number=numbered[conversation_id][1], updated_seq=numbered[conversation_id][0],
            sender=sender, client_id=client_id, body=body, html=html, created_at=now,
            mentioned_ids=[], reactions=[], attachments=[],
        )
        for conversation_id, client_id in client_ids.items()
    ]  # fmt: skip
    insert_messages(messages)
    with connection.cursor() as cursor:
        cursor.execute(_SENDER_READ.format(ids=", ".join(["%s"] * len(ids))), [sender.pk, *ids])
    return messages

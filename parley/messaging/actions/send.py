"""Sending a message: the hot path.

check_send_message validates and authorises, then do_send_message allocates the next
seq under the conversation's row lock, stores the message and publishes it after commit.
A resend with the same client_id returns the original message and publishes nothing: the
unique (sender, client_id) index refuses the second insert, which rolls the seq back.
"""

import re
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from parley.accounts.models import Block, User
from parley.core.errors import ErrorCode, ParleyError, not_found
from parley.core.ratelimit import Limit, take_token
from parley.messaging.access import access_for_send
from parley.messaging.actions.direct import (
    check_direct_not_blocked,
    direct_conversation_for_send,
)
from parley.messaging.actions.mentions import mentionable_members, store_mentions
from parley.messaging.actions.stream import next_seq
from parley.messaging.events import message_event
from parley.messaging.models import Conversation, Message, Participant, Room
from parley.messaging.rendering import Mentionable, render
from parley.realtime.publish import publish_to_conversation

CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}\Z")


@dataclass(frozen=True)
class SendResult:
    message: Message
    created: bool


def _existing(sender: User, client_id: str) -> Message | None:
    return (
        Message.objects.select_related("sender").filter(sender=sender, client_id=client_id).first()
    )


def check_body(body: str) -> str:
    if not body.strip():
        raise ParleyError(ErrorCode.INVALID, "A message can't be empty.")
    limit = settings.MESSAGE_MAX_CHARS
    if len(body) > limit:
        raise ParleyError(
            ErrorCode.INVALID,
            f"A message can be at most {limit:,} characters; this one has {len(body):,}.",
        )
    return body


def _check_rate(sender: User) -> None:
    limit = Limit(rate=settings.SEND_RATE_PER_SECOND, burst=settings.SEND_RATE_BURST)
    wait = take_token(f"send:{sender.pk}", limit)
    if wait:
        raise ParleyError(
            ErrorCode.RATE_LIMITED,
            "You are sending messages too fast; wait a moment.",
            retry_after=round(wait, 3),
        )


def check_send_message(
    sender: User,
    *,
    client_id: str,
    body: str,
    conversation_id: int | None = None,
    to_user_id: int | None = None,
    reply_to: int | None = None,
) -> SendResult:
    """Send `body` to a conversation `sender` is in, or as a direct message to a user.

    Exactly one of conversation_id and to_user_id; `reply_to` is a message of the same
    conversation. Raises ParleyError for bad input, a conversation or message the sender
    cannot see (not_found), an archived room, or the rate limit.
    """
    if not CLIENT_ID.match(client_id):
        raise ParleyError(ErrorCode.INVALID, "client_id must be 1-64 letters, digits, - or _.")
    check_body(body)
    if (conversation_id is None) == (to_user_id is None):
        raise ParleyError(ErrorCode.INVALID, "Send to a conversation or to a user, not both.")
    if conversation_id is not None and reply_to is None and _one_statement(body):
        sent = _send_or_existing(sender, client_id, lambda: _send_in_one_statement(
            sender, conversation_id, client_id, body))  # fmt: skip
        if sent is not None:
            return sent
        # Refused: the checks below say why (not found, archived or blocked).
    if conversation_id is not None:
        conversation, archived = access_for_send(sender, conversation_id)
        check_direct_not_blocked(sender, conversation)
    else:
        assert to_user_id is not None
        conversation, archived = direct_conversation_for_send(sender, to_user_id), False
    if archived:
        raise ParleyError(ErrorCode.FORBIDDEN, "This room is archived; it is read-only.")
    original = _reply_target(conversation, reply_to) if reply_to is not None else None
    sent = _send_or_existing(sender, client_id, lambda: do_send_message(
        sender, conversation, client_id, body, reply_to=original,
        mentionable=mentionable_members(conversation.pk, body),
    ))  # fmt: skip
    assert sent is not None
    return sent


def _send_or_existing(
    sender: User, client_id: str, send: Callable[[], Message | None]
) -> SendResult | None:
    """Take a rate-limit token and send; a resend returns the original message instead.

    A resend is found by its client_id only when the insert collides (or the rate limit
    refuses it): the common, first send pays no extra query for it.
    """
    try:
        _check_rate(sender)
    except ParleyError:
        existing = _existing(sender, client_id)
        if existing is None:
            raise
        return SendResult(existing, created=False)
    try:
        message = send()
    except IntegrityError:
        existing = _existing(sender, client_id)
        if existing is None:
            raise
        return SendResult(existing, created=False)
    return None if message is None else SendResult(message, created=True)


def _reply_target(conversation: Conversation, message_id: int) -> Message:
    original = (
        Message.objects.select_related("sender")
        .filter(pk=message_id, conversation_id=conversation.pk)
        .first()
    )
    if original is None:
        raise not_found("The message you are replying to")
    if original.is_deleted or original.moved_to_id:
        raise ParleyError(ErrorCode.INVALID, "That message is gone; it can't be replied to.")
    return original


def do_send_message(
    sender: User,
    conversation: Conversation,
    client_id: str,
    body: str,
    *,
    reply_to: Message | None = None,
    mentionable: Mentionable | None = None,
) -> Message:
    """Store and publish a message. Trusts its input; takes the conversation's row lock.

    The seq comes from next_seq, which holds the row lock until commit, so concurrent
    senders get consecutive seqs and commit in seq order. Published to
    conversation.<id> after commit.
    """
    html, mentioned = render(body, mentionable)
    with transaction.atomic():
        now = timezone.now()
        seq, number = next_seq(conversation.pk, now, message=True)
        message = Message(
            conversation=conversation,
            seq=seq,
            number=number,
            updated_seq=seq,
            sender=sender,
            client_id=client_id,
            body=body,
            html=html,
            created_at=now,
            reply_to=reply_to,
            mentioned_ids=mentioned,
        )
        _insert(message)
        if mentioned:
            store_mentions(message, mentioned)
        # What you send, you have read.
        with connection.cursor() as cursor:
            cursor.execute(_READ, [seq, number, conversation.pk, sender.pk, seq])
        publish_to_conversation(conversation.pk, seq, message_event(message))
    return message


# The hot path's statements in plain SQL (see stream.py for why). A duplicate client_id
# fails the INSERT on the unique index, which rolls the whole send back.
_MESSAGE = Message._meta.db_table
_INSERT = f"""
INSERT INTO {_MESSAGE} (conversation_id, seq, number, updated_seq, sender_id, client_id,
    body, html, created_at, edit_count, reply_to_id, mentioned_ids, reactions)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, 0, %s, %s, %s)
"""  # noqa: S608 (table name from the model, values as parameters)
_READ = f"""
UPDATE {Participant._meta.db_table} SET last_read_seq = %s, read_count = %s
WHERE conversation_id = %s AND user_id = %s AND last_read_seq < %s
"""  # noqa: S608


def _insert(message: Message) -> None:
    """INSERT the message and set its id: one statement, no ORM query building."""
    json_field = Message._meta.get_field("mentioned_ids")
    params = [
        message.conversation_id,
        message.seq,
        message.number,
        message.updated_seq,
        message.sender_id,
        message.client_id,
        message.body,
        message.html,
        connection.ops.adapt_datetimefield_value(message.created_at),
        message.reply_to_id,
        json_field.get_db_prep_save(message.mentioned_ids, connection),
        json_field.get_db_prep_save([], connection),
    ]
    with connection.cursor() as cursor:
        if connection.features.can_return_columns_from_insert:
            cursor.execute(_INSERT + " RETURNING id", params)
            message.pk = cursor.fetchone()[0]
        else:
            cursor.execute(_INSERT, params)
            message.pk = cursor.lastrowid
    message._state.adding = False
    message._state.db = connection.alias


# --- PostgreSQL: a plain message in one statement ---------------------------------------
# The common send (to a conversation, no reply, nothing that could be a mention) as one
# statement: the access check, the seq under the conversation's row lock, the insert and
# the sender's read marker, in data-modifying CTEs. Outside a transaction it is its own
# transaction: one round trip instead of six (SELECT, BEGIN, UPDATE, INSERT, UPDATE,
# COMMIT), which was two thirds of a send's CPU (bench/README.md). A send it refuses
# returns no row, and the full path then says why. A duplicate client_id fails the
# insert, which rolls the seq back, as on the full path.
_ONE_STATEMENT = f"""
WITH allowed AS (
    SELECT c.id FROM {Participant._meta.db_table} p
    JOIN {Conversation._meta.db_table} c ON c.id = p.conversation_id
    LEFT JOIN {Room._meta.db_table} r ON r.id = c.room_id
    WHERE p.user_id = %(sender)s AND p.conversation_id = %(conversation)s
      AND NOT COALESCE(r.is_archived, FALSE)
      AND NOT EXISTS (
          SELECT 1 FROM {Participant._meta.db_table} o
          JOIN {Block._meta.db_table} b
            ON (b.blocker_id = %(sender)s AND b.blocked_id = o.user_id)
            OR (b.blocker_id = o.user_id AND b.blocked_id = %(sender)s)
          WHERE c.kind = 'direct' AND o.conversation_id = c.id AND o.user_id <> %(sender)s
      )
), seq AS (
    UPDATE {Conversation._meta.db_table}
    SET last_message_seq = last_seq + 1, message_count = message_count + 1,
        last_message_at = %(now)s, first_message_at = COALESCE(first_message_at, %(now)s),
        last_seq = last_seq + 1
    WHERE id = (SELECT id FROM allowed)
    RETURNING last_seq, message_count
), message AS (
    INSERT INTO {_MESSAGE} (conversation_id, seq, number, updated_seq, sender_id, client_id,
        body, html, created_at, edit_count, reply_to_id, mentioned_ids, reactions)
    SELECT %(conversation)s, last_seq, message_count, last_seq, %(sender)s, %(client_id)s,
        %(body)s, %(html)s, %(now)s, 0, NULL, '[]', '[]'
    FROM seq
    RETURNING id, seq, number
), read AS (
    UPDATE {Participant._meta.db_table} SET last_read_seq = message.seq, read_count = message.number
    FROM message
    WHERE conversation_id = %(conversation)s AND user_id = %(sender)s
      AND last_read_seq < message.seq
)
SELECT id, seq, number FROM message
"""  # noqa: S608 (table names from the models, values as parameters)


def _one_statement(body: str) -> bool:
    """Whether this send can take the one-statement path: PostgreSQL, and a body that
    mentions nobody (a mention needs the members read first, and Mention rows)."""
    return connection.vendor == "postgresql" and "@" not in body


def _send_in_one_statement(
    sender: User, conversation_id: int, client_id: str, body: str
) -> Message | None:
    """Store and publish a message in one statement; None if the sender may not send
    there (not a member, an archived room, a block): nothing is changed then."""
    html, _ = render(body)
    now = timezone.now()
    params: dict[str, int | str | datetime] = {
        "sender": sender.pk,
        "conversation": conversation_id,
        "client_id": client_id,
        "body": body,
        "html": html,
        "now": now,
    }
    with transaction.atomic() if connection.in_atomic_block else nullcontext():
        with connection.cursor() as cursor:
            cursor.execute(_ONE_STATEMENT, params)
            row = cursor.fetchone()
        if row is None:
            return None
        pk, seq, number = row
        message = Message(
            pk=pk,
            conversation_id=conversation_id,
            seq=seq,
            number=number,
            updated_seq=seq,
            sender=sender,
            client_id=client_id,
            body=body,
            html=html,
            created_at=now,
            mentioned_ids=[],
        )
        message._state.adding = False
        message._state.db = connection.alias
        # Committed already, unless inside the caller's transaction: then after its commit.
        publish_to_conversation(conversation_id, seq, message_event(message))
    return message

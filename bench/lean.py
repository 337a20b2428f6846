"""A leaner send path, to measure what the ORM costs on the hot path (experiment "lean-send").

Same checks and the same rows as parley.messaging.actions.send.check_send_message for a
send into a conversation, in 4 statements instead of 8 and without building ORM queries:

1. one SELECT for the sender's participation, the conversation and its room (archived?);
   direct conversations still go through check_direct_not_blocked;
2. UPDATE conversation ... RETURNING last_seq (the row lock and the seq in one round trip);
3. INSERT message ... ON CONFLICT (sender, client_id) DO NOTHING RETURNING id: a resend
   finds no row and rolls back, instead of a SELECT for it before every send;
4. the sender's read marker, as before.

Not production code: no tests, a measurement of the proposal in bench/README.md. Sends
addressed to a user (first direct message) fall back to the real function.
"""

from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from parley.accounts.models import User
from parley.core.errors import ErrorCode, ParleyError, not_found
from parley.messaging.actions import send as real
from parley.messaging.actions.direct import check_direct_not_blocked
from parley.messaging.events import message_event
from parley.messaging.models import Conversation, Message
from parley.messaging.rendering import render_markdown
from parley.realtime.publish import publish_to_conversation

_ACCESS = """
SELECT c.id, c.kind, c.direct_key, r.is_archived
FROM messaging_participant p
JOIN messaging_conversation c ON c.id = p.conversation_id
LEFT JOIN messaging_room r ON r.id = c.room_id
WHERE p.user_id = %s AND p.conversation_id = %s
"""
_NEXT_SEQ = """
UPDATE messaging_conversation
SET last_seq = last_seq + 1, last_message_at = %s,
    first_message_at = COALESCE(first_message_at, %s)
WHERE id = %s
RETURNING last_seq
"""
_INSERT = """
INSERT INTO messaging_message (conversation_id, seq, sender_id, client_id, body, html, created_at)
VALUES (%s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (sender_id, client_id) DO NOTHING
RETURNING id
"""
_READ = """
UPDATE messaging_participant SET last_read_seq = %s
WHERE conversation_id = %s AND user_id = %s AND last_read_seq < %s
"""


class _Duplicate(Exception):
    pass


def lean_check_send_message(
    sender: User,
    *,
    client_id: str,
    body: str,
    conversation_id: int | None = None,
    to_user_id: int | None = None,
) -> Any:
    if conversation_id is None or to_user_id is not None:
        return real.check_send_message(
            sender,
            client_id=client_id,
            body=body,
            conversation_id=conversation_id,
            to_user_id=to_user_id,
        )
    if not real.CLIENT_ID.match(client_id):
        raise ParleyError(ErrorCode.INVALID, "client_id must be 1-64 letters, digits, - or _.")
    real.check_body(body)
    with connection.cursor() as cursor:
        cursor.execute(_ACCESS, [sender.pk, conversation_id])
        row = cursor.fetchone()
    if row is None:
        raise not_found("That conversation")
    conversation = Conversation(id=row[0], kind=row[1], direct_key=row[2])
    check_direct_not_blocked(sender, conversation)
    if row[3]:
        raise ParleyError(ErrorCode.FORBIDDEN, "This room is archived; it is read-only.")
    real._check_rate(sender)
    html = render_markdown(body)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            now = timezone.now()
            cursor.execute(_NEXT_SEQ, [now, now, conversation_id])
            seq = cursor.fetchone()[0]
            cursor.execute(_INSERT, [conversation_id, seq, sender.pk, client_id, body, html, now])
            inserted = cursor.fetchone()
            if inserted is None:
                raise _Duplicate
            cursor.execute(_READ, [seq, conversation_id, sender.pk, seq])
            message = Message(
                id=inserted[0],
                conversation_id=conversation_id,
                seq=seq,
                sender=sender,
                client_id=client_id,
                body=body,
                html=html,
                created_at=now,
            )
            publish_to_conversation(conversation_id, seq, message_event(message))
    except _Duplicate:
        existing = real._existing(sender, client_id)
        assert existing is not None
        return real.SendResult(existing, created=False)
    return real.SendResult(message, created=True)

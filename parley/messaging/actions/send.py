"""Sending messages: the hot path.

One entry, check_send_messages: a batch of one or many sends, each answered with its
message or its error (check_send_message is a batch of one). The socket server runs the
same entry in three steps on its event loop (prepare_batch, store_batch, finish_batch in
_send_batch.py; see the socket server's sending.py). Who may send where is stated once,
as SEND_RULES in parley/messaging/access.py.

A batch's sends are checked (the frame) and take their rate-limit tokens together. The
plain ones (PostgreSQL, to a conversation, no reply, no possible mention) are stored
together by one statement, _SEND_PLAIN, which applies SEND_RULES in SQL. Every other
send, and a plain one the statement did not store, goes alone (_send_alone):
access_for_send applies SEND_RULES and names the first one broken, then do_send_message
stores the message under the conversation's row lock. A resend with the same client_id
gets the original: the unique (sender, client_id) index refuses the second insert, which
rolls its seq back.
"""

import logging
import re
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from django.conf import settings
from django.db import (
    DatabaseError,
    IntegrityError,
    connection,
    transaction,
)
from django.utils import timezone

from parley.accounts.models import User
from parley.core import db_async
from parley.core.errors import ErrorCode, ParleyError, not_found
from parley.core.ratelimit import Limit, take_tokens
from parley.core.resilience import unavailable
from parley.core.validation import check_text
from parley.events.publish import publish_to_conversation
from parley.files.actions import access_for_attach, do_attach
from parley.files.links import stored
from parley.files.models import Attachment
from parley.messaging.access import (
    DIRECT_BOT_TO_NOTIFY,
    SEND_ALLOWED,
    access_for_send_notifying,
    send_rows,
)
from parley.messaging.actions._bots import notify_bots
from parley.messaging.actions._mentions import store_mentions
from parley.messaging.actions._store import insert_messages, mark_stored
from parley.messaging.actions._stream import next_seq
from parley.messaging.actions.direct import check_direct_conversation
from parley.messaging.events import message_event
from parley.messaging.models import Conversation, Message, Participant
from parley.messaging.rendering import Mentionable, render
from parley.messaging.selectors import mentionable_members

logger = logging.getLogger(__name__)

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
    if not check_text(body, "body").strip():
        raise ParleyError(ErrorCode.INVALID, "A message can't be empty.", field="body")
    return check_body_length(body)


def check_body_length(body: str) -> str:
    check_text(body, "body")
    limit = settings.MESSAGE_MAX_CHARS
    if len(body) > limit:
        raise ParleyError(
            ErrorCode.INVALID,
            f"A message can be at most {limit:,} characters; this one has {len(body):,}.",
            field="body",
        )
    return body


@dataclass(frozen=True)
class SendRequest:
    """One message to send: to a conversation, or as a direct message to a user."""

    sender: User
    client_id: str
    body: str
    conversation_id: int | None = None
    to_user_id: int | None = None
    reply_to: int | None = None
    attachments: tuple[int, ...] = ()  # ids of the sender's uploads to the conversation


def check_send_message(
    sender: User,
    *,
    client_id: str,
    body: str,
    conversation_id: int | None = None,
    to_user_id: int | None = None,
    reply_to: int | None = None,
    attachments: Sequence[int] = (),
) -> SendResult:
    """Send `body` to a conversation `sender` is in, or as a direct message to a user.

    Exactly one of conversation_id and to_user_id; `reply_to` is a message of the same
    conversation. `attachments` are ids of the sender's uploads to that conversation not
    sent yet (parley.files), at most FILES_MAX_PER_MESSAGE; with them the body may be
    empty. Raises ParleyError for bad input, a send SEND_RULES refuse (not_found
    for a conversation or message the sender cannot see), or the rate limit.
    """
    request = SendRequest(
        sender, client_id, body, conversation_id, to_user_id, reply_to, tuple(attachments)
    )
    result = check_send_messages([request])[0]
    if isinstance(result, ParleyError):
        raise result
    return result


def check_send_messages(requests: Sequence[SendRequest]) -> list[SendResult | ParleyError]:
    """Check, store and publish several sends at once: a result or an error for each.

    Each gets what it would get alone (one bad send fails alone). The rate-limit tokens
    are taken in one round trip, and the plain sends stored in one statement (in the
    caller's transaction if there is one, else in its own). Plain sends to one
    conversation take seqs in the order of `requests`, before the batch's other sends.
    A database that is away answers the sends it meets `unavailable`; a resend of those
    stored before gets its original.
    """
    results, valid = _checked(requests)
    waits = take_tokens(_token_keys(requests, valid), _send_limit())
    batch = _prepared(requests, results, valid, waits)
    if batch.plain:
        batch.rows = _store_plain(batch)
    sent = _plain_stored(batch)
    for message in sent.values():  # after the commit: the statement's own or the caller's
        publish_to_conversation(message.conversation_id, message.seq, message_event(message))
    return _finish(batch, sent)


@dataclass
class Batch:
    """check_send_messages in steps on the event loop (prepare_batch, store_batch,
    finish_batch). On PostgreSQL the common batch, all plain, never leaves the loop: the
    rate limits are an awaited Redis call, the plain sends one awaited statement on the
    loop's own connection (parley/core/db_async.py). What needs Django's ORM (the sends
    that go alone, a resend's original) runs in a worker thread; on other databases, all
    of it (check_send_messages)."""

    requests: Sequence[SendRequest]
    results: "_Results"
    allowed: list[int]
    limited: list[tuple[int, float]]
    plain: list[SendRequest]
    rendered: list[str]
    now: datetime
    rows: list[tuple[Any, ...]] | None = None  # what the statement stored

    @cached_property
    def needs_thread(self) -> bool:
        """Whether finish_batch must go to a worker thread (and so publish later); read
        only once the statement has run (the queue and finish_batch both ask)."""
        if not db_async.available() or self.limited:
            return True
        stored = {(sender_id, client_id) for *_, sender_id, client_id in self.rows or ()}
        return any(_key(self.requests[i]) not in stored for i in self.allowed)


_Results = list[SendResult | ParleyError | None]


def _checked(requests: Sequence[SendRequest]) -> tuple[_Results, list[int]]:
    """Every request's result so far (its error, if its frame is bad), and the valid ones."""
    results: _Results = [None] * len(requests)
    valid: list[int] = []
    for i, request in enumerate(requests):
        try:
            _check_request(request)
            valid.append(i)
        except ParleyError as error:
            results[i] = error
    return results, valid


def _send_limit() -> Limit:
    return Limit(rate=settings.SEND_RATE_PER_SECOND, burst=settings.SEND_RATE_BURST)


def _token_keys(requests: Sequence[SendRequest], indices: list[int]) -> list[str]:
    return [f"send:{requests[i].sender.pk}" for i in indices]


def _admitted(valid: list[int], waits: list[float]) -> tuple[list[int], list[tuple[int, float]]]:
    """Those that got a token, and those refused with the time to wait."""
    allowed, limited = [], []
    for i, wait in zip(valid, waits, strict=True):
        if wait:
            limited.append((i, wait))
        else:
            allowed.append(i)
    return allowed, limited


def _key(request: SendRequest) -> tuple[int, str]:
    return (request.sender.pk, request.client_id)


def _prepared(
    requests: Sequence[SendRequest], results: _Results, valid: list[int], waits: list[float]
) -> Batch:
    """The batch of `requests` once checked and given their rate-limit `waits`."""
    allowed, limited = _admitted(valid, waits)
    plain, rendered = _rendered_plain(requests, allowed, results)
    return Batch(requests, results, allowed, limited, plain, rendered, timezone.now())


def _finish(batch: Batch, sent: dict[tuple[int, str], Message]) -> list[SendResult | ParleyError]:
    """The results, once the plain sends are stored (`sent`): the others go alone, and a
    send over the rate limit gets its original if it is a resend."""
    requests, results = batch.requests, batch.results
    for i, wait in batch.limited:
        results[i] = _resend_or(requests[i], _rate_limited(wait))
    for i in batch.allowed:
        request = requests[i]
        message = sent.get(_key(request))
        if message is not None:
            results[i] = SendResult(message, created=True)
            continue
        results[i] = _send_alone(request)
    return [result for result in results if result is not None]


def _send_alone(request: SendRequest) -> SendResult | ParleyError:
    """_send_one, whose failure is this send's alone: any error becomes its result, so
    that the other sends of its batch are stored and answered as if it were not there."""
    try:
        return _send_one(request)
    except ParleyError as error:
        return error
    except Exception as error:
        # The database away or busy is retryable (logged once per outage); an error of
        # this message's own (a trigger, a constraint) or any other is not.
        retryable = unavailable(error)
        if retryable is not None:
            return retryable
        logger.exception("send %s of user %s failed", request.client_id, request.sender.pk)
        return ParleyError(ErrorCode.INTERNAL, "That message could not be stored.")


def _check_request(request: SendRequest) -> None:
    if not CLIENT_ID.match(request.client_id):
        raise ParleyError(
            ErrorCode.INVALID, "client_id must be 1-64 letters, digits, - or _.", field="client_id"
        )
    if request.attachments and not request.body.strip():
        check_body_length(request.body)  # files alone: the text may be empty
    else:
        check_body(request.body)
    if (request.conversation_id is None) == (request.to_user_id is None):
        raise ParleyError(ErrorCode.INVALID, "Send to a conversation or to a user, not both.")


def _rate_limited(wait: float) -> ParleyError:
    return ParleyError(
        ErrorCode.RATE_LIMITED,
        "You are sending messages too fast; wait a moment.",
        retry_after=round(wait, 3),
    )


def _resend_or(request: SendRequest, error: ParleyError) -> SendResult | ParleyError:
    """A resend gets its original message; a new message gets `error`.

    A resend is found by its client_id only when the insert collides (or the rate limit
    refuses it): the common, first send pays no extra query for it.
    """
    existing = _existing(request.sender, request.client_id)
    return error if existing is None else SendResult(existing, created=False)


def _send_one(request: SendRequest) -> SendResult:
    """One send alone, its rate-limit token taken: SEND_RULES with the error of the first
    one broken, replies, mentions, the first message of a direct conversation."""
    sender = request.sender
    conversation_id = request.conversation_id
    if conversation_id is None:
        assert request.to_user_id is not None
        conversation_id = check_direct_conversation(sender, request.to_user_id).pk
    conversation, direct_bot = access_for_send_notifying(sender, conversation_id)
    original = (
        _reply_target(conversation, request.reply_to) if request.reply_to is not None else None
    )
    try:
        files = access_for_attach(sender, conversation.pk, request.attachments)
    except ParleyError as error:  # a resend's files are in its original already
        resent = _resend_or(request, error)
        if isinstance(resent, ParleyError):
            raise
        return resent
    try:
        message = do_send_message(
            sender,
            conversation,
            request.client_id,
            request.body,
            reply_to=original,
            mentionable=mentionable_members(conversation.pk, request.body),
            direct_bot=direct_bot,
            attachments=files,
        )
    except IntegrityError:
        existing = _existing(sender, request.client_id)
        if existing is None:
            raise
        return SendResult(existing, created=False)
    return SendResult(message, created=True)


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
    direct_bot: int | None = None,
    attachments: Sequence[Attachment] = (),
) -> Message:
    """Store and publish a message. Trusts its input; takes the conversation's row lock.

    The seq comes from next_seq, which holds the row lock until commit, so concurrent
    senders get consecutive seqs and commit in seq order. Published to
    conversation.<id> after commit. The bots with outgoing webhooks that it mentions, and
    `direct_bot` (the other person of a direct conversation, if such a bot), are sent it
    by a job enqueued with the same commit. `attachments` (checked by access_for_attach)
    go into the message in the same transaction.
    """
    html, mentioned = render(body, mentionable)
    with transaction.atomic():
        now = timezone.now()
        seq, number = next_seq(conversation.pk, now, message=True)
        message = _message(
            sender, client_id, body, html, seq, number, now,
            conversation=conversation, reply_to=reply_to, mentioned_ids=mentioned,
            attachments=[stored(a) for a in attachments],
        )  # fmt: skip
        insert_messages([message])
        do_attach(message, attachments)
        if mentioned:
            store_mentions(message, mentioned)
        if (mentioned or direct_bot) and not sender.is_bot:
            notify_bots(message, mentionable or {}, mentioned, direct_bot)
        # What you send, you have read.
        with connection.cursor() as cursor:
            cursor.execute(_READ, [seq, number, conversation.pk, sender.pk, seq])
        publish_to_conversation(conversation.pk, seq, message_event(message))
    return message


# The hot path's statement in plain SQL (see _stream.py for why); the INSERT is
# _store.py's, shared with broadcasts. A duplicate client_id fails the INSERT on the
# unique index, which rolls the whole send back.
_MESSAGE = Message._meta.db_table
_READ = f"""
UPDATE {Participant._meta.db_table} SET last_read_seq = %s, read_count = %s
WHERE conversation_id = %s AND user_id = %s AND last_read_seq < %s
"""  # noqa: S608


def _message(
    sender: User,
    client_id: str,
    body: str,
    html: str,
    seq: int,
    number: int,
    now: datetime,
    **fields: Any,
) -> Message:
    """A new message as stored at `seq` (its first version: updated_seq is seq)."""
    return Message(
        seq=seq, number=number, updated_seq=seq, sender=sender, client_id=client_id,
        body=body, html=html, created_at=now, **fields,
    )  # fmt: skip


# --- Plain messages together: one statement on PostgreSQL ----------------------------
# Plain sends (to a conversation, no reply, nothing that could be a mention) are stored
# together on PostgreSQL in one statement of data-modifying CTEs, which keeps the sends
# SEND_RULES allow, locks their conversations' rows in id order (so that two batches can
# never deadlock), takes consecutive seqs per conversation, inserts the messages and
# moves the senders' read markers: one round trip for the batch, where one send alone
# takes six. A send it refuses gets no row, and goes alone, where access_for_send says
# why. A duplicate client_id fails the whole statement, seqs included; every send of the
# batch then goes alone, and a resend finds its original. A direct message to a bot with
# an outgoing webhook (DIRECT_BOT_TO_NOTIFY) is left to go alone too: rare, and
# do_send_message enqueues its delivery.
_PARTICIPANT = Participant._meta.db_table
_CONVERSATION = Conversation._meta.db_table
_SEND_PLAIN = f"""
WITH input AS (
    SELECT * FROM unnest(%(conversation)s::bigint[], %(sender)s::bigint[],
                         %(client_id)s::text[], %(body)s::text[], %(html)s::text[])
        WITH ORDINALITY AS i(conversation_id, sender_id, client_id, body, html, ord)
), allowed AS (
    SELECT i.* FROM input i
    JOIN {_CONVERSATION} c ON c.id = i.conversation_id
    {send_rows("i.sender_id")}
    WHERE {SEND_ALLOWED} AND ({DIRECT_BOT_TO_NOTIFY}) IS NULL
), counted AS (
    SELECT conversation_id, count(*) AS n FROM allowed GROUP BY conversation_id
), locked AS (
    SELECT id FROM {_CONVERSATION} WHERE id IN (SELECT conversation_id FROM counted)
    ORDER BY id FOR UPDATE
), seq AS (
    UPDATE {_CONVERSATION} c
    SET last_message_seq = c.last_seq + counted.n, message_count = c.message_count + counted.n,
        last_message_at = %(now)s, first_message_at = COALESCE(c.first_message_at, %(now)s),
        last_seq = c.last_seq + counted.n
    FROM counted
    WHERE c.id = counted.conversation_id AND c.id = ANY(ARRAY(SELECT id FROM locked))
    RETURNING c.id, c.last_seq - counted.n AS base_seq, c.message_count - counted.n AS base_number
), numbered AS (
    SELECT a.conversation_id, a.sender_id, a.client_id, a.body, a.html,
           s.base_seq + row_number() OVER w AS seq,
           s.base_number + row_number() OVER w AS number
    FROM allowed a JOIN seq s ON s.id = a.conversation_id
    WINDOW w AS (PARTITION BY a.conversation_id ORDER BY a.ord)
), message AS (
    INSERT INTO {_MESSAGE} (conversation_id, seq, number, updated_seq, sender_id, client_id,
        body, html, created_at, edit_count, reply_to_id, mentioned_ids, reactions, attachments)
    SELECT conversation_id, seq, number, seq, sender_id, client_id, body, html, %(now)s, 0,
        NULL, '[]', '[]', '[]'
    FROM numbered ORDER BY conversation_id, seq
    RETURNING id, conversation_id, seq, number, sender_id, client_id
), read AS (
    UPDATE {_PARTICIPANT} p SET last_read_seq = m.seq, read_count = m.number
    FROM (
        SELECT DISTINCT ON (conversation_id, sender_id) conversation_id, sender_id, seq, number
        FROM message ORDER BY conversation_id, sender_id, seq DESC
    ) m
    WHERE p.conversation_id = m.conversation_id AND p.user_id = m.sender_id
      AND p.last_read_seq < m.seq
)
SELECT id, conversation_id, seq, number, sender_id, client_id FROM message
ORDER BY conversation_id, seq
"""  # noqa: S608 (table names from the models, values as parameters)


def _plain(request: SendRequest) -> bool:
    """Whether a send can go with the others in one statement: PostgreSQL, to a
    conversation, no reply, and a body that mentions nobody (a mention needs the members
    read first, and Mention rows)."""
    return (
        connection.vendor == "postgresql"
        and request.conversation_id is not None
        and request.reply_to is None
        and not request.attachments
        and "@" not in request.body
    )


def _store_plain(batch: Batch) -> list[tuple[Any, ...]]:
    """store_batch on Django's connection: the statement's rows, or none if it failed (its
    own transaction, or a savepoint in the caller's, rolled back)."""
    try:
        savepoint = transaction.atomic() if connection.in_atomic_block else nullcontext()
        with savepoint, connection.cursor() as cursor:
            cursor.execute(_SEND_PLAIN, _plain_params(batch))
            rows: list[tuple[Any, ...]] = cursor.fetchall()
            return rows
    except IntegrityError:
        return []
    except DatabaseError as error:
        logger.warning("a statement of %d sends failed: %r", len(batch.plain), error)
        return []


def _rendered_plain(
    requests: Sequence[SendRequest], allowed: list[int], results: _Results
) -> tuple[list[SendRequest], list[str]]:
    """The allowed sends that can go in one statement, and their bodies rendered. A body
    the renderer fails on fails alone: its send gets an error and leaves `allowed`."""
    plain: list[SendRequest] = []
    rendered: list[str] = []
    for i in list(allowed):
        request = requests[i]
        if not _plain(request):
            continue
        try:
            html = render(request.body)[0]
        except Exception:
            logger.exception("rendering send %s failed", request.client_id)
            results[i] = ParleyError(ErrorCode.INTERNAL, "That message could not be stored.")
            allowed.remove(i)
            continue
        plain.append(request)
        rendered.append(html)
    return plain, rendered


def _plain_params(batch: Batch) -> dict[str, Any]:
    """_SEND_PLAIN's parameters for the batch's plain sends."""
    plain = batch.plain
    return {
        "conversation": [request.conversation_id for request in plain],
        "sender": [request.sender.pk for request in plain],
        "client_id": [request.client_id for request in plain],
        "body": [request.body for request in plain],
        "html": batch.rendered,
        "now": batch.now,
    }


def _plain_stored(batch: Batch) -> dict[tuple[int, str], Message]:
    """The messages _SEND_PLAIN stored (its rows), by (sender, client_id), in seq order."""
    if not batch.rows:
        return {}
    by_key = {_key(r): (r, html) for r, html in zip(batch.plain, batch.rendered, strict=True)}
    sent: dict[tuple[int, str], Message] = {}
    for pk, conversation_id, seq, number, sender_id, client_id in batch.rows:
        request, html = by_key[(sender_id, client_id)]
        message = _message(
            request.sender, client_id, request.body, html, seq, number, batch.now,
            pk=pk, conversation_id=conversation_id, mentioned_ids=[],
        )  # fmt: skip
        mark_stored(message)
        sent[(sender_id, client_id)] = message
    return sent

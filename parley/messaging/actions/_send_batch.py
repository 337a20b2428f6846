"""check_send_messages in three steps on the socket server's event loop (its sending.py
queues the sends): prepare_batch, store_batch, finish_batch. Internal to Parley's send
path; parley/messaging/actions/send.py holds the batch and its helpers.
"""

import logging
from collections.abc import Awaitable, Callable, Sequence

import psycopg
from django.utils import timezone

from parley.core import db_async
from parley.core.errors import ParleyError
from parley.core.ratelimit import atake_tokens
from parley.events.publish import publish_committed
from parley.messaging.actions.send import (
    _SEND_PLAIN,
    Batch,
    SendRequest,
    SendResult,
    _checked,
    _finish,
    _plain_params,
    _plain_stored,
    _prepared,
    _send_limit,
    _token_keys,
    check_send_messages,
)
from parley.messaging.events import message_event

logger = logging.getLogger(__name__)

# Runs a function in a worker thread that publishes to the calling event loop.
InThread = Callable[..., Awaitable[list[SendResult | ParleyError]]]


async def prepare_batch(requests: Sequence[SendRequest]) -> Batch:
    """Check the sends, take their rate-limit tokens and render the plain ones: all but
    the statement, which store_batch runs."""
    if not db_async.available():
        return Batch(requests, [], [], [], [], [], timezone.now())
    results, valid = _checked(requests)
    waits = await atake_tokens(_token_keys(requests, valid), _send_limit())
    return _prepared(requests, results, valid, waits)


async def store_batch(batch: Batch) -> None:
    """Store the batch's plain sends in one statement, its own transaction (committed when
    this returns). A batch with a duplicate client_id, or whose statement fails on one
    send's data, stores none of them: finish_batch sends each alone, which finds an
    original and fails only the send that fails there. The database away
    (OperationalError, InterfaceError) is raised: the queue answers the batch `unavailable`."""
    if not batch.plain:
        return
    try:
        batch.rows = await db_async.fetchall(_SEND_PLAIN, _plain_params(batch))
    except psycopg.IntegrityError:
        batch.rows = []
    except (psycopg.OperationalError, psycopg.InterfaceError):
        raise  # the database away: every send of the batch is answered `unavailable`
    except psycopg.Error as error:  # one bad send: each goes alone, the bad one fails
        logger.warning("a statement of %d sends failed: %r", len(batch.plain), error)
        batch.rows = []


async def finish_batch(batch: Batch, in_thread: InThread) -> list[SendResult | ParleyError]:
    """Publish what store_batch stored, in seq order, and send the rest alone (through
    `in_thread(function, *args)`); every send's result, in order."""
    if not db_async.available():
        return await in_thread(check_send_messages, batch.requests)
    sent = _plain_stored(batch)
    for message in sent.values():  # the statement was its own transaction: committed
        publish_committed(message.conversation_id, message.seq, message_event(message))
    if batch.needs_thread:
        return await in_thread(_finish, batch, sent)
    return _finish(batch, sent)  # all stored: no query

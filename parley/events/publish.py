"""The one place that sends events to the channel layer.

Actions call these inside their transaction; the send happens after the commit, so no
client ever hears of a change that was rolled back. Each event is serialised once here
and the same text goes to every socket: the transport forwards it without parsing it.

While Redis is unreachable (a publish failed, or took longer than REDIS_TIMEOUT_SECONDS),
events go to this process's own sockets through the local delivery the transport set
(set_local_delivery), so they keep working within a process; other processes' sockets
catch up from the database when Redis is back (parley/realtime/fanout.py). A publish that
timed out may still reach Redis later (a frozen Redis that thaws): sockets drop the
repeat by its seq.
"""

import asyncio
import collections
import contextlib
import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from parley.core.per_loop import PerLoop
from parley.core.resilience import REDIS_ERRORS, redis_outage, redis_timeout
from parley.events.catalogue import (
    MembershipChanged,
    Presence,
    SequencedEvent,
    ServerEvent,
    Typing,
    serialise,
)
from parley.events.groups import conversation_group, session_tag, token_tag, user_group

logger = logging.getLogger(__name__)

# (group, message) pairs, each message as a channel-layer message with its group's name.
Sends = list[tuple[str, dict[str, Any]]]

# Groups whose events this process drops on the way, as the channel layer may (a test
# seam: parley/core/testing/events.py, losing_events_to). Empty otherwise.
lost_groups: set[str] = set()

# Where events go while Redis is away: this process's own sockets, reached through the
# transport, which sets it at start-up (parley.realtime's AppConfig.ready).
_local_delivery: Callable[[Sends], None] | None = None


def set_local_delivery(deliver: Callable[[Sends], None]) -> None:
    """Hand events that could not be published to `deliver` (on the event loop that
    published them), so that this process's sockets still receive them."""
    global _local_delivery
    _local_delivery = deliver


def publish_to_users(user_ids: Iterable[int], event: ServerEvent) -> None:
    """After commit, deliver `event` to every socket of each user."""
    groups = [user_group(uid) for uid in dict.fromkeys(user_ids)]
    message = {"type": "parley.event", "payload": serialise(event)}
    transaction.on_commit(lambda: _send(groups, message))


def publish_to_conversation(conversation_id: int, seq: int, event: SequencedEvent) -> None:
    """After commit, deliver `event`, numbered `seq` in its conversation, to every member.

    Consumers use (conversation, seq) to drop repeats and to fill gaps from the database.
    """
    message = _sequenced(conversation_id, seq, event)
    transaction.on_commit(lambda: _send([conversation_group(conversation_id)], message))


def publish_committed(conversation_id: int, seq: int, event: SequencedEvent) -> None:
    """publish_to_conversation for code on the event loop whose change is committed
    already (parley/core/db_async.py): handed to the loop's publisher at once, in order."""
    layer = get_channel_layer()
    if layer is not None:
        message = _sequenced(conversation_id, seq, event)
        _send_on_loop([(layer, [conversation_group(conversation_id)], message)])


def _sequenced(conversation_id: int, seq: int, event: SequencedEvent) -> dict[str, Any]:
    return {
        "type": "parley.sequenced",
        "conversation": conversation_id,
        "seq": seq,
        "payload": serialise(event),
    }


def publish_to_conversation_members(conversation_id: int, event: ServerEvent) -> None:
    """After commit, deliver an unsequenced `event` (a rename, say) to every member's sockets."""
    message = {"type": "parley.event", "payload": serialise(event)}
    transaction.on_commit(lambda: _send([conversation_group(conversation_id)], message))


def publish_to_conversations(events: Iterable[tuple[int, int, SequencedEvent]]) -> None:
    """publish_to_conversation for many (conversation, seq, event) at once: handed to the
    channel layer together after commit (one pipelined round trip with Redis)."""
    sends = [
        ([conversation_group(conversation_id)], _sequenced(conversation_id, seq, event))
        for conversation_id, seq, event in events
    ]
    if sends:
        transaction.on_commit(lambda: _send_each(sends))


def publish_membership(user_id: int, event: MembershipChanged) -> None:
    """After commit, tell `user_id`'s sockets to join or leave a conversation's stream
    (for joins, from the conversation's seq at the time of the change)."""
    publish_memberships([(user_id, event)])


def publish_memberships(events: Iterable[tuple[int, MembershipChanged]]) -> None:
    """publish_membership for many (user, event) at once, handed over together."""
    sends = [
        (
            [user_group(user_id)],
            {
                "type": "parley.membership",
                "conversation": event.conversation,
                "change": event.change,
                "seq": event.seq,
                "payload": serialise(event),
            },
        )
        for user_id, event in events
    ]
    if sends:
        transaction.on_commit(lambda: _send_each(sends))


def end_session(user_id: int, session_key: str) -> None:
    """Close every socket opened with this login session of the user (at logout)."""
    message = {"type": "parley.session_ended", "session": session_tag(session_key)}
    _send([user_group(user_id)], message)


def end_token(user_id: int, token_key: str) -> None:
    """After commit, close every socket opened with this API token (at its revocation)."""
    message = {"type": "parley.session_ended", "session": token_tag(token_key)}
    transaction.on_commit(lambda: _send([user_group(user_id)], message))


def end_sessions(user_id: int, keep: str | None, kept_as: str | None) -> None:
    """Close every socket of the user except those of login session `keep` (None: every
    one), which from now on goes by `kept_as` (Django gives a kept session a new key)."""
    message = {
        "type": "parley.session_ended",
        "keep": session_tag(keep) if keep else None,
        "kept_as": session_tag(kept_as) if keep and kept_as else None,
    }
    _send([user_group(user_id)], message)


def publish_hidden(user_id: int, other_id: int, hidden: bool) -> None:
    """After commit, tell `user_id`'s sockets whether `other_id`'s typing and presence are
    now hidden from them (a block between the two, either way) or no longer."""
    message = {"type": "parley.hidden", "user": other_id, "hidden": hidden}
    transaction.on_commit(lambda: _send([user_group(user_id)], message))


def _send(groups: list[str], message: dict[str, Any]) -> None:
    _send_each([(groups, message)])


def _send_each(items: list[tuple[list[str], dict[str, Any]]]) -> None:
    """Each (groups, message) of `items`, in order, handed over together."""
    layer = get_channel_layer()
    if layer is None:
        return
    if lost_groups:
        items = [([g for g in groups if g not in lost_groups], m) for groups, m in items]
    sends = [(layer, groups, message) for groups, message in items]
    held = getattr(_thread, "held", None)
    if held is not None:  # inside publishing_from: handed over together at its end
        held.extend(sends)
        return
    loop = _server_loop()
    if loop is not None:
        # In a worker thread of the server's event loop (a socket's action): hand the
        # sends to the loop and return at once, so that a busy loop never holds the
        # thread, nor the sender's ack. Callbacks run first in, first out, so events go
        # out in commit order.
        loop.call_soon_threadsafe(_send_on_loop, sends)
        return
    if _loop_runs_here():
        # Sync code on a thread that runs an event loop of its own, outside the server
        # (a sync test driving a browser through Playwright): async_to_sync refuses that
        # thread, so the sends go from a thread of their own, waited for.
        sender = threading.Thread(target=async_to_sync(_group_send), args=(layer, items))
        sender.start()
        sender.join()
        return
    async_to_sync(_group_send)(layer, items)


def _loop_runs_here() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


async def _group_send(layer: Any, items: list[tuple[list[str], dict[str, Any]]]) -> None:
    """Each message to each of its groups, in order, in one _publish (one pipelined round
    trip with Redis); a failure is logged, not raised."""
    # The group's name travels with the message: see parley/realtime/fanout.py.
    await _publish(
        layer,
        [(group, {**message, "group": group}) for groups, message in items for group in groups],
    )


async def _publish(layer: Any, sends: Sends) -> None:
    """The sends through the channel layer, or to this process's sockets while Redis is
    away. Never raises: the channel layer is the fast path only, and sockets repair gaps
    from the database."""
    if redis_outage.usable():
        try:
            # asyncio.timeout, not wait_for: no task per publish on the hot path.
            async with asyncio.timeout(redis_timeout()):
                if hasattr(layer, "group_send_many"):
                    await layer.group_send_many(sends)
                else:
                    for group, message in sends:
                        await layer.group_send(group, message)
        except REDIS_ERRORS as error:
            redis_outage.failed(error)
        except Exception:
            logger.exception("could not publish %d events", len(sends))
            return
        else:
            redis_outage.succeeded()
            return
    if _local_delivery is not None:
        _local_delivery(sends)


_thread = threading.local()


@contextlib.contextmanager
def publishing_from(loop: asyncio.AbstractEventLoop) -> Iterator[None]:
    """Within this block, this thread's publishes are handed to `loop`, as from a worker
    thread of that loop (for threads of Parley's own, see parley/realtime/sending.py):
    all together when the block ends, in one wake-up of the loop instead of one each."""
    _thread.loop, _thread.held = loop, []
    try:
        yield
    finally:
        held, _thread.loop, _thread.held = _thread.held, None, None
        if held:
            with contextlib.suppress(RuntimeError):  # that loop closed: nobody listens
                loop.call_soon_threadsafe(_send_on_loop, held)


def _server_loop() -> asyncio.AbstractEventLoop | None:
    """The running event loop that this thread works for, if any: the one set by
    publishing_from, or the one that started this worker thread (asgiref records it)."""
    loop = getattr(_thread, "loop", None)
    if loop is None:
        loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
        if getattr(SyncToAsync.threadlocal, "main_event_loop_pid", None) != os.getpid():
            return None
    if loop is None:
        return None
    return loop if loop.is_running() else None


class _Publisher:
    """Publishes the events the loop was handed, in that order, all that have gathered
    at once (one Redis round trip for the lot: group_send_many).

    Concurrent group_sends can overtake each other (channels_redis may use different
    connections), and an event that overtakes its predecessor costs every member's socket
    a gap repair from the database. One group_send at a time, each awaiting its reply,
    would allow one event per turn of a busy event loop, which would cap direct messages.
    """

    def __init__(self) -> None:
        self.queue: collections.deque[tuple[Any, list[str], dict[str, Any]]] = collections.deque()
        self.task: asyncio.Task[None] | None = None

    def put(self, layer: Any, groups: list[str], message: dict[str, Any]) -> None:
        self.queue.append((layer, groups, message))
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while self.queue:
            layer = self.queue[0][0]
            sends: Sends = []
            while self.queue and self.queue[0][0] is layer:
                _, groups, message = self.queue.popleft()
                # The group's name travels with the message: see parley/realtime/fanout.py.
                sends += [(group, {**message, "group": group}) for group in groups]
            await _publish(layer, sends)


_publishers: PerLoop[_Publisher] = PerLoop(_Publisher)


def _send_on_loop(sends: list[tuple[Any, list[str], dict[str, Any]]]) -> None:
    publisher = _publishers.get()
    for layer, groups, message in sends:
        publisher.put(layer, groups, message)


# --- typing and presence: live only ---------------------------------------------------
# Nothing is stored for these, so there is no commit to wait for: they go out at once,
# from the socket's event loop. Each carries, besides its payload, what the receiving
# consumers need to filter without parsing it (see parley/realtime/liveness.py).


async def publish_typing(event: Typing) -> None:
    """Deliver a `typing` event to the sockets following the conversation."""
    message = {
        "type": "parley.typing",
        "conversation": event.conversation,
        "user": event.user["id"],
        "payload": serialise(event),
    }
    await _send_now([conversation_group(event.conversation)], message)


async def publish_presence(
    event: Presence, version: int, conversation_ids: Iterable[int], friend_ids: Iterable[int]
) -> None:
    """Deliver a `presence` event through these conversations' groups and these friends'
    user groups. A socket may hear it by several routes, and `version` orders the changes
    of one user: consumers forward only what is newer and new to them."""
    message = {
        "type": "parley.presence",
        "user": event.user,
        "status": event.status,
        "version": version,
        "payload": serialise(event),
    }
    groups = [conversation_group(c) for c in conversation_ids]
    groups += [user_group(f) for f in friend_ids]
    await _send_now(groups, message)


async def publish_to_socket(user_id: int, socket: str, event: ServerEvent) -> None:
    """Deliver `event` now to one socket of `user_id` (named `socket`), on whichever
    process holds it: through the user's group, and only that socket forwards it (call
    signalling, parley/calls/actions/signal.py). Nothing is stored: a socket that is gone
    receives nothing."""
    message = {"type": "parley.socket", "socket": socket, "payload": serialise(event)}
    await _send_now([user_group(user_id)], message)


async def _send_now(groups: list[str], message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is not None:
        await _group_send(layer, [(groups, message)])

"""The one place that sends events to the channel layer.

Actions call these inside their transaction; the send happens after the commit, so no
client ever hears of a change that was rolled back. Each event is serialised once here
and the same text goes to every socket: consumers forward it without parsing it.
"""

import json
import logging
from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from parley.realtime.groups import conversation_group, session_group, user_group

logger = logging.getLogger(__name__)

Event = dict[str, Any]


def serialise(event: Event) -> str:
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False, default=str)


def publish_to_users(user_ids: Iterable[int], event: Event) -> None:
    """After commit, deliver `event` to every socket of each user."""
    groups = [user_group(uid) for uid in dict.fromkeys(user_ids)]
    message = {"type": "parley.event", "payload": serialise(event)}
    transaction.on_commit(lambda: _send(groups, message))


def publish_to_conversation(conversation_id: int, seq: int, event: Event) -> None:
    """After commit, deliver `event`, numbered `seq` in its conversation, to every member.

    Consumers use (conversation, seq) to drop repeats and to fill gaps from the database.
    """
    message = {
        "type": "parley.sequenced",
        "conversation": conversation_id,
        "seq": seq,
        "payload": serialise(event),
    }
    transaction.on_commit(lambda: _send([conversation_group(conversation_id)], message))


def publish_to_conversation_members(conversation_id: int, event: Event) -> None:
    """After commit, deliver an unsequenced `event` (a rename, say) to every member's sockets."""
    message = {"type": "parley.event", "payload": serialise(event)}
    transaction.on_commit(lambda: _send([conversation_group(conversation_id)], message))


def publish_membership(user_id: int, event: Event) -> None:
    """After commit, tell `user_id`'s sockets to join or leave a conversation's stream.

    `event` must carry "conversation" and "change" ("joined" or "left"), and for joins
    the conversation's "seq" at the time of the change.
    """
    message = {
        "type": "parley.membership",
        "conversation": event["conversation"],
        "change": event["change"],
        "seq": event["seq"],
        "payload": serialise(event),
    }
    transaction.on_commit(lambda: _send([user_group(user_id)], message))


def end_session(session_key: str) -> None:
    """Close every socket opened with this login session (at logout)."""
    _send([session_group(session_key)], {"type": "parley.session_ended"})


def _send(groups: list[str], message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    for group in groups:
        try:
            # The group's name travels with the message: see parley/realtime/fanout.py.
            async_to_sync(layer.group_send)(group, {**message, "group": group})
        except Exception:
            # The channel layer is the fast path only; clients repair gaps from the database.
            logger.exception("could not publish to %s", group)


# --- typing and presence: live only ---------------------------------------------------
# Nothing is stored for these, so there is no commit to wait for: they go out at once,
# from the socket's event loop. Each carries, besides its payload, what the receiving
# consumers need to filter without parsing it (see parley/realtime/liveness.py).


async def publish_typing(conversation_id: int, user_id: int, event: Event) -> None:
    """Deliver a `typing` event to the sockets following the conversation."""
    message = {
        "type": "parley.typing",
        "conversation": conversation_id,
        "user": user_id,
        "payload": serialise(event),
    }
    await _send_now([conversation_group(conversation_id)], message)


async def publish_presence(
    event: Event, version: int, conversation_ids: Iterable[int], friend_ids: Iterable[int]
) -> None:
    """Deliver a `presence` event through these conversations' groups and these friends'
    user groups. A socket may hear it by several routes, and `version` orders the changes
    of one user: consumers forward only what is newer and new to them."""
    message = {
        "type": "parley.presence",
        "user": event["user"],
        "status": event["status"],
        "version": version,
        "payload": serialise(event),
    }
    groups = [conversation_group(c) for c in conversation_ids]
    groups += [user_group(f) for f in friend_ids]
    await _send_now(groups, message)


async def _send_now(groups: list[str], message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    for group in groups:
        try:
            await layer.group_send(group, {**message, "group": group})
        except Exception:
            logger.exception("could not publish to %s", group)

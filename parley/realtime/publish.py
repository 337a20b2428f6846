"""The one place that sends events to the channel layer.

Actions call these inside their transaction; the send happens after the commit, so
no client ever hears of a change that was rolled back. The event is serialised
once and the same payload goes to every group.
"""

import json
import logging
from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from parley.realtime.groups import user_group

logger = logging.getLogger(__name__)

Event = dict[str, Any]


def publish_to_users(user_ids: Iterable[int], event: Event) -> None:
    """After the current transaction commits, deliver `event` to every socket of each user."""
    groups = [user_group(uid) for uid in dict.fromkeys(user_ids)]
    payload = json.dumps(event, separators=(",", ":"), default=str)
    transaction.on_commit(lambda: _send(groups, payload))


def _send(groups: list[str], payload: str) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "parley.event", "payload": payload}
    for group in groups:
        try:
            async_to_sync(layer.group_send)(group, message)
        except Exception:
            # The channel layer is the fast path only; clients repair gaps from the database.
            logger.exception("could not publish to %s", group)

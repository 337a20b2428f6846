"""Listen on the real channel layer (in-memory or Redis) the way a user's socket would."""

import asyncio
import json
from typing import Any

from channels.layers import get_channel_layer

from parley.realtime.groups import user_group

# How long an empty read waits before concluding that nothing more is queued. Publishing
# completes before the request that caused it returns, so this only bounds a negative check.
_EMPTY_WAIT = 0.3


class EventListener:
    """Subscribes channels to users' groups and returns what was published to them.

    Its receives all run on one event loop of its own, as a socket's would: the Redis
    layer binds a channel's receive buffer to the loop that first reads it.
    """

    def __init__(self) -> None:
        self.layer = get_channel_layer()
        self.channels: dict[int, str] = {}
        self._loop = asyncio.new_event_loop()

    def close(self) -> None:
        self._loop.run_until_complete(self.layer.flush())
        self._loop.close()

    def subscribe(self, *users: Any) -> None:
        for user in users:
            channel = self._loop.run_until_complete(self.layer.new_channel())
            self._loop.run_until_complete(self.layer.group_add(user_group(user.pk), channel))
            self.channels[user.pk] = channel

    def events_for(self, user: Any) -> list[dict[str, Any]]:
        """Every event queued for `user` since the last call, oldest first."""
        return self._loop.run_until_complete(self._drain(self.channels[user.pk]))

    async def _drain(self, channel: str) -> list[dict[str, Any]]:
        received: list[dict[str, Any]] = []
        while True:
            try:
                message = await asyncio.wait_for(self.layer.receive(channel), _EMPTY_WAIT)
            except TimeoutError:
                return received
            received.append(json.loads(message["payload"]))

    def types_for(self, user: Any) -> list[str]:
        return [event["type"] for event in self.events_for(user)]

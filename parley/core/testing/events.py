"""Listen on the real channel layer (in-memory or Redis) the way a user's socket would."""

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any

from channels.layers import get_channel_layer

from parley.core.testing.protocol import received
from parley.events import publish
from parley.events.groups import user_group

# How long the layer must stay quiet before a listener concludes that nothing more is
# coming. Publishing completes before the request that caused it returns, so this only
# bounds the check that no *extra* event arrives.
_QUIET = 0.3


class EventListener:
    """Subscribes channels to users' groups and returns what was published to them.

    Everything runs on one event loop of its own, as a socket's would, with a receiver
    task per channel that is never cancelled mid-test (the Redis pub/sub layer drops a
    channel whose receive is cancelled).
    """

    def __init__(self) -> None:
        self.layer = get_channel_layer()
        self._loop = asyncio.new_event_loop()
        self._channels: dict[int, str] = {}
        self._received: dict[int, list[dict[str, Any]]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._arrived = asyncio.Event()

    def subscribe(self, *users: Any) -> None:
        for user in users:
            self._loop.run_until_complete(self._subscribe(user.pk))

    async def _subscribe(self, user_id: int) -> None:
        channel = await self.layer.new_channel()
        await self.layer.group_add(user_group(user_id), channel)
        self._channels[user_id] = channel
        self._received[user_id] = []
        self._tasks.append(asyncio.ensure_future(self._collect(user_id, channel)))

    async def _collect(self, user_id: int, channel: str) -> None:
        while True:
            message = await self.layer.receive(channel)
            if "payload" not in message:
                continue  # for the sockets themselves (parley/realtime/controls.py)
            self._received[user_id].append(received(message["payload"]))
            self._arrived.set()

    async def _settle(self) -> None:
        while True:
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), _QUIET)
            except TimeoutError:
                return

    def events_for(self, user: Any) -> list[dict[str, Any]]:
        """Every event published to `user` since the last call, oldest first."""
        self._loop.run_until_complete(self._settle())
        events, self._received[user.pk] = self._received[user.pk], []
        return events

    def types_for(self, user: Any) -> list[str]:
        return [event["type"] for event in self.events_for(user)]

    def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        self._loop.run_until_complete(asyncio.gather(*self._tasks, return_exceptions=True))
        self._loop.run_until_complete(self.layer.flush())
        self._loop.close()


@contextlib.contextmanager
def losing_events_to(*users: Any) -> Iterator[None]:
    """Within this block, events published to these users' own groups (joined, left, a
    session's end) are lost on the way, as the channel layer may lose any event; the
    change itself is committed as usual."""
    groups = {user_group(user.pk) for user in users}
    publish.lost_groups.update(groups)
    try:
        yield
    finally:
        publish.lost_groups.difference_update(groups)

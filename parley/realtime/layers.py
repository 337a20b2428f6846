"""Parley's channel layers: in memory for a single process without Redis (the laptop
stack), and channels_redis's pub/sub layer with a batched publish.

Both offer group_send_many(sends): several group sends, in order, at once; with Redis one
pipeline (one round trip) per shard instead of a round trip, and a turn of the event loop,
per event (see parley/events/publish.py).

The in-memory layer is Channels' InMemoryChannelLayer, but it expires messages at most
once a second (Channels walks every queue and group on each receive and group_send, which
dominated the SQLite benchmark's profile: bench/README.md) and fans a group_send out with
direct puts instead of a task per member. Same semantics otherwise: bounded queues,
messages dropped when a queue is full (Parley's consumer repairs gaps from the database).
"""

import asyncio
import contextlib
import time
from typing import Any

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer


class InMemoryLayer(InMemoryChannelLayer):
    clean_interval = 1.0  # seconds
    # A process's Fanout channel carries every event for all its sockets: a burst must
    # not overflow it (sockets would then repair from the database).
    fanout_capacity = 10_000

    def get_capacity(self, channel: str) -> int:
        if channel.startswith("fanout."):
            return self.fanout_capacity
        return int(super().get_capacity(channel))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._cleaned_at = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._cleaned_at >= self.clean_interval:
            self._cleaned_at = now
            super()._clean_expired()

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        assert isinstance(message, dict), "Message is not a dict"
        self.require_valid_group_name(group)
        self._clean_expired()
        expires = time.time() + self.expiry
        for channel in list(self.groups.get(group, ())):
            queue = self.channels.setdefault(
                channel, asyncio.Queue(maxsize=self.get_capacity(channel))
            )
            with contextlib.suppress(asyncio.QueueFull, ChannelFull):
                # A shallow copy: the values Parley sends are str and int.
                queue.put_nowait((expires, dict(message)))

    async def group_send_many(self, sends: list[tuple[str, dict[str, Any]]]) -> None:
        for group, message in sends:
            await self.group_send(group, message)


class RedisPubSubLayer(RedisPubSubChannelLayer):
    """channels_redis's pub/sub layer (one PUBLISH per group send, one subscription per
    group and process) plus group_send_many, which pipelines the publishes.

    It uses the layer's own shard connections and channel names, so a group_send and a
    group_send_many reach the same subscribers; channels_redis is pinned in
    requirements/constraints.txt, and parley/realtime/tests/test_layers.py pins the behaviour.
    """

    async def group_send_many(self, sends: list[tuple[str, dict[str, Any]]]) -> None:
        layer = self._get_layer()
        by_shard: dict[Any, list[tuple[str, bytes]]] = {}
        for group, message in sends:
            channel = layer._get_group_channel_name(group)
            by_shard.setdefault(layer._get_shard(channel), []).append(
                (channel, self.serialize(message))
            )
        for shard, items in by_shard.items():
            async with shard._lock:  # as the shard's own publish does
                shard._ensure_redis()
                async with shard._redis.pipeline(transaction=False) as pipe:
                    for channel, data in items:
                        pipe.publish(channel, data)
                    await pipe.execute()

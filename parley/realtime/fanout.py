"""One channel-layer subscription per process, fanned out to the process's sockets.

Without this, every socket is its own channel-layer channel: each event is queued,
decoded (msgpack, with Redis) and dispatched as a new task once per recipient, which cost
about 115 µs per delivery against 17 µs for the socket write itself (bench/README.md).
Here the process holds one channel, joins each group once (when the first local socket
needs it) and hands every event to the local member sockets in one loop. Each socket
queues it for its own writer task (see ParleyConsumer.deliver), so one slow reader never
holds up the others.

Publishers put the group's name in each message ("group"), so the process knows whom a
message is for without a channel per group.
"""

import asyncio
import logging
import weakref
from typing import Any, Protocol

from channels.layers import BaseChannelLayer, get_channel_layer

logger = logging.getLogger(__name__)


class Member(Protocol):
    def deliver(self, message: dict[str, Any]) -> None:
        """Take the message for later writing; must not block."""


class Fanout:
    """The sockets of one event loop (one process) and the groups they follow."""

    def __init__(self, layer: BaseChannelLayer) -> None:
        self.layer = layer
        self.channel: str | None = None
        self.members: dict[str, set[Member]] = {}
        self._subscribed: set[str] = set()
        # Subscribing and unsubscribing a group are awaited; one at a time per group, so a
        # late unsubscribe can never undo a newer subscribe.
        self._locks: dict[str, asyncio.Lock] = {}
        self._started: asyncio.Future[None] | None = None
        self._task: asyncio.Task[None] | None = None
        self._sockets = 0

    async def open(self) -> None:
        """A socket of this process opened: the first one starts receiving (the others
        wait for that: sockets connect in parallel)."""
        self._sockets += 1
        if self._started is None:
            self._started = asyncio.ensure_future(self._start())
        await asyncio.shield(self._started)

    async def _start(self) -> None:
        self.channel = await self.layer.new_channel("fanout.")
        self._task = asyncio.get_running_loop().create_task(self._receive_forever())

    async def close(self, member: Member, groups: set[str]) -> None:
        """A socket closed: leave its groups; stop receiving after the last socket."""
        for group in groups:
            await self.leave(group, member)
        self._sockets -= 1
        if self._sockets == 0 and self._task is not None:
            # Reset before awaiting, so that a socket opening meanwhile starts afresh.
            task, self._task, self._started, self.channel = self._task, None, None, None
            self._subscribed.clear()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def join(self, group: str, member: Member) -> None:
        """Follow `group` for `member`; returns once the process is subscribed to it."""
        self.members.setdefault(group, set()).add(member)
        await self._sync(group)

    async def leave(self, group: str, member: Member) -> None:
        members = self.members.get(group)
        if members is None or member not in members:
            return
        members.discard(member)
        if not members:
            del self.members[group]
        await self._sync(group)

    async def _sync(self, group: str) -> None:
        """Subscribe to or unsubscribe from `group` to match whether it has members."""
        async with self._locks.setdefault(group, asyncio.Lock()):
            channel = self.channel
            if channel is None:
                return
            wanted, subscribed = group in self.members, group in self._subscribed
            if wanted and not subscribed:
                await self.layer.group_add(group, channel)
                self._subscribed.add(group)
            elif subscribed and not wanted:
                self._subscribed.discard(group)
                await self.layer.group_discard(group, channel)

    async def _receive_forever(self) -> None:
        assert self.channel is not None
        while True:
            message = await self.layer.receive(self.channel)
            self._fan_out(message)

    def _fan_out(self, message: dict[str, Any]) -> None:
        # deliver() only queues, so the set cannot change while it is walked.
        for member in self.members.get(message.get("group", ""), ()):
            try:
                member.deliver(message)
            except Exception:
                logger.exception("delivery of %s failed", message.get("type"))


_fanouts: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Fanout] = weakref.WeakKeyDictionary()


def fanout() -> Fanout:
    """This event loop's Fanout (one per process in production; one per test loop)."""
    loop = asyncio.get_running_loop()
    hub = _fanouts.get(loop)
    if hub is None:
        layer = get_channel_layer()
        assert layer is not None, "Parley needs a channel layer"
        hub = _fanouts[loop] = Fanout(layer)
    return hub

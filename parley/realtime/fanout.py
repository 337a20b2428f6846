"""One channel-layer subscription per process, fanned out to the process's sockets.

The process holds one channel, joins each group once (when the first local socket needs
it) and hands every event to the local member sockets in one loop, instead of a channel,
a decode and a task per recipient (bench/README.md). Publishers put the group's name in
each message ("group"). Each socket queues the event for its own writer task
(ParleyConsumer.deliver), so one slow reader never holds up the others.

Redis may go away (parley/core/resilience.py): opening the channel and subscribing never
fail a socket; the Fanout's watch task retries them, and meanwhile this process's own
events arrive through deliver_locally. The watch task also resyncs every socket, every
RESYNC_SECONDS and at once when Redis or the database is back: it hands each the latest
seqs of the conversations it follows (a socket behind fills the gap from the database)
and, for users whose membership stamp changed, the conversations they are in now, so a
lost joined or left event costs at most one interval.
"""

import asyncio
import contextlib
import logging
from typing import Any, Protocol

from channels.layers import BaseChannelLayer, get_channel_layer
from django.conf import settings

from parley.core.per_loop import PerLoop
from parley.core.resilience import (
    DATABASE_ERRORS,
    REDIS_ERRORS,
    database_outage,
    redis_outage,
    redis_timeout,
)
from parley.realtime.threads import reading

logger = logging.getLogger(__name__)

_GROUP_PREFIX = "conversation."
_USER_PREFIX = "user."


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
        self._watcher: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()  # a dependency is back: repair and resync now
        self._previous: dict[int, int] = {}  # the seqs read by the last periodic check
        # The membership stamps read by the last check, of the users with a socket here
        # then (None: the user has none yet).
        self._stamps: dict[int, int | None] = {}
        self._probe: asyncio.Future[None] | None = None
        self._silent = 0  # probes in a row that did not come back
        self._sockets = 0

    async def open(self) -> None:
        """A socket of this process opened: the first one starts receiving (the others
        wait for that: sockets connect in parallel)."""
        self._sockets += 1
        if self._started is None:
            self._started = asyncio.ensure_future(self._start())
        await asyncio.shield(self._started)

    async def _start(self) -> None:
        self._watcher = asyncio.get_running_loop().create_task(self._watch())
        await self._open_channel()

    async def _open_channel(self) -> None:
        """Open the process's channel and start receiving; on failure, the watch task
        tries again (the sockets are served meanwhile)."""
        try:
            channel = await asyncio.wait_for(self.layer.new_channel("fanout."), redis_timeout())
        except REDIS_ERRORS as error:
            redis_outage.failed(error)
            return
        self.channel = channel
        self._task = asyncio.get_running_loop().create_task(self._receive_forever())

    async def close(self, member: Member, groups: set[str]) -> None:
        """A socket closed: leave its groups; stop receiving after the last socket."""
        for group in groups:
            await self.leave(group, member)
        self._sockets -= 1
        if self._sockets == 0 and self._started is not None:
            # Reset before awaiting, so that a socket opening meanwhile starts afresh.
            tasks = [t for t in (self._task, self._watcher) if t is not None]
            self._task, self._watcher, self._started, self.channel = None, None, None, None
            self._subscribed.clear()
            self._previous, self._stamps = {}, {}
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

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
            if wanted == subscribed or not redis_outage.usable():
                return  # in step, or Redis away: the watch task syncs it when it is back
            try:
                if wanted and not subscribed:
                    async with asyncio.timeout(redis_timeout()):  # no task per join
                        await self.layer.group_add(group, channel)
                    self._subscribed.add(group)
                elif subscribed and not wanted:
                    self._subscribed.discard(group)
                    await asyncio.wait_for(
                        self.layer.group_discard(group, channel), redis_timeout()
                    )
            except REDIS_ERRORS as error:
                # Subscribed again by the watch task; the socket is served meanwhile.
                redis_outage.failed(error)

    async def _receive_forever(self) -> None:
        assert self.channel is not None
        while True:
            message = await self.layer.receive(self.channel)
            if message.get("type") == "parley.probe":
                if self._probe is not None and not self._probe.done():
                    self._probe.set_result(None)
                continue
            self._fan_out(message)

    async def _watch(self) -> None:
        """Every RESYNC_SECONDS, or at once when Redis or the database is back: open the
        channel and subscribe to whatever could not be, then resync the sockets."""
        while True:
            woken = False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), settings.REALTIME_RESYNC_SECONDS)
                woken = True
            self._wake.clear()
            try:
                if self.channel is not None and not await self._receiving():
                    # Twice in a row: a loop too busy to read in time is not a dead
                    # subscription, and subscribing afresh costs every socket a resync.
                    self._silent += 1
                    if self._silent >= 2:
                        await self._reopen()
                        woken = True
                    else:
                        self._wake.set()  # probe again at once
                else:
                    self._silent = 0
                if self.channel is None:
                    await self._open_channel()
                for group in set(self.members) ^ self._subscribed:  # out of step
                    await self._sync(group)
                await self._resync(fresh=woken)
            except Exception:
                logger.exception("the fan-out's repair failed; trying again later")

    async def _receiving(self) -> bool:
        """Whether a message sent to the process's channel comes back within twice the
        Redis timeout: the subscription is alive. (While Redis is unreachable, the
        outage's own repair applies instead.)"""
        if not redis_outage.usable():
            return True
        assert self.channel is not None
        probe = self._probe = asyncio.get_running_loop().create_future()
        try:
            try:
                await asyncio.wait_for(
                    self.layer.send(self.channel, {"type": "parley.probe"}), redis_timeout()
                )
            except REDIS_ERRORS as error:
                redis_outage.failed(error)
                return True
            try:
                await asyncio.wait_for(probe, 2 * redis_timeout())
            except TimeoutError:
                return False
            return True
        finally:
            self._probe = None

    async def _reopen(self) -> None:
        """The subscription died without an error (seen after Redis froze and thawed):
        close the layer's connections and subscribe afresh."""
        logger.warning("the fan-out's subscription stopped receiving; subscribing afresh")
        task, self._task, self.channel, self._silent = self._task, None, None, 0
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        self._subscribed.clear()
        with contextlib.suppress(*REDIS_ERRORS):
            await asyncio.wait_for(self.layer.flush(), redis_timeout())

    async def resync_now(self) -> None:
        """The periodic check at once (tests drive it so instead of waiting
        REALTIME_RESYNC_SECONDS)."""
        await self._resync(fresh=False)

    async def _resync(self, *, fresh: bool) -> None:
        """Hand every socket the latest seqs of the conversations it follows: those read
        now after an outage (`fresh`), else those read one interval ago; and the sockets of
        each user whose membership stamp changed, the user's conversations."""
        followed = [
            int(g[len(_GROUP_PREFIX) :]) for g in self.members if g.startswith(_GROUP_PREFIX)
        ]
        users = [int(g[len(_USER_PREFIX) :]) for g in self.members if g.startswith(_USER_PREFIX)]
        try:
            latest, stamps, memberships = await reading(_checks)(
                followed, users, self._stamps, fresh
            )
        except DATABASE_ERRORS as error:
            database_outage.failed(error)
            return
        database_outage.succeeded()
        seqs = latest if fresh else self._previous
        self._previous, self._stamps = latest, stamps
        events: dict[Member, dict[str, Any]] = {}

        def event(member: Member) -> dict[str, Any]:
            if member not in events:
                events[member] = {"type": "parley.resync", "seqs": {}, "fresh": fresh}
            return events[member]

        for conversation_id, seq in seqs.items():
            for member in self.members.get(f"{_GROUP_PREFIX}{conversation_id}", ()):
                event(member)["seqs"][conversation_id] = seq
        for user_id, conversations in memberships.items():
            for member in self.members.get(f"{_USER_PREFIX}{user_id}", ()):
                event(member)["conversations"] = conversations
        for member, message in events.items():
            try:
                member.deliver(message)
            except Exception:
                logger.exception("resync failed")

    def deliver_locally(self, sends: list[tuple[str, dict[str, Any]]]) -> None:
        """Events for this process's own sockets, not through the channel layer (Redis is
        away): each message as if received, its group's name in it."""
        for group, message in sends:
            self._fan_out({**message, "group": group})

    def _fan_out(self, message: dict[str, Any]) -> None:
        # deliver() only queues, so the set cannot change while it is walked.
        for member in self.members.get(message.get("group", ""), ()):
            try:
                member.deliver(message)
            except Exception:
                logger.exception("delivery of %s failed", message.get("type"))


def _new_fanout() -> "Fanout":
    layer = get_channel_layer()
    assert layer is not None, "Parley needs a channel layer"
    return Fanout(layer)


_fanouts: PerLoop[Fanout] = PerLoop(_new_fanout)


def _checks(
    conversation_ids: list[int], user_ids: list[int], known: dict[int, int | None], fresh: bool
) -> tuple[dict[int, int], dict[int, int | None], dict[int, list[int]]]:
    """What a resync reads, in one trip to the read pool: the latest seq of each
    conversation, the membership stamp of each user, and the conversations of each user
    whose stamp is not the one `known` (none after an outage: every socket reads its own).
    The stamps are read before the conversations: a change committed in between only
    makes the next check read that user's conversations again."""
    from parley.messaging.selectors import (
        conversation_seqs,
        conversations_of_users,
        membership_stamps,
    )

    seqs = conversation_seqs(conversation_ids)
    found = membership_stamps(user_ids)
    stamps = {user_id: found.get(user_id) for user_id in user_ids}
    changed = [u for u in user_ids if u not in known or known[u] != stamps[u]]
    return seqs, stamps, conversations_of_users(changed) if changed and not fresh else {}


def _wake_all() -> None:
    """Redis or the database is back (called on whichever thread saw it): every Fanout
    repairs and resyncs at once, on its own loop."""
    for loop, hub in _fanouts.items():
        with contextlib.suppress(RuntimeError):  # that loop closed
            loop.call_soon_threadsafe(hub._wake.set)


def local_fanout() -> Fanout | None:
    """This event loop's Fanout if it has one (no socket has opened: nobody to deliver to)."""
    return _fanouts.find()


def deliver_locally(sends: list[tuple[str, dict[str, Any]]]) -> None:
    """Events that could not be published (Redis is away), for this event loop's own
    sockets: set as parley.events.publish's local delivery at start-up (apps.py)."""
    hub = local_fanout()
    if hub is not None:
        hub.deliver_locally(sends)


def fanout() -> Fanout:
    """This event loop's Fanout (one per process in production; one per test loop)."""
    return _fanouts.get()


redis_outage.on_recovery(_wake_all)
database_outage.on_recovery(_wake_all)

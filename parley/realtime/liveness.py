"""Typing and presence for a socket: cheap, never persisted per keystroke, shed first.

ParleyConsumer mixes this in and calls the hooks below; everything about typing and
presence lives behind them. Neither touches the database per frame: typing is memory
only (parley.realtime.typing_state), presence records live in Redis or memory
(parley.realtime.presence). The database is read only to know who hears of a presence
change (on connect and when a user's status changes, never on a frame that changes
nothing).

Who receives what:
- typing: every socket following the conversation except the typer's own (a user never
  sees themself typing).
- presence: the user's audience, everyone who shares a conversation with them or is their
  friend; hello carries their current statuses. Events travel through the user's
  conversation groups (one per room: every member follows all of a room's chats) and the
  user groups of friends who share none, so a change costs a handful of group sends
  however large the audience. A socket can hear one change by several routes, and
  changes from different processes can arrive out of order; each carries a version and a
  socket forwards only a newer one that says something new.
- Two people of whom either blocked the other hear neither's typing nor presence, in any
  conversation (shared rooms and groups too: typing would tell one that the other is
  there), nor find each other in hello. Each socket keeps the few users hidden from it
  (read on connect, updated by "parley.hidden" when a block begins or ends) and drops
  their events; what it had told its client of them becomes "offline".

A sweep, run by every process every SWEEP_SECONDS, emits "stop" for typers that went
quiet and "offline"/"away" for sockets whose records expired (their process died or they
stopped pinging). Under load (parley.realtime.load) typing and presence frames are
dropped and typing events are not forwarded; connects and disconnects still update
presence, so that nobody is left looking online.
"""

import asyncio
import logging
import time
from array import array
from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from parley.core.errors import ErrorCode, ParleyError
from parley.core.per_loop import PerLoop
from parley.events import frames
from parley.events.catalogue import NamedUser, Status, TypingState, serialise
from parley.events.frames import PresenceState
from parley.events.publish import publish_presence, publish_typing
from parley.realtime import calls, load, presence
from parley.realtime.presence import Change
from parley.realtime.threads import reading
from parley.realtime.typing_state import Typer, typers, typing_event

logger = logging.getLogger(__name__)

SWEEP_SECONDS = 2.0


# --- the process's periodic work --------------------------------------------------------


@dataclass
class _Ticker:
    """The sweep and the lag monitor of one event loop, run while it serves sockets."""

    sockets: int = 0
    task: "asyncio.Task[Any] | None" = field(default=None)


_tickers: PerLoop[_Ticker] = PerLoop(_Ticker)


async def _sweep_forever() -> None:
    while True:
        await asyncio.sleep(SWEEP_SECONDS)
        try:
            await sweep()
        except Exception:
            logger.exception("typing and presence sweep failed")


async def _tick() -> None:
    await asyncio.gather(_sweep_forever(), load.monitor_lag())


async def _socket_opened() -> None:
    ticker = _tickers.get()
    ticker.sockets += 1
    if ticker.task is None:
        ticker.task = asyncio.get_running_loop().create_task(_tick())


async def _socket_closed() -> None:
    ticker = _tickers.find()
    if ticker is None:
        return
    ticker.sockets -= 1
    if ticker.sockets == 0 and ticker.task is not None:
        _tickers.pop()
        ticker.task.cancel()
        await asyncio.gather(ticker.task, return_exceptions=True)
        await presence.close_store()


ROUTES_AT_ONCE = 500  # users whose presence routes one statement reads


async def sweep(now: float | None = None) -> None:
    """Stop typers that went quiet and turn expired presence records into changes.

    Every process runs it every SWEEP_SECONDS; cheap (a scan of this process's typers and
    one range read of the presence store). Tests call it after moving the clock.
    """
    now = time.time() if now is None else now
    for typer in typers.expire(now):
        if not load.shedding():
            await _publish_typing(typer, "stop")
    changes = await presence.store().sweep(now)
    routes: dict[int, presence.Routes] = {}
    users = sorted({change.user_id for change in changes})
    for start in range(0, len(users), ROUTES_AT_ONCE):  # a restart's sockets expire together
        try:
            routes |= await _presence_routes(users[start : start + ROUTES_AT_ONCE])
        except Exception:  # each change then reads its own, below
            logger.exception("presence routes of %d users not read", len(users))
    for change in changes:
        try:
            await announce(change, routes.get(change.user_id))
        except Exception:  # one failure must not cost the others their announcement
            logger.exception("presence change of user %s not announced", change.user_id)
    await calls.sweep(now)


async def announce(change: Change, routes: presence.Routes | None = None) -> None:
    """Tell the user's audience of a change of their status (`routes`: where it goes, read
    if not given)."""
    if routes is None:
        routes = (await _presence_routes([change.user_id]))[change.user_id]
    event = presence.presence_event(change)
    await publish_presence(event, change.version, routes.conversations, routes.friends)


async def _publish_typing(typer: Typer, state: TypingState) -> None:
    await publish_typing(typing_event(typer.conversation, typer.user, state))


# --- what a socket knows of its audience's statuses ---------------------------------------

# Status codes, in the low two bits of a packed entry.
_CODES: dict[Status, int] = {status: code for code, status in enumerate(presence.STATUSES)}


class KnownStatuses:
    """The status and version a socket last knew of each user it heard of; every other
    user is "offline" as of `floor` (hello's read: older changes are stale).

    Every idle socket holds one entry per member of its audience, so they are packed
    into two sorted int64 arrays, user ids and version << 2 | status code: a small
    fraction of what a dict of (status, version) tuples would take (bench/README.md,
    "idle socket"). Versions are the clock in µs: version << 2 fits in 63 bits until
    the year 70,000.
    """

    __slots__ = ("_ids", "_packed", "floor")

    def __init__(self, floor: int = 0, statuses: Mapping[int, Status] | None = None) -> None:
        statuses = statuses or {}
        self.floor = floor
        ids = sorted(statuses)
        self._ids = array("q", ids)
        self._packed = array("q", [floor << 2 | _CODES[statuses[u]] for u in ids])

    def _find(self, user_id: int) -> tuple[int, bool]:
        """Where the user's entry is, or would go; and whether it is there."""
        at = bisect_left(self._ids, user_id)
        return at, at < len(self._ids) and self._ids[at] == user_id

    def __contains__(self, user_id: int) -> bool:
        return self._find(user_id)[1]

    def status(self, user_id: int) -> Status:
        """The status last known of the user ("offline" if none)."""
        at, found = self._find(user_id)
        return presence.STATUSES[self._packed[at] & 3] if found else "offline"

    def put(self, user_id: int, status: Status, version: int) -> None:
        """Know this of the user, whatever was known before."""
        at, found = self._find(user_id)
        self._set(at, found, user_id, version << 2 | _CODES[status])

    def learn(self, user_id: int, status: Status, version: int) -> bool:
        """A change heard by some route: kept if newer than what is known; True if it is
        also news (a status other than the known one), i.e. the client should hear it."""
        at, found = self._find(user_id)
        known = self._packed[at] if found else self.floor << 2 | _CODES["offline"]
        if version <= known >> 2:
            return False
        packed = version << 2 | _CODES[status]
        self._set(at, found, user_id, packed)
        return packed & 3 != known & 3

    def _set(self, at: int, found: bool, user_id: int, packed: int) -> None:
        if found:
            self._packed[at] = packed
        else:
            self._ids.insert(at, user_id)
            self._packed.insert(at, packed)


# --- the consumer's side ------------------------------------------------------------------


class LivenessMixin:
    if TYPE_CHECKING:
        user: Any
        channel_name: str
        delivered: dict[int, int]

        async def send(
            self, text_data: str | None = None, bytes_data: bytes | None = None, close: bool = False
        ) -> None: ...

    def __init__(self) -> None:
        """This socket's liveness attributes, set with the consumer's (ParleyConsumer's
        __init__ says why they are all set at once)."""
        super().__init__()
        self._presence_state: PresenceState = "active"
        self._stored_state: PresenceState = "active"
        self._presence_known = KnownStatuses()
        self._liveness_open = False
        self._hidden: frozenset[int] = frozenset()  # blocked either way: never heard
        self._admitted: Change | None = None  # the change this socket's record made

    async def liveness_admit(
        self, limit: int, rate: presence.Rate | None = None
    ) -> presence.Admission | None:
        """Before the socket is accepted: take a token for `rate` (if given), then record
        the socket as active unless its user has `limit` sockets open already, in one
        atomic step (one Redis round trip). Refused, nothing is recorded. A store that
        fails admits, and returns None (the count is a safeguard, never a reason to
        refuse); liveness_connected records the socket then."""
        try:
            admission = await presence.store().admit(
                self.user.pk, self.channel_name, "active", limit, time.time(), rate
            )
        except Exception:
            logger.warning("open sockets of user %s not counted", self.user.pk, exc_info=True)
            return None
        if not admission.admitted:
            return admission
        await _socket_opened()
        self._liveness_open = True
        self._admitted = admission.change
        return admission

    async def liveness_connected(self, reach: presence.Reach) -> dict[str, Status]:
        """After the socket joined its groups, with the user's `reach` read after that:
        returns hello's "presence".

        Announces the user online if admitting the socket made them so (or records the
        socket now, if that failed) and returns the status of everyone in the user's
        audience who is not offline, by user id.
        """
        # What this socket has forwarded about whom. Changes older than the statuses read
        # for hello are stale.
        self._presence_known = KnownStatuses()
        try:
            if not self._liveness_open:
                await _socket_opened()
                self._liveness_open = True
                await self._touch_presence(reach.routes)
            elif self._admitted is not None:
                change, self._admitted = self._admitted, None
                await announce(change, reach.routes)
            self._hidden = reach.hidden
            read_at = time.time()
            self._presence_known.floor = presence.version_at(read_at) - 1
            statuses = await presence.store().statuses(reach.audience, read_at)
        except Exception:
            logger.exception("presence unavailable for user %s", self.user.pk)
            statuses = {}
        self._presence_known = KnownStatuses(self._presence_known.floor, statuses)
        return {str(user_id): status for user_id, status in statuses.items()}

    async def liveness_disconnected(self, code: int) -> None:
        """When the socket closes (with `code`): its typers stop, its presence record goes
        (lingers, if the client is expected back and it was the user's last socket)."""
        if not self._liveness_open:
            return
        self._liveness_open = False
        try:
            for typer in typers.stop_socket(self.channel_name):
                if not load.shedding():
                    await _publish_typing(typer, "stop")
            linger = presence.linger() if code in presence.LINGERING_CLOSES else 0.0
            change = await presence.store().leave(
                self.user.pk, self.channel_name, time.time(), linger
            )
            if change is not None:
                await announce(change)
        except Exception:
            logger.exception("presence not updated for user %s", self.user.pk)
        finally:
            await _socket_closed()

    async def liveness_heartbeat(self) -> None:
        """On every ping from the client: push the socket's presence record's expiry on."""
        try:
            await self._touch_presence()
        except Exception:
            logger.exception("presence not refreshed for user %s", self.user.pk)

    async def liveness_frame(self, frame: frames.Typing | frames.Presence) -> None:
        """A "typing" or "presence" frame (parsed: parley.events.frames).

        Nothing is answered on success; a conversation the socket does not follow gets an
        error. Under load the frame is dropped.
        """
        if isinstance(frame, frames.Presence):
            if frame.state == self._presence_state:
                return
            # Always remembered, so that the next heartbeat after a shedding spell
            # announces it; only the announcement itself is shed.
            self._presence_state = frame.state
            if not load.shedding():
                await self._touch_presence()
            return
        if frame.conversation not in self.delivered:
            raise ParleyError(
                ErrorCode.NOT_FOUND,
                "That conversation was not found.",
                conversation=frame.conversation,
            )
        if load.shedding():
            return
        if frame.state == "start":
            # Who is typing, made here rather than kept by every idle socket.
            typing_as: NamedUser = {
                "id": self.user.pk,
                "username": self.user.username,
                "name": self.user.name,
            }
            typer = Typer(
                self.channel_name, frame.conversation, self.user.pk, typing_as, time.time()
            )
            if typers.start(typer):
                await _publish_typing(typer, "start")
        else:
            stopped = typers.stop(self.channel_name, frame.conversation)
            if stopped is not None:
                await _publish_typing(stopped, "stop")

    async def liveness_joined(self, conversation_id: int) -> None:
        """This socket now follows a new conversation: send it the statuses of members it
        had not heard of, and tell the members this user's status (they may not know it)."""
        try:
            members = await _conversation_members(conversation_id)
            now = time.time()
            known = self._presence_known
            unknown = [
                m for m in members if m not in known and m != self.user.pk and m not in self._hidden
            ]
            for user_id, status in (await presence.store().statuses(unknown, now)).items():
                known.put(user_id, status, presence.version_at(now) - 1)
                event = presence.presence_event(Change(user_id, status, 0))
                await self.send(text_data=serialise(event))
            own = (await presence.store().statuses([self.user.pk], now)).get(self.user.pk)
            if own is not None:
                # Newer than anything the members hold about this user, older than any
                # change to come; those who knew the status already forward nothing.
                event = presence.presence_event(Change(self.user.pk, own, 0))
                await publish_presence(event, presence.version_at(now), [conversation_id], [])
        except Exception:
            logger.exception("presence of conversation %s not sent", conversation_id)

    async def liveness_left(self, conversation_id: int) -> None:
        """This socket no longer follows a conversation: stop its typing there."""
        stopped = typers.stop(self.channel_name, conversation_id)
        if stopped is not None and not load.shedding():
            await _publish_typing(stopped, "stop")

    async def _touch_presence(self, routes: presence.Routes | None = None) -> None:
        """Refresh this socket's record. While shedding, a state the client changed to
        meanwhile is not written yet (that would announce it): the first heartbeat after
        the spell does."""
        if not load.shedding():
            self._stored_state = self._presence_state
        change = await presence.store().touch(
            self.user.pk, self.channel_name, self._stored_state, time.time()
        )
        if change is not None:
            await announce(change, routes)

    # --- events from the channel layer (see parley/events/publish.py) ----------------

    def liveness_wanted(self, event: dict[str, Any]) -> bool:
        """False for a typing event this socket drops anyway (its own user's, a conversation
        it does not follow, or while shedding): a cheap check, so that the consumer's
        delivery can drop it before queueing it."""
        return (
            event["user"] != self.user.pk
            and event["conversation"] in self.delivered
            and event["user"] not in self._hidden
            and not load.shedding()
        )

    async def parley_typing(self, event: dict[str, Any]) -> None:
        """Someone typing in a conversation this socket follows; not shown to the typer."""
        if self.liveness_wanted(event):
            await self.send(text_data=event["payload"])

    async def parley_presence(self, event: dict[str, Any]) -> None:
        """A user's status changed: forwarded if newer than and different from the last."""
        user_id, status, version = event["user"], event["status"], event["version"]
        if user_id == self.user.pk or user_id in self._hidden:
            return
        if self._presence_known.learn(user_id, status, version):
            await self.send(text_data=event["payload"])

    async def liveness_resync(self) -> None:
        """After an outage: blocks made or lifted meanwhile, whose events may have been lost
        with Redis, take effect as those events would have."""
        hidden = (await _reach(self.user.pk)).hidden
        for other in sorted(hidden - self._hidden):
            await self.parley_hidden({"user": other, "hidden": True})
        for other in sorted(self._hidden - hidden):
            await self.parley_hidden({"user": other, "hidden": False})

    async def parley_hidden(self, event: dict[str, Any]) -> None:
        """A block between this user and another began (`hidden`) or ended: the other's
        typing and presence are dropped from now on, and the client is told they went
        offline; or heard again, starting with their status now if they are in the
        user's audience."""
        other, now = event["user"], time.time()
        known = self._presence_known
        if event["hidden"]:
            self._hidden = self._hidden | {other}
            if known.status(other) != "offline":
                known.put(other, "offline", presence.version_at(now))
                frame = presence.presence_event(Change(other, "offline", 0))
                await self.send(text_data=serialise(frame))
            return
        self._hidden = self._hidden - {other}
        if other in (await _reach(self.user.pk)).audience:
            status = (await presence.store().statuses([other], now)).get(other)
            known.put(other, status or "offline", presence.version_at(now) - 1)
            if status is not None and status != "offline":
                frame = presence.presence_event(Change(other, status, 0))
                await self.send(text_data=serialise(frame))


# The reads above, in the sockets' read pool (parley/realtime/threads.py).
_reach = reading(presence.reach)
_presence_routes = reading(presence.presence_routes)
_conversation_members = reading(presence.conversation_members)

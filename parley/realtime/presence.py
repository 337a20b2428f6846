"""Presence: which users are online, away or offline, across all their sockets and processes.

Each socket holds a record: its state ("active" or "idle") and an expiry time, pushed
forward on every heartbeat (`ttl`, a few heartbeats). A user is
- online if any of their sockets is active,
- away if they have sockets and all of them are idle,
- offline if none is left (closed, or expired because its process died or it stopped
  pinging).

The last open socket of a user that goes away (the client closed it or lost it, or the
server is restarting) lingers for PRESENCE_LINGER_SECONDS: its record stays, with that
expiry if sooner than its own, but no longer counts as open. A page reload, a dropped
network or a restarted server process then shows nobody as offline and back online to
their whole audience; otherwise a reconnect storm sends every user's presence to every
socket twice. The sweep announces "offline" once the lingering record runs out.

The store also remembers each user's last announced status and changes it in the same
atomic step that changes a record, so exactly one caller (one socket, one process's
sweep) learns of each change and announces it: `touch`, `leave` and `sweep` return the
new status when it changed, else None.

With REDIS_URL the records live in Redis and every process shares them; otherwise in this
process's memory, and so they do while Redis is unreachable (each process then knows only
its own sockets; heartbeats put every record back in Redis when it returns). Times are
the app's clock (time.time()), passed in by the caller, so
tests move them with time-machine. Nothing is written to the database.
"""

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings
from django.db import connection

from parley.accounts.models import Block, Friendship
from parley.core import ratelimit
from parley.core.per_loop import PerLoop
from parley.core.resilience import (
    REDIS_ERRORS,
    ScriptPipeline,
    async_redis,
    redis_client_options,
    redis_outage,
)
from parley.core.sql import one_of
from parley.events.catalogue import Presence, Status
from parley.events.frames import PresenceState as State
from parley.messaging.models import Conversation, Participant

STATUSES: tuple[Status, ...] = ("online", "away", "offline")

# A socket record lives this many heartbeats past its last touch: pings from a hidden tab
# can come once a minute (browsers throttle its timers), and one may be lost.
TTL_HEARTBEATS = 3


def socket_ttl() -> float:
    return float(settings.WEBSOCKET_HEARTBEAT_SECONDS) * TTL_HEARTBEATS


def linger() -> float:
    return float(settings.PRESENCE_LINGER_SECONDS)


# Closes after which the client is expected back: normal, going away (a reload), lost
# (1005 and 1006: no close frame), the server restarting, try again later. A socket the
# server closed for cause (keepalive failed, too slow, signed out, refused input) goes
# at once.
LINGERING_CLOSES = frozenset({1000, 1001, 1005, 1006, 1012, 1013})


def version_at(now: float) -> int:
    """The app clock in microseconds: the floor for versions of changes after `now`."""
    return int(now * 1_000_000)


@dataclass(frozen=True)
class Change:
    """A user's status changed. `version` grows with every change of that user (it is
    max(previous + 1, the clock in µs)), so receivers can drop a change that arrives
    after a newer one, whichever process published each."""

    user_id: int
    status: Status
    version: int


@dataclass(frozen=True)
class Admission:
    """The outcome of admit: whether the socket was recorded, how many of the user's
    sockets were open before it, and the status change its record made (if any)."""

    admitted: bool
    open: int
    change: Change | None = None
    retry_after: float = 0.0  # > 0: refused by the rate limit asked for, before counting


def presence_event(change: Change) -> Presence:
    """The `presence` event, as clients receive it."""
    return Presence(user=change.user_id, status=change.status)


# A rate limit that admit takes a token from first: the action and the subject, as
# parley.core.ratelimit names them.
Rate = tuple[str, int | str]


class PresenceStore(Protocol):
    async def admit(
        self, user_id: int, socket: str, state: State, limit: int, now: float, rate: Rate | None
    ) -> Admission:
        """Record a new socket, in the same atomic step as counting the user's open ones:
        not if `limit` are open already (so tabs opening together cannot overshoot it).
        First take a token for `rate`, if given: without one, refuse (retry_after) before
        counting. All in one round trip."""

    async def touch(self, user_id: int, socket: str, state: State, now: float) -> Change | None:
        """Add or refresh `socket`'s record with `state`; the change of status, if any."""

    async def leave(
        self, user_id: int, socket: str, now: float, linger: float = 0.0
    ) -> Change | None:
        """Remove `socket`'s record, or if it was the user's last open one let it linger
        for `linger` seconds; the change of status, if any."""

    async def sweep(self, now: float) -> list[Change]:
        """Drop expired records; the change of every user whose status changed."""

    async def statuses(self, user_ids: list[int], now: float) -> dict[int, Status]:
        """The current status of each of these users who is not offline."""


# --- in this process's memory ---------------------------------------------------------


@dataclass
class _User:
    sockets: dict[str, tuple[State, float]] = field(default_factory=dict)  # state, expiry
    gone: set[str] = field(default_factory=set)  # closed sockets whose records linger
    announced: Status = "offline"
    version: int = 0


def _aggregate(sockets: dict[str, tuple[State, float]], now: float) -> Status:
    states = {state for state, expiry in sockets.values() if expiry > now}
    if "active" in states:
        return "online"
    return "away" if states else "offline"


class LocalPresenceStore:
    """Records in a dict, for a single process (no REDIS_URL)."""

    def __init__(self, ttl: float | None = None) -> None:
        self.ttl = ttl
        self._lock = threading.Lock()
        self._users: dict[int, _User] = {}

    def _settle(self, user_id: int, user: _User, now: float) -> Change | None:
        user.sockets = {s: r for s, r in user.sockets.items() if r[1] > now}
        user.gone &= user.sockets.keys()
        status = _aggregate(user.sockets, now)
        if status == user.announced:
            return None
        user.announced = status
        user.version = max(user.version + 1, version_at(now))
        return Change(user_id, status, user.version)

    async def admit(
        self, user_id: int, socket: str, state: State, limit: int, now: float, rate: Rate | None
    ) -> Admission:
        if rate is not None:
            wait = ratelimit.take_locally(*rate, now)
            if wait:
                return Admission(False, 0, retry_after=wait)
        with self._lock:
            user = self._users.setdefault(user_id, _User())
            open_now = sum(
                expiry > now and socket not in user.gone
                for socket, (_, expiry) in user.sockets.items()
            )
            if open_now >= limit:
                return Admission(False, open_now)
            user.sockets[socket] = (state, now + (self.ttl or socket_ttl()))
            return Admission(True, open_now, self._settle(user_id, user, now))

    async def touch(self, user_id: int, socket: str, state: State, now: float) -> Change | None:
        with self._lock:
            user = self._users.setdefault(user_id, _User())
            user.sockets[socket] = (state, now + (self.ttl or socket_ttl()))
            return self._settle(user_id, user, now)

    async def leave(
        self, user_id: int, socket: str, now: float, linger: float = 0.0
    ) -> Change | None:
        with self._lock:
            user = self._users.setdefault(user_id, _User())
            record = user.sockets.get(socket)
            others = any(
                expiry > now and other not in user.gone and other != socket
                for other, (_, expiry) in user.sockets.items()
            )
            if record is None or others or socket in user.gone:
                user.sockets.pop(socket, None)
            else:  # the user's last open socket: its record lingers
                user.sockets[socket] = (record[0], min(record[1], now + linger))
                user.gone.add(socket)
            return self._settle(user_id, user, now)

    async def sweep(self, now: float) -> list[Change]:
        changes = []
        with self._lock:
            for user_id, user in list(self._users.items()):
                if any(expiry <= now for _, expiry in user.sockets.values()):
                    change = self._settle(user_id, user, now)
                    if change is not None:
                        changes.append(change)
                if not user.sockets and now - user.version / 1_000_000 > 600:
                    del self._users[user_id]  # long offline: its version is safely old
        return changes

    async def statuses(self, user_ids: list[int], now: float) -> dict[int, Status]:
        return self.statuses_now(user_ids, now)

    def statuses_now(
        self, user_ids: list[int], now: float, connected: bool = False
    ) -> dict[int, Status]:
        """statuses, synchronously (no await inside: a dict under a lock); `connected`:
        lingering records left out."""
        found: dict[int, Status] = {}
        with self._lock:
            for user_id in user_ids:
                user = self._users.get(user_id)
                if user is not None:
                    sockets = user.sockets
                    if connected and user.gone:
                        sockets = {s: r for s, r in sockets.items() if s not in user.gone}
                    status = _aggregate(sockets, now)
                    if status != "offline":
                        found[user_id] = status
        return found

    def holds(self, user_id: int) -> bool:
        """Whether this store has (or had lately) records of `user_id`."""
        with self._lock:
            return user_id in self._users

    def clear(self) -> None:
        with self._lock:
            self._users.clear()


# --- in Redis, shared by every process --------------------------------------------------
#
# Per user, under "<prefix>:presence:<user id>:": a sorted set of active sockets and one of
# idle sockets, each scored by the socket's expiry time, "gone", the closed sockets whose
# records linger (scored the same), and "s", the last announced status and its version
# ("online 1732270000123456"). "<prefix>:presence:due" scores each
# user by the latest expiry of their sockets, so a sweep finds the users whose records
# may have run out with one range read. Redis expires the keys of abandoned users by
# itself. The scripts build keys from the prefix: fine on one Redis (Cluster would need
# hash tags).

_SETTLE = """
local function settle(base, uid, now, keep)
  local active, idle = base .. uid .. ':active', base .. uid .. ':idle'
  local announced = base .. uid .. ':s'
  redis.call('ZREMRANGEBYSCORE', active, '-inf', now)
  redis.call('ZREMRANGEBYSCORE', idle, '-inf', now)
  redis.call('ZREMRANGEBYSCORE', base .. uid .. ':gone', '-inf', now)
  local status = 'offline'
  if redis.call('ZCARD', active) > 0 then status = 'online'
  elseif redis.call('ZCARD', idle) > 0 then status = 'away' end
  local latest = 0
  for _, key in ipairs({active, idle}) do
    local top = redis.call('ZREVRANGE', key, 0, 0, 'WITHSCORES')
    if top[2] and tonumber(top[2]) > latest then latest = tonumber(top[2]) end
  end
  if latest > 0 then
    redis.call('ZADD', base .. 'due', latest, uid)
    redis.call('PEXPIRE', active, keep)
    redis.call('PEXPIRE', idle, keep)
    redis.call('PEXPIRE', base .. uid .. ':gone', keep)
  else
    redis.call('ZREM', base .. 'due', uid)
  end
  local before, version = 'offline', 0
  local stored = redis.call('GET', announced)
  if stored then
    local space = string.find(stored, ' ')
    before, version = string.sub(stored, 1, space - 1), tonumber(string.sub(stored, space + 1))
  end
  if status == before then
    redis.call('PEXPIRE', announced, keep)
    return false
  end
  version = math.max(version + 1, math.floor(now * 1000000))
  redis.call('SET', announced, status .. ' ' .. string.format('%.0f', version), 'PX', keep)
  return {status, string.format('%.0f', version)}
end
"""

# ARGV base, uid, socket, state, expiry, now, keep (ms)
_TOUCH = (
    _SETTLE
    + """
local base, uid, socket = ARGV[1], ARGV[2], ARGV[3]
local mine, other = base .. uid .. ':active', base .. uid .. ':idle'
if ARGV[4] == 'idle' then mine, other = other, mine end
redis.call('ZREM', other, socket)
redis.call('ZADD', mine, ARGV[5], socket)
return settle(base, uid, tonumber(ARGV[6]), ARGV[7])
"""
)

# KEYS the rate limit's bucket, or none; ARGV base, uid, socket, state, expiry, now, keep
# (ms), limit, and the bucket's rate and burst. Returns {-1, wait in ms} if the bucket had
# no token; else {0, open} when `limit` sockets are open, else {1, open} and the change,
# if any.
_ADMIT = (
    _SETTLE
    + ratelimit.BUCKET_LUA
    + """
if KEYS[1] then
  local wait = take_token(KEYS[1], tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[6]))
  if wait > 0 then return {-1, wait} end
end
local base, uid, socket = ARGV[1], ARGV[2], ARGV[3]
local mine, other = base .. uid .. ':active', base .. uid .. ':idle'
local alive = '(' .. ARGV[6]
local open = redis.call('ZCOUNT', mine, alive, '+inf') + redis.call('ZCOUNT', other, alive, '+inf')
  - redis.call('ZCOUNT', base .. uid .. ':gone', alive, '+inf')
if open >= tonumber(ARGV[8]) then return {0, open} end
if ARGV[4] == 'idle' then mine, other = other, mine end
redis.call('ZREM', other, socket)
redis.call('ZADD', mine, ARGV[5], socket)
local change = settle(base, uid, tonumber(ARGV[6]), ARGV[7])
if change then return {1, open, change[1], change[2]} end
return {1, open}
"""
)

# ARGV base, uid, socket, now, keep, the linger's end. The record of the user's last
# open socket keeps its state and ends at the linger's end if that is sooner; any other
# goes at once.
_LEAVE = (
    _SETTLE
    + """
local base, uid, socket, now = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local active, idle, gone = base .. uid .. ':active', base .. uid .. ':idle', base .. uid .. ':gone'
local alive = '(' .. ARGV[4]
local key, expiry = active, redis.call('ZSCORE', active, socket)
if not expiry then key, expiry = idle, redis.call('ZSCORE', idle, socket) end
local open = redis.call('ZCOUNT', active, alive, '+inf') + redis.call('ZCOUNT', idle, alive, '+inf')
  - redis.call('ZCOUNT', gone, alive, '+inf')
local lingers = expiry and tonumber(expiry) > now and not redis.call('ZSCORE', gone, socket)
  and open == 1
if lingers then
  local ends = math.min(tonumber(expiry), tonumber(ARGV[6]))
  redis.call('ZADD', key, ends, socket)
  redis.call('ZADD', gone, ends, socket)
else
  redis.call('ZREM', active, socket)
  redis.call('ZREM', idle, socket)
  redis.call('ZREM', gone, socket)
end
return settle(base, uid, now, ARGV[5])
"""
)

# ARGV base, now, keep, limit. Returns {uid, status, version} for each changed user.
_SWEEP = (
    _SETTLE
    + """
local base, now = ARGV[1], tonumber(ARGV[2])
local changed = {}
local due = redis.call('ZRANGEBYSCORE', base .. 'due', '-inf', now, 'LIMIT', 0, ARGV[4])
for _, uid in ipairs(due) do
  local change = settle(base, uid, now, ARGV[3])
  if change then table.insert(changed, {uid, change[1], change[2]}) end
end
return changed
"""
)

# ARGV base, now, connected ('1': lingering records left out), uid… Returns one status
# per uid.
_STATUSES = """
local base, now, connected, found = ARGV[1], ARGV[2], ARGV[3] == '1', {}
local alive = '(' .. now
for i = 4, #ARGV do
  local status, user = 'offline', base .. ARGV[i]
  local active = redis.call('ZCOUNT', user .. ':active', alive, '+inf')
  local idle = redis.call('ZCOUNT', user .. ':idle', alive, '+inf')
  if connected then
    for _, socket in ipairs(redis.call('ZRANGEBYSCORE', user .. ':gone', alive, '+inf')) do
      if redis.call('ZSCORE', user .. ':active', socket) then active = active - 1
      else idle = idle - 1 end
    end
  end
  if active > 0 then status = 'online' elseif idle > 0 then status = 'away' end
  table.insert(found, status)
end
return found
"""

SWEEP_BATCH = 500
STATUS_BATCH = 1000


# The module's own literals for Redis's replies: decoding would make a new str each time.
_STATUS_REPLIES: dict[Any, Status] = {
    reply: status for status in STATUSES for reply in (status, status.encode())
}


def _status(value: Any) -> Status:
    return _STATUS_REPLIES[value]


def _change(user_id: int, reply: Any) -> Change | None:
    if not reply:
        return None
    status, version = reply
    return Change(user_id, _status(status), int(version))


class RedisPresenceStore:
    """Records in Redis, shared by every process; each call is one atomic script."""

    def __init__(self, client: Any, prefix: str, ttl: float | None = None) -> None:
        self.client = client  # a redis.asyncio.Redis, bound to the running loop
        self.base = f"{prefix}:presence:"
        self.ttl = ttl
        self._admit = client.register_script(_ADMIT)
        self._touch = client.register_script(_TOUCH)
        self._leave = client.register_script(_LEAVE)
        self._sweep = client.register_script(_SWEEP)
        self._statuses = client.register_script(_STATUSES)
        self._pipeline = ScriptPipeline(client)  # sockets connecting together share trips

    def _keep_ms(self) -> int:
        # Long enough to outlive any record, and the version after the last one ends.
        return int((self.ttl or socket_ttl()) * 4000) + 60_000

    async def admit(
        self, user_id: int, socket: str, state: State, limit: int, now: float, rate: Rate | None
    ) -> Admission:
        expiry = now + (self.ttl or socket_ttl())
        args = [self.base, user_id, socket, state, repr(expiry), repr(now), self._keep_ms(), limit]
        keys = []
        if rate is not None:
            bucket = ratelimit.limit_for(rate[0])
            keys.append(ratelimit.bucket_key(*rate))
            args += [bucket.rate, bucket.burst]
        admitted, open_now, *change = await self._pipeline(self._admit, keys, args)
        if admitted == -1:
            return Admission(False, 0, retry_after=int(open_now) / 1000)
        return Admission(bool(admitted), int(open_now), _change(user_id, change or None))

    async def touch(self, user_id: int, socket: str, state: State, now: float) -> Change | None:
        expiry = now + (self.ttl or socket_ttl())
        args = [self.base, user_id, socket, state, repr(expiry), repr(now), self._keep_ms()]
        return _change(user_id, await self._pipeline(self._touch, [], args))

    async def leave(
        self, user_id: int, socket: str, now: float, linger: float = 0.0
    ) -> Change | None:
        args = [self.base, user_id, socket, repr(now), self._keep_ms(), repr(now + linger)]
        return _change(user_id, await self._pipeline(self._leave, [], args))

    async def sweep(self, now: float) -> list[Change]:
        replies = await self._sweep(args=[self.base, repr(now), self._keep_ms(), SWEEP_BATCH])
        changes = [_change(int(uid), (status, version)) for uid, status, version in replies]
        return [change for change in changes if change is not None]

    async def statuses(self, user_ids: list[int], now: float) -> dict[int, Status]:
        found: dict[int, Status] = {}
        for start in range(0, len(user_ids), STATUS_BATCH):
            batch = user_ids[start : start + STATUS_BATCH]
            args = [self.base, repr(now), "0", *batch]
            replies = await self._pipeline(self._statuses, [], args)
            for user_id, reply in zip(batch, replies, strict=True):
                status = _status(reply)
                if status != "offline":
                    found[user_id] = status
        return found


class FallbackPresenceStore:
    """The Redis store while Redis answers; this process's memory while it does not."""

    def __init__(self, shared: RedisPresenceStore, local: LocalPresenceStore) -> None:
        self.shared = shared
        self.local = local

    async def _call(self, method: str, *args: Any) -> Any:
        if redis_outage.usable():
            try:
                result = await getattr(self.shared, method)(*args)
            except REDIS_ERRORS as error:
                redis_outage.failed(error)
            else:
                redis_outage.succeeded()
                return result
        return await getattr(self.local, method)(*args)

    async def admit(
        self, user_id: int, socket: str, state: State, limit: int, now: float, rate: Rate | None
    ) -> Admission:
        # During an outage this process's memory counts only its own sockets, and its own
        # buckets limit the rate (fail safe, as parley.core.ratelimit does).
        admission: Admission = await self._call("admit", user_id, socket, state, limit, now, rate)
        return admission

    async def touch(self, user_id: int, socket: str, state: State, now: float) -> Change | None:
        change: Change | None = await self._call("touch", user_id, socket, state, now)
        return change

    async def leave(
        self, user_id: int, socket: str, now: float, linger: float = 0.0
    ) -> Change | None:
        change: Change | None = await self._call("leave", user_id, socket, now, linger)
        if self.local.holds(user_id):  # a record made during an outage
            await self.local.leave(user_id, socket, now, linger)
        return change

    async def sweep(self, now: float) -> list[Change]:
        changes: list[Change] = await self._call("sweep", now)
        return [*changes, *await self.local.sweep(now)]  # records made during an outage

    async def statuses(self, user_ids: list[int], now: float) -> dict[int, Status]:
        found: dict[int, Status] = await self._call("statuses", user_ids, now)
        return found


# --- the store of the running process ---------------------------------------------------

_local_store = LocalPresenceStore()
_redis_stores: PerLoop[FallbackPresenceStore] = PerLoop(
    lambda: FallbackPresenceStore(
        RedisPresenceStore(async_redis(), settings.REDIS_PREFIX), LocalPresenceStore()
    )
)


def store() -> PresenceStore:
    """This process's store: Redis when REDIS_URL is set (memory while Redis is
    unreachable), else memory. Call on the loop."""
    if not settings.REDIS_URL:
        return _local_store
    return _redis_stores.get()


async def close_store() -> None:
    """Close the running loop's Redis connections (when its last socket has gone)."""
    found = _redis_stores.pop()
    if found is not None:
        await found.shared.client.aclose()


def statuses_now(user_ids: list[int]) -> dict[int, Status]:
    """The status of each of these users who is not offline, synchronously: for workers
    and threads (parley.notifications.presence), not the event loop. By their connected
    sockets only: someone whose last tab closed is not reading, lingering or not. Redis when
    REDIS_URL is set (this process's memory while it is unreachable), else memory, which
    in a process without sockets (a job worker) knows no one."""
    now = time.time()
    if settings.REDIS_URL and redis_outage.usable():
        try:
            found = _sync_statuses(user_ids, now)
        except REDIS_ERRORS as error:
            redis_outage.failed(error)
        else:
            redis_outage.succeeded()
            return found
    return _local_store.statuses_now(user_ids, now, connected=True)


_sync_client: Any = None


def _sync_statuses(user_ids: list[int], now: float) -> dict[int, Status]:
    global _sync_client
    if _sync_client is None:
        import redis

        _sync_client = redis.Redis.from_url(settings.REDIS_URL, **redis_client_options())
    base = f"{settings.REDIS_PREFIX}:presence:"
    found: dict[int, Status] = {}
    for start in range(0, len(user_ids), STATUS_BATCH):
        batch = user_ids[start : start + STATUS_BATCH]
        replies = _sync_client.eval(_STATUSES, 0, base, repr(now), "1", *batch)
        for user_id, reply in zip(batch, replies, strict=True):
            if (status := _status(reply)) != "offline":
                found[user_id] = status
    return found


# --- who sees whose presence (selectors) ------------------------------------------------


def reach(user_id: int, places: list[tuple[int, int | None]] | None = None) -> "Reach":
    """Whose presence `user_id` hears and where their own presence goes, from the
    (conversation, room) pairs of their conversations (`places`, read here if not given)."""
    if places is None:
        return reaches(places_of([user_id]))[user_id]
    return reaches({user_id: places})[user_id]


def places_of(user_ids: list[int]) -> dict[int, list[tuple[int, int | None]]]:
    """The (conversation, room) pairs of each of these users' conversations, in one query."""
    places: dict[int, list[tuple[int, int | None]]] = {user_id: [] for user_id in user_ids}
    if not user_ids:
        return places
    condition, params = one_of("p.user_id", user_ids)
    with connection.cursor() as cursor:
        cursor.execute(_PLACES.format(condition), params)
        for user_id, conversation_id, room_id in cursor.fetchall():
            places[user_id].append((conversation_id, room_id))
    return places


def reaches(places: dict[int, list[tuple[int, int | None]]]) -> dict[int, "Reach"]:
    """`reach` of each of these users, from the (conversation, room) pairs of their
    conversations. One query of plain SQL however many users (every socket's hello reads
    it, and sockets connecting together share it): the members their conversations reach,
    their friends and the blocks either way."""
    # One conversation per room: every room member is a participant of each of its chats.
    reached: dict[int, list[int]] = {}
    for user_id, pairs in places.items():
        conversations: dict[object, int] = {}
        for conversation_id, room_id in sorted(pairs):
            conversations.setdefault(room_id or f"c{conversation_id}", conversation_id)
        reached[user_id] = sorted(conversations.values())
    users = list(places)
    if not users:
        return {}
    parts, params = [], []
    for column in ("f.user_low_id", "f.user_high_id", "b.blocker_id", "b.blocked_id"):
        condition, values = one_of(column, users)
        parts.append(condition)
        params += values
    sql = _REACH.format(*parts)
    everywhere = sorted({c for conversations in reached.values() for c in conversations})
    if everywhere:
        condition, values = one_of("p.conversation_id", everywhere)
        sql += _REACH_MEMBERS.format(condition)
        params += values
    members: dict[int, set[int]] = {}
    friends: dict[int, set[int]] = {user_id: set() for user_id in users}
    hidden: dict[int, set[int]] = {user_id: set() for user_id in users}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for a, b, kind in cursor.fetchall():
            if kind == 0:  # a conversation and one of its members
                members.setdefault(a, set()).add(b)
                continue
            both = (friends, hidden)[kind - 1]
            for one, other in ((a, b), (b, a)):
                if one in both:
                    both[one].add(other)
    result: dict[int, Reach] = {}
    for user_id in users:
        people = set().union(*(members.get(c, ()) for c in reached[user_id]))
        audience = (people | friends[user_id]) - hidden[user_id] - {user_id}
        lonely = sorted(friends[user_id] - people - {user_id})  # friends sharing nothing
        routes = Routes(reached[user_id], lonely)
        result[user_id] = Reach(sorted(audience), frozenset(hidden[user_id]), routes)
    return result


_FRIENDSHIP, _BLOCK = Friendship._meta.db_table, Block._meta.db_table
_PLACES = f"""
SELECT p.user_id, p.conversation_id, c.room_id FROM {Participant._meta.db_table} p
JOIN {Conversation._meta.db_table} c ON c.id = p.conversation_id WHERE {{}}
"""  # noqa: S608
# The two people of each friendship (kind 1) and block (kind 2) of the users.
_REACH = f"""
SELECT f.user_low_id, f.user_high_id, 1 FROM {_FRIENDSHIP} f
WHERE {{}} OR {{}}
UNION ALL
SELECT b.blocker_id, b.blocked_id, 2 FROM {_BLOCK} b
WHERE {{}} OR {{}}
"""  # noqa: S608 (table names from the models, values as parameters)
# ...and the members of the conversations that reach everyone the users share one with.
_REACH_MEMBERS = f"""
UNION ALL
SELECT p.conversation_id, p.user_id, 0 FROM {Participant._meta.db_table} p WHERE {{}}
"""  # noqa: S608


def conversation_members(conversation_id: int) -> list[int]:
    """The ids of a conversation's members (one index scan)."""
    members = Participant.objects.filter(conversation_id=conversation_id)
    return list(members.values_list("user_id", flat=True))


@dataclass(frozen=True)
class Routes:
    """Where a user's presence events go so that each of their audience hears of them."""

    conversations: list[int]  # conversation groups: every member's sockets follow them
    friends: list[int]  # user groups of friends who share no conversation with the user


@dataclass(frozen=True)
class Reach:
    """Whose presence a user hears, and where their own goes (see reach)."""

    audience: list[int]  # everyone they share a conversation with, and friends
    hidden: frozenset[int]  # blocked either way: never heard, whatever else holds
    routes: Routes


def presence_routes(user_ids: list[int]) -> dict[int, Routes]:
    """Where each of these users' presence events go so that each of their audience hears
    of them: two statements however many users (a sweep announces many at once)."""
    return {user_id: found.routes for user_id, found in reaches(places_of(user_ids)).items()}

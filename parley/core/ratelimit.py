"""Token buckets: `rate` tokens a second, up to `burst`, shared by all processes via Redis.

Without Redis (one process) the buckets live in this process's memory, and so they do
while Redis is unreachable (fail safe, not closed: each process then limits on its own,
so a user spread over N processes may get up to N times the rate). Every limit a
user can hit is named in settings.RATE_LIMITS; check_rate/acheck_rate take a token for
one action of one subject (a user id, an address) or raise ParleyError(rate_limited)
with the seconds to wait, which HTTP renders as 429 with Retry-After and the socket as
an error event with "retry_after".
"""

import threading
import time
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings

from parley.core.errors import ErrorCode, ParleyError
from parley.core.per_loop import PerLoop
from parley.core.resilience import (
    REDIS_ERRORS,
    ScriptPipeline,
    async_redis,
    redis_client_options,
    redis_outage,
)

# One bucket: take a token from `key` (rate tokens a second, up to burst) at `now`.
# Returns 0 if a token was taken, else the wait in ms; and the whole tokens left. Other
# scripts that take a token in the same round trip as their own work include it (the
# connect's admission: parley/realtime/presence.py).
BUCKET_LUA = """
local function take_token(key, rate, burst, now)
    local state = redis.call('HMGET', key, 'tokens', 'at')
    local tokens = tonumber(state[1]) or burst
    local at = tonumber(state[2]) or now
    tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
    local wait = 0
    if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) / rate * 1000) end
    redis.call('HSET', key, 'tokens', tokens, 'at', now)
    redis.call('PEXPIRE', key, math.ceil(burst / rate * 1000) + 1000)
    return wait, math.floor(tokens)
end
"""

# KEYS the buckets (a key may repeat); ARGV rate, burst, now. Returns, for each key, two
# numbers: 0 if a token was taken, else the wait in ms; and the whole tokens left.
_LUA = (
    BUCKET_LUA
    + """
local rate, burst, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local waits = {}
for i, key in ipairs(KEYS) do
    waits[2 * i - 1], waits[2 * i] = take_token(key, rate, burst, now)
end
return waits
"""
)


@dataclass(frozen=True)
class Limit:
    rate: float  # tokens a second
    burst: int


def limit_for(action: str) -> Limit:
    """The limit settings.RATE_LIMITS sets for `action` (read at call time)."""
    rate, burst = settings.RATE_LIMITS[action]
    return Limit(rate=float(rate), burst=int(burst))


def rate_limited(action: str, wait: float) -> ParleyError:
    """The error for an action over its limit, with the seconds until it may go again."""
    return ParleyError(
        ErrorCode.RATE_LIMITED,
        f"Too many {_NOUNS.get(action, action)} too quickly; wait a moment.",
        retry_after=round(wait, 3),
    )


_NOUNS = {
    "send": "messages",
    "edit": "edits",
    "delete": "deletions",
    "react": "reactions",
    "move": "moves",
    "read": "read markers",
    "typing": "typing updates",
    "history": "history requests",
    "search": "searches",
    "preview": "previews",
    "room": "room changes",
    "invite": "invitations",
    "friend": "friend requests",
    "connect_ip": "new connections",
    "frames": "frames",
    "token": "token changes",
    "bot": "bot changes",
    "broadcast": "broadcasts",
    "api": "API requests",
    "api_token": "API requests with this token",
}


def check_rate(action: str, subject: int | str) -> None:
    """Take a token for `action` by `subject`, or raise rate_limited."""
    (wait,) = take_tokens([f"{action}:{subject}"], limit_for(action))
    if wait:
        raise rate_limited(action, wait)


@dataclass(frozen=True)
class Quota:
    """What is left of a bucket after a request took its token: the bucket's size, the
    whole tokens left, and the seconds until it is full again (the X-RateLimit-* headers
    of the REST API)."""

    limit: int
    remaining: int
    reset: float
    wait: float  # 0 if the token was taken, else the seconds to wait


def take_quota(action: str, subject: int | str) -> Quota:
    """Take a token for `action` by `subject` and say what is left (nothing raised)."""
    limit = limit_for(action)
    ((wait, left),) = _take([f"{action}:{subject}"], limit)
    return Quota(limit.burst, left, (limit.burst - left) / limit.rate, wait)


async def acheck_rate(action: str, subject: int | str) -> None:
    """check_rate for code on the event loop."""
    (wait,) = await atake_tokens([f"{action}:{subject}"], limit_for(action))
    if wait:
        raise rate_limited(action, wait)


class _LocalBuckets:
    """The buckets of this process. A bucket that has filled up again is the same as none,
    so those are dropped whenever the table grows past `_prune_at` (every user and
    address ever seen would otherwise stay)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float, float]] = {}  # tokens, at, full at
        self._prune_at = 10_000

    def take(self, key: str, limit: Limit, now: float) -> tuple[float, int]:
        with self._lock:
            tokens, at, _ = self._buckets.get(key, (float(limit.burst), now, now))
            tokens = min(limit.burst, tokens + max(0.0, now - at) * limit.rate)
            wait = 0.0
            if tokens >= 1:
                tokens -= 1
            else:
                wait = (1 - tokens) / limit.rate
            self._buckets[key] = (tokens, now, now + (limit.burst - tokens) / limit.rate)
            if len(self._buckets) > self._prune_at:
                self._prune(now)
            return wait, int(tokens)

    def _prune(self, now: float) -> None:
        self._buckets = {k: b for k, b in self._buckets.items() if b[2] > now}
        self._prune_at = max(10_000, 2 * len(self._buckets))


_local = _LocalBuckets()


@cache
def _redis_script() -> Any:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, **redis_client_options())
    return client.register_script(_LUA)


# redis.asyncio clients belong to the event loop that made them: one script per loop,
# its calls pipelined (frames of many sockets at once share round trips).
_AsyncScript = tuple[Any, ScriptPipeline]


def _new_async_script() -> _AsyncScript:
    client = async_redis()
    return client.register_script(_LUA), ScriptPipeline(client)


_async_scripts: PerLoop[_AsyncScript] = PerLoop(_new_async_script)


def _async_redis_script() -> _AsyncScript:
    return _async_scripts.get()


def take_tokens(keys: list[str], limit: Limit) -> list[float]:
    """Take one token from each key's bucket (a key may repeat), in one Redis round trip:
    for each, 0 if allowed, else the seconds to wait."""
    return [wait for wait, _ in _take(keys, limit)]


def _take(keys: list[str], limit: Limit) -> list[tuple[float, int]]:
    if not keys:
        return []
    now = time.time()
    if settings.REDIS_URL and redis_outage.usable():
        try:
            taken = _redis_script()(keys=_buckets(keys), args=[limit.rate, limit.burst, now])
        except REDIS_ERRORS as error:
            redis_outage.failed(error)
        else:
            redis_outage.succeeded()
            return _pairs(taken)
    return [_local.take(key, limit, now) for key in keys]


async def atake_tokens(keys: list[str], limit: Limit) -> list[float]:
    """take_tokens for code on the event loop: the same buckets, awaited."""
    if not keys:
        return []
    now = time.time()
    if settings.REDIS_URL and redis_outage.usable():
        script, pipeline = _async_redis_script()
        try:
            taken = await pipeline(script, _buckets(keys), [limit.rate, limit.burst, now])
        except REDIS_ERRORS as error:
            redis_outage.failed(error)
        else:
            redis_outage.succeeded()
            return [wait for wait, _ in _pairs(taken)]
    return [_local.take(key, limit, now)[0] for key in keys]


def bucket_key(action: str, subject: int | str) -> str:
    """The Redis key of the bucket of `action` by `subject`, for a script that takes its
    token with BUCKET_LUA (it must fall back to take_locally when Redis is away)."""
    return _buckets([f"{action}:{subject}"])[0]


def take_locally(action: str, subject: int | str, now: float) -> float:
    """Take a token for `action` by `subject` from this process's buckets (Redis away, or
    none): 0 if taken, else the seconds to wait."""
    return _local.take(f"{action}:{subject}", limit_for(action), now)[0]


def _buckets(keys: list[str]) -> list[str]:
    prefix = getattr(settings, "REDIS_PREFIX", "parley")
    return [f"{prefix}:rl:{key}" for key in keys]


def _pairs(taken: list[Any]) -> list[tuple[float, int]]:
    """The script's flat answer as (seconds to wait, whole tokens left) per key."""
    return [(int(taken[i]) / 1000, int(taken[i + 1])) for i in range(0, len(taken), 2)]

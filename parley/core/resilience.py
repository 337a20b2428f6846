"""Living with Redis or the database away: timeouts on every Redis client, and one Outage
per dependency that logs once when it goes and once when it is back (with a count of the
calls that failed meanwhile), and tells callers when to try it again.

Redis speeds delivery up; it never decides whether a message is stored. While it is
unreachable, rate limits and presence use this process's memory and events reach this
process's sockets directly (parley/events/publish.py); the Fanout repairs its sockets
when it comes back (parley/realtime/fanout.py). README.md, "When Redis or the database
is away", says what clients see.
"""

import logging
import time
from collections.abc import Callable
from typing import Any

import psycopg
import redis.exceptions
from django.conf import settings
from django.db import utils as db_utils

from parley.core.coalesce import Coalesced
from parley.core.errors import ErrorCode, ParleyError

logger = logging.getLogger(__name__)

# What a call to Redis raises when Redis is down, frozen (a timeout) or restarting.
REDIS_ERRORS: tuple[type[BaseException], ...] = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    redis.exceptions.BusyLoadingError,
    OSError,
    TimeoutError,
)

# What a statement raises when the database is away or ended the session.
DATABASE_ERRORS: tuple[type[BaseException], ...] = (
    psycopg.OperationalError,
    psycopg.InterfaceError,
    db_utils.OperationalError,
    db_utils.InterfaceError,
)


# SQLSTATE classes of the database's state rather than the statement's: connection
# exception, transaction rollback (deadlock, serialisation), insufficient resources,
# operator intervention (shutdown, statement timeout); and "lock not available".
_AWAY_SQLSTATES = ("08", "40", "53", "57")
# MariaDB/MySQL server errors of the same kind (too many connections, shutting down, lock
# wait timeout, deadlock, connection killed, idle too long); 2000-2999 are the client
# library's own (server gone away, lost connection).
_AWAY_MYSQL_ERRORS = frozenset({1040, 1053, 1205, 1213, 1927, 4031})


def database_away(error: BaseException) -> bool:
    """Whether a database error is the database's state (away, restarting, overloaded,
    locked, a deadlock) rather than the statement's own fault, so that the same work may
    well succeed later: the socket answers `unavailable`, HTTP 503. MariaDB reports a
    trigger's refusal as an OperationalError too: its code tells them apart."""
    if not isinstance(error, DATABASE_ERRORS):
        return False
    cause = error.__cause__ if isinstance(error, db_utils.Error) else error
    sqlstate = getattr(cause, "sqlstate", None)
    if isinstance(sqlstate, str):
        return sqlstate[:2] in _AWAY_SQLSTATES or sqlstate == "55P03"
    code = cause.args[0] if cause is not None and cause.args else None
    if isinstance(code, int) and type(cause).__module__.startswith("MySQLdb"):
        return code in _AWAY_MYSQL_ERRORS or 2000 <= code < 3000
    return True  # SQLite's "database is locked", a connection closed under us


def redis_timeout() -> float:
    return float(settings.REDIS_TIMEOUT_SECONDS)


def redis_client_options(*, read_timeout: bool = True) -> dict[str, Any]:
    """Keyword arguments for every redis-py client (and pool) Parley makes: a connect and
    a read timeout, and no retries inside redis-py (the callers fall back instead).
    `read_timeout=False` for pub/sub connections, whose reads wait for messages."""
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    options: dict[str, Any] = {
        "socket_connect_timeout": redis_timeout(),
        "retry": Retry(NoBackoff(), 0),
    }
    if read_timeout:
        options["socket_timeout"] = redis_timeout()
    return options


# Connections in each event loop's pool of a Redis client; more callers at once wait for
# one (up to the timeout). Unbounded, a burst of thousands of sockets would open a
# connection each, and each new connection costs the loop time (redis-py reads its own
# package metadata each time): a mass close would stall it (bench/README.md, "mass closes").
REDIS_POOL_CONNECTIONS = 32


def async_redis() -> Any:
    """A redis.asyncio client for the running loop: Parley's timeouts, a bounded pool."""
    import redis.asyncio

    pool = redis.asyncio.BlockingConnectionPool.from_url(
        settings.REDIS_URL,
        max_connections=REDIS_POOL_CONNECTIONS,
        timeout=redis_timeout(),
        **redis_client_options(),
    )
    return redis.asyncio.Redis.from_pool(pool)  # closing the client closes the pool


class ScriptPipeline:
    """Lua scripts run on one redis.asyncio client with their round trips shared: the
    calls made while a pipeline is out go together in the next one (Coalesced). Redis runs
    each script atomically, as when sent alone; one that fails raises its own error, and
    a pipeline that fails (Redis away) raises in each of its callers."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self._calls: Coalesced[tuple[Any, list[Any], list[Any]], Any] = Coalesced(self._send)
        self._refuse_until = 0.0  # monotonic

    async def __call__(self, script: Any, keys: list[Any], args: list[Any]) -> Any:
        """The reply of `script` (registered on this client) run with `keys` and `args`."""
        return await self._calls((script, keys, args))

    async def _send(self, calls: list[tuple[Any, list[Any], list[Any]]]) -> list[Any]:
        # The calls that queued behind a pipeline Redis did not answer fail at once, as
        # the outage would have had them fall back had it been known: a frozen Redis then
        # costs a caller one timeout, not two.
        if time.monotonic() < self._refuse_until:
            raise redis.exceptions.ConnectionError("Redis failed the pipeline before this one")
        pipe = self.client.pipeline(transaction=False)
        for script, keys, args in calls:
            pipe.scripts.add(script)  # loaded first if Redis lacks it (restarted empty)
            pipe.evalsha(script.sha, len(keys), *keys, *args)
        try:
            return list(await pipe.execute(raise_on_error=False))
        except REDIS_ERRORS:
            self._refuse_until = time.monotonic() + redis_outage.retry_seconds
            raise


class Outage:
    """The state of one dependency in this process: up, or down since a time.

    failed() on each failed call: the first logs a warning, the rest are counted.
    succeeded() after a call that worked: logs the end of an outage, with its length and
    count, and runs the recovery callbacks. usable(): whether to call the dependency at
    all; while it is down, at most once every `retry_seconds` (the other calls take the
    fallback at once, so a frozen Redis costs one timeout per interval, not one per call).
    """

    def __init__(self, name: str, fallback: str, retry_seconds: float = 1.0) -> None:
        self.name = name
        self.fallback = fallback
        self.retry_seconds = retry_seconds
        self.down_since: float | None = None
        self.failures = 0
        self._next_try = 0.0
        self._on_recovery: list[Callable[[], None]] = []

    @property
    def down(self) -> bool:
        return self.down_since is not None

    def usable(self) -> bool:
        if self.down_since is None:
            return True
        now = time.monotonic()
        if now >= self._next_try:
            self._next_try = now + self.retry_seconds
            return True
        return False

    def failed(self, error: BaseException) -> None:
        self.failures += 1
        self._next_try = time.monotonic() + self.retry_seconds
        if self.down_since is None:
            self.down_since = time.monotonic()
            logger.warning(
                "%s unreachable (%r): %s until it is back", self.name, error, self.fallback
            )

    def succeeded(self) -> None:
        if self.down_since is None:
            return
        seconds = time.monotonic() - self.down_since
        logger.warning(
            "%s back after %.1f s (%d calls failed meanwhile)", self.name, seconds, self.failures
        )
        self.down_since, self.failures = None, 0
        for callback in list(self._on_recovery):
            try:
                callback()
            except Exception:
                logger.exception("recovery of %s: a callback failed", self.name)

    def on_recovery(self, callback: Callable[[], None]) -> None:
        """Call `callback` (on the thread that sees the recovery) whenever an outage ends."""
        if callback not in self._on_recovery:
            self._on_recovery.append(callback)


# One per dependency and process.
redis_outage = Outage(
    "Redis", "rate limits and presence in this process, events to its own sockets"
)
database_outage = Outage("the database", "sends answered 'unavailable'")


def unavailable(error: BaseException) -> ParleyError | None:
    """The retryable error a client gets for a call that failed because Redis or the
    database is away (database_away); None for any other error (a bug, or a statement
    the database refused for its own sake, stays `internal`)."""
    if database_away(error):
        database_outage.failed(error)
        return ParleyError(
            ErrorCode.UNAVAILABLE,
            "The server cannot store messages right now; send again in a moment.",
            retry_after=1,
        )
    if isinstance(error, REDIS_ERRORS):
        redis_outage.failed(error)
        return ParleyError(
            ErrorCode.UNAVAILABLE, "The server is busy; send again in a moment.", retry_after=1
        )
    return None


class OncePerInterval(logging.Filter):
    """Lets a logger's repeated record through at most once every `seconds`, counting
    the ones it held back (channels_redis logs a failed receive every second while Redis
    is away)."""

    def __init__(self, seconds: float = 60.0) -> None:
        super().__init__()
        self.seconds = seconds
        self._last: dict[str, float] = {}
        self._held: dict[str, int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        key = f"{record.name}:{record.msg}"
        now = time.monotonic()
        if now - self._last.get(key, -self.seconds) < self.seconds:
            self._held[key] = self._held.get(key, 0) + 1
            return False
        self._last[key] = now
        held = self._held.pop(key, 0)
        if held:
            record.msg = f"{record.msg} (and {held} more like it in the last {self.seconds:.0f} s)"
        return True

"""The sign-in checks around a socket's life, called directly: who may open one (its
address's rate and its user's open sockets, asked of a real presence store: this
process's memory, Redis, and Redis gone), and which sessions-ended events close it."""

import time
import uuid

import pytest
import redis.asyncio
from django.conf import settings

from parley.core.errors import ErrorCode
from parley.core.resilience import redis_outage
from parley.core.testing import services
from parley.core.testing.services import redis_server
from parley.realtime import presence
from parley.realtime.limits import CLOSE_RATE_LIMITED, CLOSE_TOO_MANY_SOCKETS
from parley.realtime.signin import CLOSE_SESSION_ENDED, CLOSE_UNAUTHENTICATED, ended, refusal


class User:
    pk = 3


def stores() -> list[str]:
    return ["memory", "redis"] if settings.REDIS_URL else ["memory"]


@pytest.fixture(params=stores())
def store(request) -> presence.PresenceStore:
    """A presence store of its own (this process's memory, or Redis, as deployed); the
    rate limits are the process's (memory) or Redis's buckets accordingly."""
    if request.param == "memory":
        return presence.LocalPresenceStore()
    client = redis.asyncio.Redis.from_url(settings.REDIS_URL)
    prefix = f"{settings.REDIS_PREFIX}-{uuid.uuid4().hex}"
    return presence.FallbackPresenceStore(
        presence.RedisPresenceStore(client, prefix), presence.LocalPresenceStore()
    )


class Sockets:
    """A user's sockets as LivenessMixin.liveness_admit admits them: each a name."""

    def __init__(self, store: presence.PresenceStore, user_id: int = 3) -> None:
        self.store = store
        self.user_id = user_id
        self.asked: list[int] = []

    async def admit(self, limit: int, rate: presence.Rate) -> presence.Admission:
        self.asked.append(limit)
        socket = f"socket.{uuid.uuid4().hex}"
        return await self.store.admit(self.user_id, socket, "active", limit, time.time(), rate)

    async def open_now(self) -> int:
        return len(await self.store.statuses([self.user_id], time.time()))


def scope(address: str) -> dict[str, object]:
    return {"client": (address, 50000), "headers": []}


def address() -> str:
    """An address no other test (or earlier run) has used: its bucket is full."""
    return f"2001:db8::{uuid.uuid4().hex[:4]}"


async def test_a_socket_within_the_limits_opens_and_is_counted(settings, store):
    settings.WEBSOCKET_MAX_SOCKETS_PER_USER = 2
    sockets = Sockets(store)
    here = address()
    assert await refusal(scope(here), User(), sockets.admit) is None
    assert await refusal(scope(here), User(), sockets.admit) is None
    assert sockets.asked == [2, 2]
    assert await sockets.open_now() == 1  # one user online, by their two sockets


async def test_a_user_with_the_most_sockets_open_is_refused_with_the_limit(settings, store):
    settings.WEBSOCKET_MAX_SOCKETS_PER_USER = 2
    sockets = Sockets(store)
    here = address()
    for _ in range(2):
        assert await refusal(scope(here), User(), sockets.admit) is None
    refused = await refusal(scope(here), User(), sockets.admit)
    assert refused is not None
    error, code = refused
    assert (error.code, error.details, code) == (
        ErrorCode.CONFLICT,
        {"limit": 2},
        CLOSE_TOO_MANY_SOCKETS,
    )


async def test_an_address_opening_sockets_too_fast_is_refused_before_counting(settings, store):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "connect_ip": (0.001, 2)}
    settings.WEBSOCKET_MAX_SOCKETS_PER_USER = 3
    sockets = Sockets(store)
    here = address()
    results = [await refusal(scope(here), User(), sockets.admit) for _ in range(3)]
    assert results[:2] == [None, None]
    assert results[2] is not None
    error, code = results[2]
    assert (error.code, code) == (ErrorCode.RATE_LIMITED, CLOSE_RATE_LIMITED)
    assert error.details["retry_after"] > 0
    # Not counted: the user still has room for one more socket, from another address.
    assert await refusal(scope(address()), User(), sockets.admit) is None
    refused = await refusal(scope(address()), User(), sockets.admit)
    assert refused is not None and refused[1] == CLOSE_TOO_MANY_SOCKETS


async def test_a_store_that_fails_admits_and_the_rate_still_holds(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "connect_ip": (0.001, 1)}

    async def failing(limit: int, rate: presence.Rate) -> presence.Admission | None:
        return None  # as liveness_admit answers when its store raised

    here = address()
    assert await refusal(scope(here), User(), failing) is None
    refused = await refusal(scope(here), User(), failing)
    assert refused is not None and refused[1] == CLOSE_RATE_LIMITED


@pytest.mark.skipif(bool(services.available()), reason=f"{services.available()}")
async def test_with_redis_down_the_process_limits_the_rate_and_counts_sockets(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "connect_ip": (0.001, 2)}
    settings.WEBSOCKET_MAX_SOCKETS_PER_USER = 5
    settings.REDIS_TIMEOUT_SECONDS = 0.5
    with redis_server() as server:
        client = redis.asyncio.Redis.from_url(server.url, socket_timeout=0.5)
        store = presence.FallbackPresenceStore(
            presence.RedisPresenceStore(client, "down"), presence.LocalPresenceStore()
        )
        server.kill()
        try:
            sockets = Sockets(store)
            here = address()
            results = [await refusal(scope(here), User(), sockets.admit) for _ in range(3)]
            open_now = await sockets.open_now()
        finally:
            redis_outage.down_since, redis_outage.failures = None, 0
            redis_outage._next_try = 0
    assert results[:2] == [None, None]  # fail safe: not refused for Redis being away
    assert results[2] is not None and results[2][1] == CLOSE_RATE_LIMITED  # not open either
    assert open_now == 1


@pytest.mark.parametrize(
    ("event", "tag", "result"),
    [
        # a logout: only that session's sockets close
        ({"session": "s1"}, "s1", (CLOSE_SESSION_ENDED, "s1")),
        ({"session": "s2"}, "s1", (None, "s1")),
        # every session but one (a password change): the kept one goes by its new key
        ({"keep": "s1", "kept_as": "s9"}, "s1", (None, "s9")),
        ({"keep": "s1", "kept_as": None}, "s1", (None, "s1")),
        ({"keep": "s2", "kept_as": "s9"}, "s1", (CLOSE_UNAUTHENTICATED, "s1")),
        # every session (deactivation, log out everywhere)
        ({"keep": None, "kept_as": None}, "s1", (CLOSE_UNAUTHENTICATED, "s1")),
        # a socket signed in without a session of its own ends with every session
        ({"keep": None, "kept_as": None}, None, (CLOSE_UNAUTHENTICATED, None)),
        ({"session": "s1"}, None, (None, None)),
    ],
)
def test_which_sessions_ended_events_close_a_socket(event, tag, result):
    assert ended(event, tag) == result

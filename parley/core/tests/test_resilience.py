"""Rate limits while Redis is away: the process's own buckets take over (fail safe, not
closed), a frozen Redis costs at most its timeout, and the outage is logged once."""

import logging
import time
from collections.abc import Iterator

import pytest

from parley.core import ratelimit
from parley.core.errors import ErrorCode, ParleyError
from parley.core.resilience import redis_outage
from parley.core.testing import services
from parley.core.testing.services import RedisServer, redis_server

pytestmark = pytest.mark.skipif(bool(services.available()), reason=f"{services.available()}")


@pytest.fixture
def private_redis(settings) -> Iterator[RedisServer]:
    """Parley's Redis clients pointed at a private redis-server, for this test only."""
    with redis_server() as server:
        settings.REDIS_URL = server.url
        settings.REDIS_TIMEOUT_SECONDS = 0.5
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "search": (1.0, 3)}
        ratelimit._redis_script.cache_clear()
        try:
            yield server
        finally:
            server.thaw()
            ratelimit._redis_script.cache_clear()
            redis_outage.down_since, redis_outage.failures = None, 0


def _takes_until_refused(subject: str) -> int:
    """How many searches `subject` may make before one is refused as rate_limited."""
    for taken in range(10):
        try:
            ratelimit.check_rate("search", subject)
        except ParleyError as error:
            if error.code != ErrorCode.RATE_LIMITED:
                raise
            return taken
    return 10


def test_with_redis_down_limits_still_hold_from_the_process(private_redis, caplog):
    private_redis.kill()

    with caplog.at_level(logging.WARNING, logger="parley.core.resilience"):
        taken = _takes_until_refused("down")

    assert taken == 3  # the burst, then refused: not open, not closed
    outage_lines = [r for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(outage_lines) == 1  # once per outage, not once per call


def test_a_frozen_redis_costs_at_most_its_timeout(private_redis):
    ratelimit.check_rate("search", "frozen")  # connected while Redis answers
    private_redis.freeze()

    started = time.monotonic()
    taken = _takes_until_refused("frozen")
    elapsed = time.monotonic() - started

    assert taken == 3  # the process's own bucket, full: it never saw the first token
    assert elapsed < 3  # one timeout (0.5 s), then the fallback at once; not a hang


def test_when_redis_is_back_limits_are_shared_again(private_redis, caplog):
    private_redis.kill()
    _takes_until_refused("back")
    private_redis.start()
    redis_outage._next_try = 0  # the next call tries Redis again (normally after a second)

    with caplog.at_level(logging.WARNING, logger="parley.core.resilience"):
        ratelimit.check_rate("search", "back-again")

    assert redis_outage.down_since is None
    assert any("back after" in r.getMessage() for r in caplog.records)

"""Shared setup for the typing and presence tests: an isolated store, a movable clock."""

import os
import time
from collections.abc import Iterator

import pytest
import time_machine
from django.conf import settings

from parley.realtime import load, presence
from parley.realtime.typing_state import typers


def _clear_redis(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture(autouse=True)
def liveness(settings: object) -> Iterator[None]:
    """Presence and typing start empty, under this test process's own Redis prefix (other
    runs may share the Redis server), with the load signal pinned to "not shedding"."""
    settings.REDIS_PREFIX = f"parley-test-{os.getpid()}"  # type: ignore[attr-defined]
    load.force_shedding(False)
    typers.clear()
    presence._local_store.clear()
    if settings.REDIS_URL:  # type: ignore[attr-defined]
        _clear_redis(settings.REDIS_PREFIX)  # type: ignore[attr-defined]
    yield
    load.force_shedding(None)
    typers.clear()
    presence._local_store.clear()


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    """The app clock, stopped at now: it moves only by `clock.shift(seconds)`, so that a
    slow run cannot carry a test past an expiry it means to stay short of."""
    with time_machine.travel(time.time(), tick=False) as traveller:
        yield traveller

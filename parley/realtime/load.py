"""Load shedding for typing and presence: the first things a busy process stops doing.

The signal is event-loop lag: a tiny task sleeps for `LAG_SAMPLE_SECONDS` and measures
how late it wakes up. A loop that wakes up late is running more callbacks than it can
(fan-out, JSON, sockets), and every frame it handles waits as long. Above
`SHED_LAG_SECONDS` the process sheds (drops typing and presence frames and stops
forwarding typing events); it resumes once the lag falls below half of that, so that a
lag hovering at the threshold does not flap. Start and stop are logged.

Tests set the state directly with `force_shedding`, the seam, or feed `observe_lag`.
"""

import asyncio
import logging

logger = logging.getLogger(__name__)

# Event-loop lag above which typing and presence are shed, and how often it is sampled.
SHED_LAG_SECONDS = 0.25
LAG_SAMPLE_SECONDS = 0.5


class _Load:
    def __init__(self) -> None:
        self.shedding = False
        self.forced: bool | None = None
        self.lag = 0.0


_load = _Load()


def shedding() -> bool:
    """Whether typing and presence frames are dropped right now (process-wide)."""
    if _load.forced is not None:
        return _load.forced
    return _load.shedding


def force_shedding(value: bool | None) -> None:
    """Pin the load signal to `value` (True: shed, False: never shed); None measures again."""
    _load.forced = value


def observe_lag(lag: float) -> None:
    """Feed one lag sample (seconds); starts or stops shedding, with hysteresis, and logs it."""
    _load.lag = lag
    if not _load.shedding and lag > SHED_LAG_SECONDS:
        _load.shedding = True
        logger.warning(
            "event loop lags %.0f ms: shedding typing and presence until it recovers", lag * 1000
        )
    elif _load.shedding and lag < SHED_LAG_SECONDS / 2:
        _load.shedding = False
        logger.warning("event loop lag back to %.0f ms: typing and presence resumed", lag * 1000)


async def monitor_lag() -> None:
    """Run forever on the serving loop, sampling its lag (cancel to stop)."""
    loop = asyncio.get_running_loop()
    while True:
        started = loop.time()
        await asyncio.sleep(LAG_SAMPLE_SECONDS)
        observe_lag(max(0.0, loop.time() - started - LAG_SAMPLE_SECONDS))

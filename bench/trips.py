"""Round trips a server makes to PostgreSQL and Redis, counted in the server process for
the storm's per-reconnect figures (`queries_per_reconnect`, `redis_trips_per_reconnect`).

Installed by bench/asgi.py in every server the bench starts. It counts at the drivers, so
nothing is missed: every statement psycopg sends (Django's queries and its connection
health checks, `SELECT 1`, alike) and every command or pipeline redis-py's asyncio and
sync clients write (one write, one reply: one round trip). On SIGUSR1 the process writes
its counts to `<BENCH_TRIPS_DIR>/<pid>.json`; bench.loadgen asks every server process
before and after the reconnect and takes the difference.
"""

import json
import os
import signal
import threading
from pathlib import Path
from typing import Any

_counts = {"queries": 0, "redis": 0}
_lock = threading.Lock()


def _counting(cls: Any, name: str, key: str) -> None:
    original = getattr(cls, name)

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        with _lock:
            _counts[key] += 1
        return original(self, *args, **kwargs)

    setattr(cls, name, counted)


def _dump(directory: Path) -> None:
    with _lock:
        counts = dict(_counts)
    path = directory / f"{os.getpid()}.json"
    path.with_suffix(".tmp").write_text(json.dumps(counts))
    path.with_suffix(".tmp").replace(path)


def install() -> None:
    """Count from now on, if BENCH_TRIPS_DIR is set."""
    directory = os.environ.get("BENCH_TRIPS_DIR")
    if not directory:
        return
    import psycopg
    import redis.asyncio.connection
    import redis.connection

    _counting(psycopg.Cursor, "execute", "queries")
    _counting(psycopg.Cursor, "executemany", "queries")
    _counting(redis.asyncio.connection.AbstractConnection, "send_packed_command", "redis")
    _counting(redis.connection.AbstractConnection, "send_packed_command", "redis")
    Path(directory).mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGUSR1, lambda *_: _dump(Path(directory)))
    _dump(Path(directory))  # this process counts: bench.loadgen may ask it

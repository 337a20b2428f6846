"""The server bench.run starts: Parley's own ASGI application, plus any experiment that has
to patch code once the apps are loaded (BENCH_EXPERIMENTS; none is defined now, see
bench/settings.py), and the round-trip counters of bench/trips.py (BENCH_TRIPS_DIR).
Without either this is exactly config.asgi:application.
"""

from bench import trips
from config.asgi import application

trips.install()

__all__ = ["application"]

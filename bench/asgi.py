"""The server bench.run starts: Parley's own ASGI application, plus any experiment that has
to patch code once the apps are loaded (BENCH_EXPERIMENTS; none is defined now, see
bench/settings.py). Without experiments this is exactly config.asgi:application.
"""

from config.asgi import application

__all__ = ["application"]

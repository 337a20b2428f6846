"""The server bench.run starts: Parley's own ASGI application, plus any experiment that has
to patch code once the apps are loaded (BENCH_EXPERIMENTS; the settings-only ones live in
bench/settings.py). Without experiments this is exactly config.asgi:application.
"""

from django.conf import settings

from config.asgi import application

__all__ = ["application"]

if "lean-send" in getattr(settings, "EXPERIMENTS", ()):
    from channels.db import database_sync_to_async

    from bench.lean import lean_check_send_message
    from parley.realtime import consumer

    # The consumer binds its send function at import (sends run in parallel threads).
    consumer._send_message = database_sync_to_async(lean_check_send_message, thread_sensitive=False)

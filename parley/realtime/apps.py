"""The realtime app: at start-up, connects the signal receivers and routes events to this
process's own sockets while Redis is away."""

from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "parley.realtime"
    label = "realtime"

    def ready(self) -> None:
        from parley.events.publish import set_local_delivery
        from parley.realtime import fanout, signals  # noqa: F401  (signals connects the receivers)

        # While Redis is away, events published in this process reach its own sockets.
        set_local_delivery(fanout.deliver_locally)

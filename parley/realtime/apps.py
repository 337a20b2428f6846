"""The realtime app: at start-up, connects the signal receivers, routes events to this
process's own sockets while Redis is away, and lends its presence records to the
notifications (parley.notifications.presence)."""

from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "parley.realtime"
    label = "realtime"

    def ready(self) -> None:
        from parley.events.publish import set_local_delivery
        from parley.notifications.presence import set_presence_source
        from parley.realtime import fanout, presence, signals  # noqa: F401  (signals connects the receivers)

        # While Redis is away, events published in this process reach its own sockets.
        set_local_delivery(fanout.deliver_locally)
        # Email and push ask whether a user is connected and active (workers too).
        set_presence_source(presence.statuses_now)

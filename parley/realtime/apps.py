from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "parley.realtime"
    label = "realtime"

    def ready(self) -> None:
        from parley.realtime import signals  # noqa: F401  (connects the receivers)

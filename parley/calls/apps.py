from django.apps import AppConfig


class CallsConfig(AppConfig):
    name = "parley.calls"
    label = "calls"
    verbose_name = "Calls"

    def ready(self) -> None:
        from parley.calls.actions.removed import on_access_ended
        from parley.core.access import access_ended

        # Losing access to a conversation takes a user out of its call at once.
        access_ended.connect(on_access_ended, dispatch_uid="calls.access_ended")

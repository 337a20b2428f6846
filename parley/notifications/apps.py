from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "parley.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from parley.jobs.worker import worker_started
        from parley.notifications.email import ensure_scanning

        # Each worker, as it starts, starts the missed-message scan if none is waiting.
        worker_started.connect(ensure_scanning, dispatch_uid="notifications.ensure_scanning")

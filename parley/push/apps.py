from django.apps import AppConfig


class PushConfig(AppConfig):
    name = "parley.push"
    label = "push"
    verbose_name = "Web Push"

    def ready(self) -> None:
        from parley.jobs.worker import worker_started
        from parley.push import checks  # noqa: F401  (registers the system checks)
        from parley.push.scan import ensure_scanning

        # Each worker, as it starts, starts the scan for messages to push if none is
        # waiting and some browser is subscribed (a chain that failed for good restarts).
        worker_started.connect(ensure_scanning, dispatch_uid="push.ensure_scanning")

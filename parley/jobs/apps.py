from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks


class JobsConfig(AppConfig):
    name = "parley.jobs"
    label = "jobs"
    verbose_name = "Background jobs"

    def ready(self) -> None:
        checks.register(check_lease)


def check_lease(**kwargs: Any) -> list[checks.CheckMessage]:
    """A lease of fewer than three heartbeats would put back jobs whose worker is alive
    but a beat late: they would run twice at once."""
    if settings.JOBS_LEASE_SECONDS >= 3 * settings.JOBS_HEARTBEAT_SECONDS:
        return []
    return [
        checks.Error(
            "JOBS_LEASE_SECONDS must be at least three times JOBS_HEARTBEAT_SECONDS.",
            hint="The defaults are 30 and 5 (README, Configuration).",
            id="jobs.E001",
        )
    ]

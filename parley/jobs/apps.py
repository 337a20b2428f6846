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
        checks.register(check_retention)


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


# The least each retention setting may be. Deliveries: GitHub lets one redeliver a
# delivery of the past 3 days, and only a kept row makes that redelivery a no-op.
RETENTION_MINIMUM = {
    "JOBS_KEEP_SUCCEEDED_DAYS": 1,
    "JOBS_KEEP_FAILED_DAYS": 1,
    "INTEGRATIONS_KEEP_DELIVERIES_DAYS": 3,
    "JOBS_PRUNE_INTERVAL_SECONDS": 60,
}


def check_retention(**kwargs: Any) -> list[checks.CheckMessage]:
    """Refuse retention settings that would delete what is still wanted."""
    errors: list[checks.CheckMessage] = [
        checks.Error(
            f"{name} must be a whole number of at least {minimum}.",
            hint="The defaults are in the README (Configuration) and docs/jobs.md#retention.",
            id="jobs.E002",
        )
        for name, minimum in RETENTION_MINIMUM.items()
        if not isinstance(getattr(settings, name), int) or getattr(settings, name) < minimum
    ]
    if settings.JOBS_KEEP_FAILED_DAYS < settings.JOBS_KEEP_SUCCEEDED_DAYS:
        errors.append(
            checks.Error(
                "JOBS_KEEP_FAILED_DAYS must not be less than JOBS_KEEP_SUCCEEDED_DAYS.",
                hint="Failed jobs are kept longer: their traceback is what one reads.",
                id="jobs.E003",
            )
        )
    return errors

"""What callers use: declare a job, enqueue it with the caller's transaction, give up.

A job is a module-level function of JSON values (ids, strings), declared with @job and
enqueued with enqueue_on_commit:

    @job(max_attempts=5)
    def post_delivery(delivery_id: int) -> None: ...

    enqueue_on_commit(post_delivery, delivery.pk)

A job runs at least once: a retry, or a worker lost mid-job, runs it again. So its
visible effect must be idempotent: a job that posts a message passes a client id chosen
when it was enqueued, and the send path answers a repeat with the original message
(parley.messaging.jobs.post_message).
"""

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import ParamSpec, TypeVar

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string
from django_tasks import task  # Django 6.0: django.tasks
from django_tasks.base import Task
from django_tasks_db import DatabaseBackend

P = ParamSpec("P")
T = TypeVar("T")


class GiveUp(Exception):
    """Raised by a job that no retry can mend (what it acts on is gone): it is recorded
    as failed at once, with this exception."""


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    first_delay: float  # seconds; doubled after each further failure
    max_delay: float

    def delay(self, attempt: int) -> timedelta:
        """The wait before the next attempt, once attempt number `attempt` (1, 2, …) failed."""
        return timedelta(seconds=min(self.first_delay * 2 ** (attempt - 1), self.max_delay))


# Each @job's own policy, by the job's module path (the path its queue rows store).
_declared: dict[str, tuple[int | None, float | None]] = {}


def job(
    *, max_attempts: int | None = None, retry_seconds: float | None = None, priority: int = 0
) -> Callable[[Callable[P, T]], Task[P, T]]:
    """Declare a job (django-tasks' @task), with its own maximum of attempts and first
    retry delay if given (else JOBS_MAX_ATTEMPTS, JOBS_RETRY_SECONDS)."""

    def declare(function: Callable[P, T]) -> Task[P, T]:
        declared: Task[P, T] = task(priority=priority)(function)
        _declared[declared.module_path] = (max_attempts, retry_seconds)
        return declared

    return declare


def retry_policy(task_path: str) -> RetryPolicy:
    """The retry policy of the job stored as `task_path`: its @job's, over the settings."""
    if task_path not in _declared:
        with suppress(ImportError):
            import_string(task_path)  # declares it, if it still exists
    max_attempts, retry_seconds = _declared.get(task_path, (None, None))
    return RetryPolicy(
        max_attempts=max_attempts or settings.JOBS_MAX_ATTEMPTS,
        first_delay=settings.JOBS_RETRY_SECONDS if retry_seconds is None else retry_seconds,
        max_delay=settings.JOBS_RETRY_MAX_SECONDS,
    )


def enqueue_on_commit(job: Task[P, T], *args: P.args, **kwargs: P.kwargs) -> None:
    """Enqueue `job(*args, **kwargs)` to run once the caller's transaction commits, and
    never if it rolls back (outside a transaction: at once).

    With the database backend the job's row is written now, in the caller's transaction,
    so it commits or rolls back with the caller's own writes: no window in which one is
    committed without the other. Any other backend enqueues on commit.
    """
    if isinstance(job.get_backend(), DatabaseBackend):
        job.enqueue(*args, **kwargs)
    else:
        transaction.on_commit(partial(job.enqueue, *args, **kwargs))

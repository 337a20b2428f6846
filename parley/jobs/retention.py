"""Retention: the workers delete old rows themselves (docs/jobs.md#retention).

Every worker's heartbeat thread asks enqueue_prune_if_due() each beat; one worker in the
deployment wins the claim per JOBS_PRUNE_INTERVAL_SECONDS (a conditional UPDATE of the
PruneMarker row: only one writer's WHERE still matches, on SQLite, PostgreSQL and
MariaDB alike) and enqueues prune_old_rows, which runs like any job. It deletes the
finished jobs past their age, with django-tasks-db's own query (the one its
prune_db_task_results command deletes at once), then sends `pruning` so that apps prune
their own logs. Everything is deleted in batches of at most BATCH rows, each its own
short statement: never one DELETE that holds a big table's locks.
"""

import logging
from datetime import datetime, timedelta
from typing import Any, cast

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.dispatch import Signal
from django.utils import timezone
from django_tasks.base import Task
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from parley.jobs.models import PruneMarker
from parley.jobs.queue import enqueue_on_commit, job

logger = logging.getLogger(__name__)

BATCH = 1000  # rows per DELETE

# Sent by the prune job (sender: None) with `now` and `batch`; each receiver deletes its
# app's old rows (with delete_in_batches) and returns {what: rows deleted}.
pruning = Signal()


def delete_in_batches(rows: "QuerySet[Any]", batch: int = BATCH) -> int:
    """Delete `rows` (a queryset) BATCH rows at a time, oldest primary key first; the
    number deleted. Each batch reads the keys, then deletes those that still match: safe
    beside another pruner (a row is deleted, and counted, once)."""
    deleted = 0
    while keys := list(rows.order_by("pk").values_list("pk", flat=True)[:batch]):
        # Re-filtered by key only: a DELETE with a subquery on its own table is refused
        # by MariaDB; what is selected here stays selected (finished, old).
        count, _ = rows.model._base_manager.filter(pk__in=keys).delete()
        deleted += count
        if len(keys) < batch:
            break
    return deleted


def unfinished_calls(task: Task[Any, Any], enqueued_before: datetime) -> list[dict[str, Any]]:
    """The arguments ({"args": […], "kwargs": {…}}) of `task`'s jobs that were enqueued
    before `enqueued_before` and are waiting or running: what they act on must stay."""
    return list(
        DBTaskResult.objects.filter(
            task_path=task.module_path,
            status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
            enqueued_at__lt=enqueued_before,
        ).values_list("args_kwargs", flat=True)
    )


def prune_job_rows(now: datetime, batch: int = BATCH) -> int:
    """Delete the jobs that succeeded JOBS_KEEP_SUCCEEDED_DAYS ago or failed
    JOBS_KEEP_FAILED_DAYS ago; waiting and running ones are never touched."""
    succeeded_before = now - timedelta(days=settings.JOBS_KEEP_SUCCEEDED_DAYS)
    failed_before = now - timedelta(days=settings.JOBS_KEEP_FAILED_DAYS)
    rows = DBTaskResult.objects.finished().filter(
        Q(status=TaskResultStatus.SUCCESSFUL, finished_at__lte=succeeded_before)
        | Q(status=TaskResultStatus.FAILED, finished_at__lte=failed_before)
    )
    return delete_in_batches(rows, batch)


def prune(now: datetime | None = None, batch: int | None = None) -> dict[str, int]:
    """Delete every old row the retention settings allow: {what: rows deleted}."""
    now, batch = now or timezone.now(), batch or BATCH
    counts = {"jobs": prune_job_rows(now, batch)}
    for _, deleted in pruning.send(sender=None, now=now, batch=batch):
        counts.update(cast(dict[str, int], deleted))  # receivers' {what: count}
    return counts


@job(max_attempts=3)
def prune_old_rows() -> dict[str, int]:
    """The retention job (enqueued by enqueue_prune_if_due)."""
    counts = prune()
    logger.info("pruned old rows: %s", counts)
    return counts


def enqueue_prune_if_due(now: datetime | None = None) -> bool:
    """Enqueue prune_old_rows if none was in the last JOBS_PRUNE_INTERVAL_SECONDS; whether
    this call did. Called by every worker's heartbeat: one read when not due."""
    now = now or timezone.now()
    due = now - timedelta(seconds=settings.JOBS_PRUNE_INTERVAL_SECONDS)
    marker, _ = PruneMarker.objects.get_or_create(pk=1, defaults={"claimed_at": due})
    if marker.claimed_at > due:
        return False
    with transaction.atomic():  # the claim and the job commit together
        if not PruneMarker.objects.filter(pk=1, claimed_at__lte=due).update(claimed_at=now):
            return False  # another worker claimed it first
        enqueue_on_commit(prune_old_rows)
    return True

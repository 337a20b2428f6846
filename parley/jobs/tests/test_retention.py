"""Retention (docs/jobs.md#retention): finished jobs go after their days, failed ones kept
longer, unfinished ones never; one prune per interval however many workers run."""

import threading
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from parley.core.testing.jobs import JobWorkers, run_due_jobs, wait_for
from parley.jobs.apps import check_retention
from parley.jobs.models import PruneMarker
from parley.jobs.retention import enqueue_prune_if_due, prune, prune_old_rows
from parley.jobs.tests import jobs

pytestmark = pytest.mark.django_db(transaction=True)


def finished(tmp_path: Any, status: str, days_ago: float) -> str:
    """A job's row that finished (SUCCESSFUL or FAILED) `days_ago` days ago; its id."""
    result = jobs.record.enqueue(str(tmp_path / "ran"))
    at = timezone.now() - timedelta(days=days_ago)
    DBTaskResult.objects.filter(pk=result.id).update(
        status=status, enqueued_at=at, started_at=at, finished_at=at, worker_ids=["w"]
    )
    return str(result.id)


def prune_jobs() -> list[DBTaskResult[Any, Any]]:
    return list(DBTaskResult.objects.filter(task_path=prune_old_rows.module_path))


def left(ids: list[str]) -> set[str]:
    return {str(pk) for pk in DBTaskResult.objects.filter(pk__in=ids).values_list("pk", flat=True)}


def test_old_finished_jobs_go_failed_ones_later_unfinished_never(tmp_path):
    old_success = finished(tmp_path, "SUCCESSFUL", 8)
    recent_success = finished(tmp_path, "SUCCESSFUL", 6)
    failed_week_ago = finished(tmp_path, "FAILED", 8)
    old_failure = finished(tmp_path, "FAILED", 31)
    long_ago = timezone.now() - timedelta(days=60)
    waiting = jobs.record.using(run_after=timezone.now() + timedelta(days=1)).enqueue("-")
    running = jobs.record.enqueue("-")
    DBTaskResult.objects.filter(pk__in=[waiting.id, running.id]).update(enqueued_at=long_ago)
    DBTaskResult.objects.filter(pk=running.id).update(status="RUNNING", started_at=long_ago)
    everything = [old_success, recent_success, failed_week_ago, old_failure]
    everything += [str(waiting.id), str(running.id)]

    assert enqueue_prune_if_due()
    run_due_jobs()

    assert left(everything) == {
        recent_success, failed_week_ago, str(waiting.id), str(running.id)
    }  # fmt: skip
    [job] = prune_jobs()
    assert job.status == "SUCCESSFUL"
    assert job.return_value["jobs"] == 2


def test_many_rows_are_deleted_in_batches_until_none_is_left(tmp_path):
    old = [finished(tmp_path, "SUCCESSFUL", 10) for _ in range(7)]
    recent = finished(tmp_path, "SUCCESSFUL", 1)

    counts = prune(batch=3)

    assert counts["jobs"] == 7
    assert left([*old, recent]) == {recent}


def test_the_prune_is_enqueued_once_per_interval(settings):
    settings.JOBS_PRUNE_INTERVAL_SECONDS = 3600
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert enqueue_prune_if_due()
        assert not enqueue_prune_if_due()
        clock.shift(timedelta(minutes=59))
        assert not enqueue_prune_if_due()
        clock.shift(timedelta(minutes=1))
        assert enqueue_prune_if_due()
    assert len(prune_jobs()) == 2


def at_once(count: int, call: Any) -> list[Any]:
    """Run `call` in `count` threads released together; what each returned (or raised)."""
    start = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(index: int) -> None:
        try:
            start.wait()
            results[index] = call()
        except Exception as error:  # reported by the assertion below
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_workers_claiming_at_once_enqueue_one_prune():
    PruneMarker.objects.create(pk=1, claimed_at=timezone.now() - timedelta(days=1))  # due

    claimed = at_once(8, enqueue_prune_if_due)

    assert sorted(claimed) == [False] * 7 + [True]
    assert len(prune_jobs()) == 1


def test_two_pruners_at_once_delete_each_row_once_without_error(tmp_path):
    old = [finished(tmp_path, "SUCCESSFUL", 10) for _ in range(40)]

    counts = at_once(2, lambda: prune(batch=5))

    assert all(isinstance(count, dict) for count in counts), counts
    assert sum(count["jobs"] for count in counts) == 40
    assert left(old) == set()


def test_two_running_workers_prune_once(tmp_path):
    old = [finished(tmp_path, "SUCCESSFUL", 10) for _ in range(5)]
    recent = finished(tmp_path, "SUCCESSFUL", 1)

    with JobWorkers(tmp_path) as workers:
        workers.start()
        workers.start()
        wait_for(lambda: not left(old), "the old rows' deletion")
        wait_for(lambda: [job.status for job in prune_jobs()] == ["SUCCESSFUL"], "the prune's end")

    assert left([*old, recent]) == {recent}
    assert len(prune_jobs()) == 1  # both beat many times in the hour's interval


@pytest.mark.parametrize(
    ("changes", "ids"),
    [
        ({}, []),
        ({"JOBS_KEEP_SUCCEEDED_DAYS": 0}, ["jobs.E002"]),
        ({"JOBS_KEEP_FAILED_DAYS": 3}, ["jobs.E003"]),
        ({"INTEGRATIONS_KEEP_DELIVERIES_DAYS": 2}, ["jobs.E002"]),
        ({"JOBS_PRUNE_INTERVAL_SECONDS": 10}, ["jobs.E002"]),
        ({"JOBS_KEEP_FAILED_DAYS": 7.5}, ["jobs.E002"]),
    ],
)
def test_retention_settings_out_of_bounds_are_refused(settings, changes, ids):
    for name, value in changes.items():
        setattr(settings, name, value)

    assert [error.id for error in check_retention()] == ids

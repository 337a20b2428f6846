"""The queue's guarantees, in this process: retries with growing delays up to the maximum,
failures recorded, lost jobs put back.
The clock is moved (time-machine), never waited for. (test_workers.py: real workers.)"""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from parley.core.testing.jobs import lines, run_due_jobs
from parley.jobs.apps import check_lease
from parley.jobs.models import WorkerHeartbeat
from parley.jobs.queue import retry_policy
from parley.jobs.tests import jobs
from parley.jobs.worker import WORKER_LOST, recover_lost_jobs

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_due_job_runs_once(tmp_path):
    ran = tmp_path / "ran"
    result = jobs.record.enqueue(str(ran))

    run_due_jobs()
    run_due_jobs()

    assert len(lines(ran)) == 1
    row = DBTaskResult.objects.get(pk=result.id)
    assert (row.status, len(row.worker_ids)) == ("SUCCESSFUL", 1)


def test_a_failing_job_is_retried_after_doubling_delays_then_fails_recorded(tmp_path):
    ran = tmp_path / "ran"
    with time_machine.travel(timezone.now(), tick=False) as clock:
        result = jobs.always_fails.enqueue(str(ran))
        delays = []
        for attempt in range(1, 4):
            failed_at = timezone.now()
            run_due_jobs()
            row = DBTaskResult.objects.get(pk=result.id)
            assert (row.status, len(row.worker_ids), len(lines(ran))) == ("READY", attempt, attempt)
            assert row.exception_class_path == "builtins.RuntimeError"
            delays.append(row.run_after - failed_at)

            clock.shift(row.run_after - timezone.now() - timedelta(milliseconds=1))
            run_due_jobs()  # not yet due: nothing runs
            assert len(lines(ran)) == attempt
            clock.shift(timedelta(milliseconds=1))

        run_due_jobs()  # the fourth attempt, the last (max_attempts=4)

    assert delays == [timedelta(seconds=1), timedelta(seconds=2), timedelta(seconds=4)]
    row = DBTaskResult.objects.get(pk=result.id)
    assert (row.status, len(row.worker_ids), len(lines(ran))) == ("FAILED", 4, 4)
    assert row.exception_class_path == "builtins.RuntimeError"
    assert "RuntimeError: the service is down" in row.traceback
    assert row.finished_at is not None


def test_delays_are_capped_and_settings_apply_to_jobs_that_set_nothing(settings):
    settings.JOBS_MAX_ATTEMPTS, settings.JOBS_RETRY_SECONDS = 7, 10
    settings.JOBS_RETRY_MAX_SECONDS = 60
    policy = retry_policy(jobs.record.module_path)

    assert policy.max_attempts == 7
    assert [policy.delay(n).total_seconds() for n in range(1, 6)] == [10, 20, 40, 60, 60]
    assert retry_policy(jobs.always_fails.module_path).max_attempts == 4
    assert retry_policy("parley.nowhere.gone").max_attempts == 7  # a job since removed


def test_give_up_fails_at_once(tmp_path):
    ran = tmp_path / "ran"
    result = jobs.gives_up.enqueue(str(ran))

    run_due_jobs()

    row = DBTaskResult.objects.get(pk=result.id)
    assert (row.status, len(lines(ran))) == ("FAILED", 1)
    assert row.exception_class_path == "parley.jobs.queue.GiveUp"


def claimed(result, worker_id: str, started_at) -> None:
    """The job's row as a worker's claim leaves it (status RUNNING, its id appended)."""
    row = DBTaskResult.objects.get(pk=result.id)
    row.status, row.started_at = "RUNNING", started_at
    row.worker_ids = [*row.worker_ids, worker_id]
    row.save()


def test_a_job_whose_worker_stopped_beating_is_put_back_and_its_last_attempt_fails(tmp_path):
    ran = tmp_path / "ran"
    with time_machine.travel(timezone.now(), tick=False) as clock:
        result = jobs.post_then_hold.enqueue(  # max_attempts=2
            runs=str(ran), hold="", sender_id=0, client_id="c", body="b", conversation_id=0
        )
        WorkerHeartbeat.objects.create(
            worker_id="w1", seen_at=timezone.now(), started_at=timezone.now(), host="h", pid=1
        )
        claimed(result, "w1", timezone.now())

        clock.shift(timedelta(seconds=29))
        assert recover_lost_jobs() == 0  # beat 29 s ago, within JOBS_LEASE_SECONDS
        clock.shift(timedelta(seconds=2))
        assert recover_lost_jobs() == 1
        row = DBTaskResult.objects.get(pk=result.id)
        assert (row.status, row.run_after, row.exception_class_path) == (
            "READY", timezone.now(), WORKER_LOST
        )  # fmt: skip
        assert not WorkerHeartbeat.objects.exists()  # stale heartbeats are forgotten

        claimed(result, "w2", timezone.now())  # w2 never beat at all
        clock.shift(timedelta(seconds=31))
        assert recover_lost_jobs() == 1

    row = DBTaskResult.objects.get(pk=result.id)
    assert (row.status, row.worker_ids, row.exception_class_path) == (
        "FAILED", ["w1", "w2"], WORKER_LOST
    )  # fmt: skip
    assert "Worker w2 stopped while running attempt 2" in row.traceback
    assert lines(ran) == []  # put back, never run here


def test_a_job_of_a_live_worker_stays_running():
    with time_machine.travel(timezone.now(), tick=False) as clock:
        result = jobs.record.enqueue("unused")
        claimed(result, "w1", timezone.now())
        for _ in range(5):  # a long job: its worker keeps beating
            clock.shift(timedelta(seconds=20))
            WorkerHeartbeat.objects.update_or_create(
                worker_id="w1",
                defaults={"seen_at": timezone.now(), "started_at": timezone.now(), "host": "h",
                          "pid": 1},
            )  # fmt: skip
            assert recover_lost_jobs() == 0

    assert DBTaskResult.objects.get(pk=result.id).status == "RUNNING"


def test_a_lease_shorter_than_three_heartbeats_is_refused(settings):
    settings.JOBS_HEARTBEAT_SECONDS, settings.JOBS_LEASE_SECONDS = 5, 14

    assert [error.id for error in check_lease()] == ["jobs.E001"]
    settings.JOBS_LEASE_SECONDS = 15
    assert check_lease() == []

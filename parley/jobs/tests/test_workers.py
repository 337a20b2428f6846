"""The queue with real db_worker processes on the test database: a job runs, a job left
by a SIGKILLed worker runs again on another, a worker stopped by force puts its job back,
a job of a rolled-back transaction never runs, and a job killed after it posted its
message and run again posts it once. A stop signal right after the first beat leaves no
heartbeat behind.

Workers beat every 0.1 s with a 2 s lease here (JobWorkers); tests poll for what they
wait for, with a deadline."""

import signal

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from parley.core.testing.jobs import JobWorkers, lines, wait_for
from parley.jobs.models import WorkerHeartbeat
from parley.jobs.queue import enqueue_on_commit
from parley.jobs.tests import jobs
from parley.jobs.worker import Heartbeat, ParleyWorker
from parley.messaging.actions.rooms import check_create_room, check_join_room
from parley.messaging.models import Message

pytestmark = pytest.mark.django_db(transaction=True)


def status(result) -> str:
    return DBTaskResult.objects.get(pk=result.id).status


@pytest.fixture
def workers(tmp_path):
    with JobWorkers(tmp_path) as workers:
        yield workers


def test_an_enqueued_job_runs_and_a_stopped_worker_says_goodbye(workers, tmp_path):
    worker = workers.start()
    ran = tmp_path / "ran"

    result = jobs.record.enqueue(str(ran))

    wait_for(lambda: status(result) == "SUCCESSFUL", "the job's success")
    assert len(lines(ran)) == 1
    assert workers.stop(worker) == 0, workers.log(worker)
    assert not WorkerHeartbeat.objects.filter(pk=worker).exists()


def test_a_stop_signal_right_after_the_first_beat_leaves_no_heartbeat(monkeypatch):
    # db_worker's SIGTERM handler raises SystemExit wherever the main thread is; here, as
    # the first beat has been written. `make run`'s script stopping saw that row stay.
    first_beat = Heartbeat.beat

    def beat_then_stopped(heartbeat: Heartbeat) -> None:
        first_beat(heartbeat)
        raise SystemExit(0)

    monkeypatch.setattr(Heartbeat, "beat", beat_then_stopped)
    worker = ParleyWorker(
        queue_names=["*"], excluded_queue_names=[], interval=0, batch=False,
        backend_name="default", startup_delay=False, max_tasks=None, worker_id="stopped",
    )  # fmt: skip

    with pytest.raises(SystemExit):
        worker.run()

    assert not WorkerHeartbeat.objects.exists()


def test_the_job_of_a_sigkilled_worker_runs_again_on_another(workers, tmp_path):
    runs, hold = tmp_path / "runs", tmp_path / "hold"
    hold.touch()
    first = workers.start()
    result = jobs.record_then_hold.enqueue(str(runs), str(hold))
    wait_for(lambda: lines(runs), "the first run")

    workers.kill(first)  # mid-job: the row stays RUNNING, claimed by a dead worker
    assert status(result) == "RUNNING"
    hold.unlink()
    second = workers.start()

    wait_for(lambda: status(result) == "SUCCESSFUL", "the job's second run")
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.worker_ids == [first, second]
    assert len(set(lines(runs))) == 2  # two processes ran it


def test_a_worker_stopped_twice_puts_its_job_back_at_once(workers, tmp_path):
    runs, hold = tmp_path / "runs", tmp_path / "hold"
    hold.touch()
    first = workers.start()
    result = jobs.record_then_hold.enqueue(str(runs), str(hold))
    wait_for(lambda: lines(runs), "the first run")
    process = workers.processes[first]

    process.send_signal(signal.SIGTERM)  # a clean stop waits for the job…
    wait_for(lambda: "shutting down gracefully" in workers.log(first), "the clean stop")
    process.send_signal(signal.SIGINT)  # …a second signal stops it at once

    assert process.wait(timeout=30) == 1
    assert status(result) == "READY"  # put back, not left running until its lease ends
    hold.unlink()
    second = workers.start()
    wait_for(lambda: status(result) == "SUCCESSFUL", "the job's second run")
    assert DBTaskResult.objects.get(pk=result.id).worker_ids == [first, second]


def test_a_job_enqueued_in_a_rolled_back_transaction_never_runs(workers, tmp_path):
    workers.start()
    rolled_back, committed = tmp_path / "rolled-back", tmp_path / "committed"

    with transaction.atomic():
        enqueue_on_commit(jobs.record, str(rolled_back))
        transaction.set_rollback(True)  # as when the request fails
    with transaction.atomic():
        enqueue_on_commit(jobs.record, str(committed))

    # Jobs run in the order enqueued: had the first been queued, it would have run first.
    wait_for(lambda: lines(committed), "the committed job")
    assert lines(rolled_back) == []
    # (A worker starting also starts the missed-message scan: other jobs than this test's.)
    assert DBTaskResult.objects.filter(task_path=jobs.record.module_path).count() == 1


def test_a_job_killed_after_posting_and_run_again_posts_one_message(workers, tmp_path, alice, bob):
    room = check_create_room(alice, title="Team")
    check_join_room(bob, room)
    chat = room.chats.get(is_default=True)
    runs, hold = tmp_path / "runs", tmp_path / "hold"
    hold.touch()
    first = workers.start()

    result = jobs.post_then_hold.enqueue(
        runs=str(runs), hold=str(hold), sender_id=bob.pk, client_id="github-delivery-7f3a",
        body="CI failed on main", conversation_id=chat.pk,
    )  # fmt: skip
    wait_for(lambda: lines(runs), "the message posted")
    workers.kill(first)  # posted, not marked done
    hold.unlink()
    workers.start()

    wait_for(lambda: status(result) == "SUCCESSFUL", "the job's second run")
    assert len(lines(runs)) == 2  # it ran twice…
    messages = Message.objects.filter(conversation=chat, sender=bob)
    assert [m.body for m in messages] == ["CI failed on main"]  # …and posted once
    assert lines(runs) == [str(messages[0].pk)] * 2  # the second run got the original
    assert DBTaskResult.objects.get(pk=result.id).return_value == messages[0].pk

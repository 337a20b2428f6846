"""The worker: django-tasks-db's, plus the two guarantees it lacks (docs/jobs.md).

- A job that raises is retried after a delay that doubles each time, up to its maximum
  of attempts (queue.RetryPolicy); then it is FAILED, with its exception and traceback.
  GiveUp fails it at once. Each attempt is one entry of the row's worker_ids.
- A worker beats (models.WorkerHeartbeat) every JOBS_HEARTBEAT_SECONDS from a thread of
  its own, which then puts back every running job whose worker has not beaten for
  JOBS_LEASE_SECONDS (killed, out of memory, its machine gone): the job runs again on any
  worker, and that counts as an attempt. It also enqueues the retention job when due
  (retention.py): one worker of the deployment per interval.

So a job runs at least once and may run again after a part of it took effect: its
visible effects must be idempotent (queue.py).
"""

import logging
import os
import signal
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from traceback import format_exception
from typing import Any

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection
from django.dispatch import Signal
from django.utils import timezone
from django_tasks_db.compat import TaskContext, TaskResultStatus, task_finished, task_started
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from parley.jobs.models import WorkerHeartbeat
from parley.jobs.queue import GiveUp, retry_policy
from parley.jobs.retention import enqueue_prune_if_due

logger = logging.getLogger(__name__)

Row = DBTaskResult[..., Any]  # a job's row in the queue


class WorkerLost(Exception):
    """Recorded as a job's error when its worker stopped beating while running it."""


WORKER_LOST = f"{WorkerLost.__module__}.{WorkerLost.__qualname__}"


# Sent (sender: the worker) as a worker starts: apps start their periodic jobs on it if
# none is waiting (parley.notifications' scan), so that such a chain outlives a failure.
worker_started = Signal()


class ParleyWorker(Worker):
    """db_worker's Worker with a heartbeat, lost-job recovery and retries (see above)."""

    def run(self) -> None:
        try:
            worker_started.send(sender=self.__class__)
        except DatabaseError:
            logger.exception("a worker_started receiver failed")
        heartbeat = Heartbeat(self.worker_id)
        try:  # a stop signal may come while the first beat is written: it is removed too
            heartbeat.start()
            super().run()
        finally:
            heartbeat.stop()

    def run_task(self, db_task_result: Row) -> None:
        row = db_task_result
        self.running_task = True
        try:
            task, result = row.task, row.task_result
            backend = type(task.get_backend())
            task_started.send(sender=backend, task_result=result)
            if task.takes_context:
                context = TaskContext(task_result=result)
                value = task.call(context, *result.args, **result.kwargs)
            else:
                value = task.call(*result.args, **result.kwargs)
            row.set_successful(value)
            task_finished.send(sender=backend, task_result=row.task_result)
        except Exception as error:
            fail_or_retry(row, error)
        except BaseException:  # stopped by force (a second Ctrl-C): it runs again
            DBTaskResult.objects.filter(pk=row.pk, status=TaskResultStatus.RUNNING).update(
                status=TaskResultStatus.READY, run_after=timezone.now()
            )
            raise
        finally:
            self.running_task = False
            self._run_tasks += 1


def fail_or_retry(row: Row, error: Exception) -> None:
    """After attempt len(row.worker_ids) raised `error`: READY again after the policy's
    delay, or FAILED for good (the maximum reached, or GiveUp). The error is kept on the
    row either way."""
    policy = retry_policy(row.task_path)
    attempt = len(row.worker_ids)
    if isinstance(error, GiveUp) or attempt >= policy.max_attempts:
        row.set_failed(error)
        logger.error("job %s (%s) failed, attempt %d: %r", row.pk, row.task_path, attempt, error)
        return
    delay = policy.delay(attempt)
    row.status = TaskResultStatus.READY
    row.run_after = timezone.now() + delay
    row.exception_class_path = f"{type(error).__module__}.{type(error).__qualname__}"
    row.traceback = "".join(format_exception(error))
    row.save(update_fields=["status", "run_after", "exception_class_path", "traceback"])
    logger.warning(
        "job %s (%s) failed, attempt %d of %d, retried in %s: %r",
        row.pk, row.task_path, attempt, policy.max_attempts, delay, error,
    )  # fmt: skip


def recover_lost_jobs() -> int:
    """Put back each running job whose worker has not beaten for JOBS_LEASE_SECONDS (and
    that started before that): READY at once, or FAILED if that was its last attempt.
    Forgets the heartbeats that old. Safe to run from every worker at once: each job is
    put back only if it is still the same claim (status and started_at unchanged)."""
    current = timezone.now()
    stale = current - timedelta(seconds=settings.JOBS_LEASE_SECONDS)
    alive = set(
        WorkerHeartbeat.objects.filter(seen_at__gte=stale).values_list("worker_id", flat=True)
    )
    recovered = 0
    for row in DBTaskResult.objects.running().filter(started_at__lt=stale):
        worker = row.worker_ids[-1] if row.worker_ids else ""
        if worker not in alive:
            recovered += _put_back(row, worker, current)
    WorkerHeartbeat.objects.filter(seen_at__lt=stale).delete()
    return recovered


def _put_back(row: Row, worker: str, current: datetime) -> int:
    attempt, policy = len(row.worker_ids), retry_policy(row.task_path)
    last = attempt >= policy.max_attempts
    note = f"Worker {worker or '?'} stopped while running attempt {attempt} of this job."
    put_back = DBTaskResult.objects.filter(
        pk=row.pk, status=TaskResultStatus.RUNNING, started_at=row.started_at
    ).update(
        status=TaskResultStatus.FAILED if last else TaskResultStatus.READY,
        finished_at=current if last else None,
        run_after=row.run_after if last else current,
        exception_class_path=WORKER_LOST,
        traceback=note,
    )
    if put_back:
        logger.warning("job %s (%s): %s %s", row.pk, row.task_path, note,
                       "Failed: no attempts left." if last else "It runs again.")  # fmt: skip
    return put_back


@contextmanager
def _stop_signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM wait until the block ends (on the main thread, where Python runs
    signal handlers; elsewhere nothing is held)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


class Heartbeat:
    """A worker's heartbeat row, kept fresh by a thread that also recovers lost jobs."""

    def __init__(self, worker_id: str) -> None:
        self.worker_id = worker_id
        self.started_at = timezone.now()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="jobs-heartbeat", daemon=True)

    def start(self) -> None:
        self.beat()  # before the worker claims anything
        self._thread.start()

    def stop(self) -> None:
        """Stop beating and remove the row: a job this worker left running (it stops on an
        error) is recovered at the next pass of any worker. A second stop signal waits
        until this is done (it would otherwise raise SystemExit halfway)."""
        with _stop_signals_held():
            self._stopping.set()
            if self._thread.ident is not None:  # started
                self._thread.join(timeout=settings.JOBS_LEASE_SECONDS)
            for attempt in (1, 2):
                try:
                    WorkerHeartbeat.objects.filter(pk=self.worker_id).delete()
                    return
                except DatabaseError:  # a signal may have broken the connection: once more
                    connection.close()
                    if attempt == 2:  # the row expires after JOBS_LEASE_SECONDS
                        logger.warning("job worker %s could not remove its heartbeat",
                                       self.worker_id, exc_info=True)  # fmt: skip

    def beat(self) -> None:
        now = timezone.now()
        updated = WorkerHeartbeat.objects.filter(pk=self.worker_id).update(seen_at=now)
        if not updated and not self._stopping.is_set():  # not again once stop() removed it
            WorkerHeartbeat.objects.create(
                worker_id=self.worker_id, seen_at=now, started_at=self.started_at,
                host=socket.gethostname()[:255], pid=os.getpid(),
            )  # fmt: skip

    def _run(self) -> None:
        try:
            while not self._stopping.wait(settings.JOBS_HEARTBEAT_SECONDS):
                close_old_connections()
                try:
                    self.beat()
                    recover_lost_jobs()
                    enqueue_prune_if_due()  # the retention job, once per interval in all
                except Exception:  # the database away: beat again next time
                    logger.warning("job worker %s could not beat", self.worker_id, exc_info=True)
        finally:
            connection.close()

"""Background jobs in tests: what is due, run in this process; or real db_worker processes
on the test database (which need a transactional database: they read what was committed)."""

import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from parley.core.testing.servers import ROOT, database_url
from parley.jobs.models import WorkerHeartbeat
from parley.jobs.worker import ParleyWorker


def run_due_jobs() -> None:
    """Run every job due now in this process, as db_worker would (retries included), until
    none is due. Without a heartbeat: nothing runs beside it. Needs a transactional
    database (the worker's loop closes obsolete connections, as after a request)."""
    worker = ParleyWorker(
        queue_names=["*"], excluded_queue_names=[], interval=0, batch=True,
        backend_name="default", startup_delay=False, max_tasks=None, worker_id="in-process",
    )  # fmt: skip
    Worker.run(worker)  # the library's loop, without ParleyWorker's heartbeat


def lines(path: Path) -> list[str]:
    """The lines of a file a test job writes to (none if it never ran)."""
    return path.read_text().splitlines() if path.exists() else []


def wait_for(condition: Callable[[], Any], what: str, timeout: float = 60) -> Any:
    """Poll `condition` until it returns something true, which is returned; fail after
    `timeout` seconds saying `what` did not happen."""
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        time.sleep(0.02)  # polling for a condition, not synchronising
    return result


class JobWorkers:
    """db_worker processes on the test database, each with its log in `directory`.
    `environ` overrides settings (short heartbeats and leases by default)."""

    def __init__(self, directory: Path, environ: Mapping[str, str] | None = None) -> None:
        self.directory = directory
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database_url(),
            "REDIS_URL": settings.REDIS_URL or "",
            "REDIS_PREFIX": settings.REDIS_PREFIX,
            "JOBS_HEARTBEAT_SECONDS": "0.1",
            "JOBS_LEASE_SECONDS": "2",
            "LOG_LEVEL": "INFO",
            **(environ or {}),
        }
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self) -> str:
        """Start a worker and wait until it has beaten; its worker id."""
        worker_id = f"test-{len(self.processes)}-{get_random_string(8)}"
        with (self.directory / f"{worker_id}.log").open("ab") as log:
            process = subprocess.Popen(  # noqa: S603 (this interpreter, fixed arguments)
                [sys.executable, "manage.py", "db_worker", "--queue-name", "*",
                 "--interval", "0.05", "--no-startup-delay", "--no-reload",
                 "--worker-id", worker_id],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.processes[worker_id] = process
        deadline = time.monotonic() + 60
        while not WorkerHeartbeat.objects.filter(pk=worker_id).exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker {worker_id} did not start:\n{self.log(worker_id)}")
            time.sleep(0.05)  # polling for readiness, not synchronising the test
        return worker_id

    def kill(self, worker_id: str) -> None:
        """SIGKILL the worker, as the OOM killer would: no clean-up at all."""
        process = self.processes[worker_id]
        process.kill()
        process.wait(timeout=10)

    def stop(self, worker_id: str) -> int:
        """SIGTERM (a clean stop, after the job at hand); its exit code."""
        process = self.processes[worker_id]
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        return process.returncode

    def log(self, worker_id: str) -> str:
        path = self.directory / f"{worker_id}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def __enter__(self) -> "JobWorkers":
        return self

    def __exit__(self, *_: object) -> None:
        for worker_id in self.processes:
            self.stop(worker_id)

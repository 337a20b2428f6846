"""scripts/serve.py, what `make run` runs: the web server and a job worker in one command.
A job enqueued runs; a worker that dies is started again; one Ctrl-C (SIGINT) stops both
cleanly (the worker removes its heartbeat); killing the script stops them too (Linux)."""

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django_tasks_db.models import DBTaskResult

from parley.core.testing.jobs import JobWorkers, lines, wait_for
from parley.core.testing.servers import ROOT, free_port
from parley.jobs.models import WorkerHeartbeat
from parley.jobs.tests import jobs

pytestmark = pytest.mark.django_db(transaction=True)


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def serve(port: int, env: dict[str, str]) -> subprocess.Popen:
    server = [sys.executable, "-m", "uvicorn", "config.asgi:application", "--port", str(port),
              "--lifespan", "off", "--log-level", "warning"]  # fmt: skip
    return subprocess.Popen(
        [sys.executable, "scripts/serve.py", *server], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip


def only_heartbeat() -> WorkerHeartbeat | None:
    beats = list(WorkerHeartbeat.objects.all())
    return beats[0] if len(beats) == 1 else None


def test_the_server_and_a_worker_run_side_by_side_and_stop_together(tmp_path):
    port, ran = free_port(), tmp_path / "ran"
    process = serve(port, JobWorkers(tmp_path).env)
    try:
        first = wait_for(lambda: listening(port) and only_heartbeat(), "the server, a worker")
        result = jobs.record.enqueue(str(ran))
        wait_for(lambda: DBTaskResult.objects.get(pk=result.id).status == "SUCCESSFUL", "the job")
        assert len(lines(ran)) == 1

        os.kill(first.pid, signal.SIGKILL)
        second = wait_for(
            lambda: WorkerHeartbeat.objects.exclude(pk=first.pk).first(), "a new worker"
        )

        process.send_signal(signal.SIGINT)  # Ctrl-C
        assert process.wait(timeout=30) == 128 + signal.SIGINT
    finally:
        process.kill()
        output = process.communicate()[0].decode()
    assert not listening(port), output
    # The new worker stopped cleanly: its heartbeat is gone (no other worker is left to
    # have forgotten it).
    assert not WorkerHeartbeat.objects.filter(pk=second.pk).exists(), output
    assert "the job worker stopped (exit -9)" in output


@pytest.mark.skipif(sys.platform != "linux", reason="PR_SET_PDEATHSIG is Linux's")
def test_killing_the_script_stops_the_server_and_the_worker(tmp_path):
    port = free_port()
    process = serve(port, JobWorkers(tmp_path).env)
    try:
        worker = wait_for(lambda: listening(port) and only_heartbeat(), "the server, a worker")
    finally:
        process.kill()
        output = process.communicate()[0].decode()  # to EOF: the children's output too

    wait_for(lambda: not listening(port), f"the server's end; output:\n{output}")
    wait_for(
        lambda: not WorkerHeartbeat.objects.exists(), f"the worker's clean stop; output:\n{output}"
    )
    wait_for(lambda: not running(worker.pid), f"the worker's exit; output:\n{output}")


def running(pid: int) -> bool:
    """Whether process `pid` runs (an exited one that no parent reaped yet does not)."""
    try:
        return " Z " not in Path(f"/proc/{pid}/stat").read_text().split(")", 1)[1][:4]
    except FileNotFoundError:
        return False

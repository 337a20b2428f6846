"""Jobs for the tests, importable by worker processes. Each leaves what it did in files
(a line per run), which the test reads."""

import os
import time
from pathlib import Path

from parley.jobs.queue import GiveUp, job
from parley.messaging.jobs import post_message


def _ran(path: str, line: str = "") -> None:
    with Path(path).open("a") as file:
        file.write(f"{line or os.getpid()}\n")


def _hold(path: str) -> None:
    """Wait while the file `path` exists (the test kills the worker meanwhile)."""
    deadline = time.monotonic() + 60
    while Path(path).exists() and time.monotonic() < deadline:
        time.sleep(0.02)


@job()
def record(path: str) -> None:
    _ran(path)


@job(max_attempts=4, retry_seconds=1)
def always_fails(path: str) -> None:
    _ran(path)
    raise RuntimeError("the service is down")


@job()
def gives_up(path: str) -> None:
    _ran(path)
    raise GiveUp("what this job was for is gone")


@job()
def record_then_hold(runs: str, hold: str) -> None:
    _ran(runs)
    _hold(hold)


@job(max_attempts=2)
def post_then_hold(
    *, runs: str, hold: str, sender_id: int, client_id: str, body: str, conversation_id: int
) -> int:
    """post_message, then wait while `hold` exists: a worker killed there has posted the
    message but not marked the job done."""
    message_id = post_message.call(
        sender_id=sender_id, client_id=client_id, body=body, conversation_id=conversation_id
    )
    _ran(runs, str(message_id))
    _hold(hold)
    return message_id

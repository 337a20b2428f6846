"""`make run`: Parley's web server and a job worker in one command (docs/jobs.md).

    python scripts/serve.py SERVER-COMMAND...

Runs SERVER-COMMAND and `manage.py db_worker` side by side, each in its own session, so
that Ctrl-C reaches this script alone and it stops them in order: the first Ctrl-C (or
SIGTERM) asks both to stop cleanly (the worker finishes the job at hand), a second one
hurries them (the worker's job is put back, to run at the next start), and whatever is
still running 15 s after the first is killed. A worker that dies is started again after a
pause that grows (a job it was running runs again once its lease expires); when the
server stops, everything stops, with its exit code. On Linux both also stop if this
script is killed.
"""

import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
WORKER = [sys.executable, "manage.py", "db_worker", "--queue-name", "*", "--no-reload"]
GRACE_SECONDS = 15.0
POLL_SECONDS = 0.2
_signals: list[int] = []  # received, in order


def _note(text: str) -> None:
    print(f"serve: {text}", file=sys.stderr, flush=True)


def _stop_with_parent() -> None:
    """In the child, before exec: SIGTERM when this script dies (Linux's PDEATHSIG)."""
    if sys.platform == "linux":
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # 1: PR_SET_PDEATHSIG


def _start(command: Sequence[str]) -> "subprocess.Popen[bytes]":
    return subprocess.Popen(  # noqa: S603 (the commands of the Makefile and this script)
        command, cwd=ROOT, start_new_session=True, preexec_fn=_stop_with_parent
    )


def _on_signal(signum: int, frame: FrameType | None) -> None:
    _signals.append(signum)


def _run(server: "subprocess.Popen[bytes]") -> "subprocess.Popen[bytes] | None":
    """Until a signal or the server's end: keep a worker running. The worker, if any."""
    worker: subprocess.Popen[bytes] | None = _start(WORKER)
    started, pause, due = time.monotonic(), 0.5, 0.0
    while not _signals and server.poll() is None:
        if worker is not None and worker.poll() is not None:
            pause = 1.0 if time.monotonic() - started > 60 else min(pause * 2, 30.0)
            _note(f"the job worker stopped (exit {worker.returncode}); again in {pause:.0f} s")
            worker, due = None, time.monotonic() + pause
        if worker is None and time.monotonic() >= due:
            worker, started = _start(WORKER), time.monotonic()
        time.sleep(POLL_SECONDS)
    return worker


def _stop(processes: list["subprocess.Popen[bytes]"]) -> None:
    """SIGTERM each, SIGINT again at a second signal, SIGKILL after GRACE_SECONDS."""
    for process in processes:
        process.send_signal(signal.SIGTERM)
    hurried, deadline = len(_signals), time.monotonic() + GRACE_SECONDS
    while any(process.poll() is None for process in processes):
        if len(_signals) > hurried:
            hurried = len(_signals)
            for process in processes:
                if process.poll() is None:
                    process.send_signal(signal.SIGINT)
        if time.monotonic() > deadline:
            _note(f"still running after {GRACE_SECONDS:.0f} s: killed")
            for process in processes:
                if process.poll() is None:
                    process.kill()
        time.sleep(POLL_SECONDS)


def main(command: list[str]) -> int:
    if not command:
        _note("usage: serve.py SERVER-COMMAND...")
        return 2
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    server = _start(command)
    worker = None
    try:
        worker = _run(server)
    finally:
        _stop([p for p in (server, worker) if p is not None and p.poll() is None])
    if _signals:
        return 128 + _signals[0]
    code = server.returncode
    _note(f"the server stopped (exit {code})")
    return code if code >= 0 else 128 - code  # -N: killed by signal N


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

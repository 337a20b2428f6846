"""Parley served by real uvicorn processes, as in production, for tests that need sockets
between processes or the server's own WebSocket protocol."""

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from websockets.asyncio.client import connect

from parley.core.testing.clients import client_for
from parley.core.testing.protocol import received
from parley.realtime.server import PROTOCOL

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def database_url() -> str:
    """The test database, as a DATABASE_URL another process can open."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    scheme = "postgres" if db["ENGINE"].endswith("postgresql") else "mysql"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"{scheme}://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT']}/{db['NAME']}"


def _wait_until_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server on {port} exited: {process.stdout.read().decode()}")  # type: ignore[union-attr]  # piped
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)  # polling for readiness, not synchronising the test
    raise RuntimeError(f"server on {port} did not start")


def _uvicorn_command(port: int, *, deflate: bool = False) -> list[str]:
    return [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1",
            "--port", str(port), "--lifespan", "off", "--ws", PROTOCOL, "--log-level", "warning",
            "--ws-per-message-deflate", "true" if deflate else "false"]  # fmt: skip


@contextmanager
def uvicorn_servers(
    count: int,
    *,
    deflate: bool = False,
    environ: Mapping[str, str] | None = None,
    options: Sequence[str] = (),
) -> Iterator[list[int]]:
    """`count` uvicorn processes serving config.asgi:application with Parley's WebSocket
    protocol, on the test database and the configured channel layer; yields their ports.
    The sockets' origin must be http://testserver (the test settings allow it). `environ`
    overrides any variable (settings from the environment), `options` adds uvicorn's own."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL or "",
        "REDIS_PREFIX": settings.REDIS_PREFIX,
        **(environ or {}),
    }
    ports = [free_port() for _ in range(count)]
    processes = [
        subprocess.Popen(  # noqa: S603 (this interpreter, fixed arguments)
            [*_uvicorn_command(port, deflate=deflate), *options],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for port in ports
    ]
    try:
        for port, process in zip(ports, processes, strict=True):
            _wait_until_listening(port, process)
        yield ports
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


class Workers:
    """uvicorn worker processes on given DATABASE_URL and REDIS_URL (private services, for
    fault tests: parley/core/testing/services.py), each restartable on its own port.

    Each worker's output goes to a log file in `directory` (read it when a test fails).
    """

    def __init__(self, count: int, directory: Path, env: dict[str, str]) -> None:
        self.directory = directory
        self.env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", **env}
        self.ports = [free_port() for _ in range(count)]
        self.processes: list[subprocess.Popen[bytes] | None] = [None] * count

    def start(self, index: int) -> None:
        port = self.ports[index]
        log = (self.directory / f"worker-{index}.log").open("ab")
        process = subprocess.Popen(  # noqa: S603 (this interpreter, fixed arguments)
            _uvicorn_command(port), cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        self.processes[index] = process
        deadline = time.monotonic() + 30
        while not _listening(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker {index} did not start:\n{self.log(index)}")
            time.sleep(0.05)  # polling for readiness, not synchronising the test

    def kill(self, index: int) -> None:
        """SIGKILL the worker, as a crash or the OOM killer would: no clean-up at all."""
        process = self.processes[index]
        if process is not None:
            process.kill()
            process.wait(timeout=10)
            self.processes[index] = None

    def stop(self, index: int) -> None:
        process = self.processes[index]
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
            self.processes[index] = None

    def log(self, index: int) -> str:
        path = self.directory / f"worker-{index}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def __enter__(self) -> "Workers":
        try:
            for index in range(len(self.ports)):
                self.start(index)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *_: object) -> None:
        for index in range(len(self.ports)):
            self.stop(index)


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def session_cookie(user: Any) -> str:
    """A signed-in session for `user`, as the value of the session cookie."""
    return str(client_for(user).cookies[settings.SESSION_COOKIE_NAME].value)


def connect_as(port: int, cookie: str, **options: Any) -> Any:
    """A WebSocket client (websockets' asyncio connect) to /ws/ on `port` with the session
    `cookie` (see session_cookie), from the origin the test settings allow."""
    return connect(
        f"ws://127.0.0.1:{port}/ws/",
        origin="http://testserver",  # type: ignore[arg-type]  # websockets' Origin is a str
        additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"},
        **options,
    )


async def receive_json(ws: Any, kind: str) -> dict[str, Any]:
    """The next frame of type `kind` from a websockets client; others are skipped, but an
    error fails the test at once."""
    while True:
        frame = received(await asyncio.wait_for(ws.recv(), timeout=10))
        if frame["type"] == kind:
            return frame
        if frame["type"] == "error":
            raise AssertionError(f"waiting for {kind!r}, got {frame}")

"""Private Redis and PostgreSQL servers for fault tests: each on a free port of its own,
in a temporary directory, started and torn down by the test, so that stopping, freezing
or restarting one disturbs nothing else (never the shared services on 5432/6379/3306).

    with redis_server() as redis, postgres_server() as postgres:
        redis.freeze(); ...; redis.thaw()
        postgres.restart(); postgres.terminate_backends()

Both run in a session of their own (one process group), so freeze (SIGSTOP) and thaw
(SIGCONT) reach every process of the server, as a hung host would.
"""

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg

from parley.core.testing.servers import free_port

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def _postgres_bin() -> Path:
    """Where initdb and postgres are: PARLEY_POSTGRES_BIN, else Debian's newest."""
    if os.environ.get("PARLEY_POSTGRES_BIN"):
        return Path(os.environ["PARLEY_POSTGRES_BIN"])
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return found[-1].parent if found else Path("/usr/lib/postgresql/bin")


POSTGRES_BIN = _postgres_bin()
START_SECONDS = 30.0


def available() -> str | None:
    """Why the private services cannot run here, or None when they can."""
    if not Path(REDIS_SERVER).exists():
        return f"no redis-server at {REDIS_SERVER} (scripts/system-deps.sh installs it)"
    if not (POSTGRES_BIN / "initdb").exists():
        return f"no initdb in {POSTGRES_BIN} (set PARLEY_POSTGRES_BIN)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no postgres user to run PostgreSQL as"
    return None


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server on {port} exited:\n{log.read_text(errors='replace')}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.05)  # polling for readiness, not synchronising a test
    raise RuntimeError(f"server on {port} did not start:\n{log.read_text(errors='replace')}")


class _Server:
    """A server process in its own process group, restartable on the same port."""

    def __init__(self, directory: Path, port: int) -> None:
        self.directory = directory
        self.port = port
        self.log = directory / "server.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.frozen = False

    def _command(self) -> list[str]:
        raise NotImplementedError

    def _popen_options(self) -> dict[str, Any]:
        return {}

    def _ready(self) -> None:
        assert self.process is not None
        _wait_for_port(self.port, self.process, self.log)

    def start(self) -> None:
        assert self.process is None or self.process.poll() is not None, "already running"
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 (fixed binaries, our arguments)
                self._command(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                **self._popen_options(),
            )
        self._ready()

    def _signal(self, signum: int) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signum)

    def stop(self, signum: int = signal.SIGTERM) -> None:
        """Stop the server and wait for it (a frozen one is thawed first)."""
        if self.process is None:
            return
        if self.frozen:
            self.thaw()
        self._signal(signum)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def kill(self) -> None:
        """SIGKILL the whole server at once, as a crash would."""
        self.stop(signal.SIGKILL)

    def restart(self) -> None:
        self.stop()
        self.start()

    def freeze(self) -> None:
        """SIGSTOP every process of the server: connections stay open, nothing answers."""
        self._signal(signal.SIGSTOP)
        self.frozen = True

    def thaw(self) -> None:
        self._signal(signal.SIGCONT)
        self.frozen = False


class RedisServer(_Server):
    """redis-server without persistence: a restart comes back empty."""

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _command(self) -> list[str]:
        return [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", str(self.directory)]  # fmt: skip


class PostgresServer(_Server):
    """A PostgreSQL cluster of its own (trust auth, no fsync), with database `name`."""

    def __init__(self, directory: Path, port: int, name: str = "parley") -> None:
        super().__init__(directory, port)
        self.name = name
        self.data = directory / "data"
        # PostgreSQL refuses to run as root: then as the postgres user.
        self.user = "postgres" if os.geteuid() == 0 else None

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{self.name}"

    def _popen_options(self) -> dict[str, Any]:
        return {"user": self.user} if self.user else {}

    def init(self) -> None:
        if self.user:
            shutil.chown(self.directory, user=self.user)
        subprocess.run(  # noqa: S603
            [
                str(POSTGRES_BIN / "initdb"),
                "-D",
                str(self.data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
                "--locale",
                "C",
            ],
            check=True,
            capture_output=True,
            **self._popen_options(),
        )

    def _command(self) -> list[str]:
        settings = [
            "listen_addresses=127.0.0.1",
            f"unix_socket_directories={self.directory}",
            "fsync=off",
            "synchronous_commit=off",
            "full_page_writes=off",
            "max_connections=200",
        ]
        options = [arg for setting in settings for arg in ("-c", setting)]
        return [
            str(POSTGRES_BIN / "postgres"),
            "-D",
            str(self.data),
            "-p",
            str(self.port),
            *options,
        ]

    def _ready(self) -> None:
        super()._ready()
        deadline = time.monotonic() + START_SECONDS
        while True:  # listening is not yet accepting: wait out "the database system is starting up"
            try:
                psycopg.connect(self.admin_url, connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self, signum: int = signal.SIGINT) -> None:
        """Stop (fast shutdown by default: SIGINT ends every session at once)."""
        if self.process is not None and signum == signal.SIGINT:
            # Only the postmaster: it stops its backends itself.
            if self.frozen:
                self.thaw()
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGINT)
            self.process.wait(timeout=30)
            self.process = None
            return
        super().stop(signum)

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def admin_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def create_database(self) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{self.name}"')

    def terminate_backends(self) -> int:
        """pg_terminate_backend every client session but this one; how many ended."""
        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            rows = connection.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'"
            ).fetchall()
        return sum(1 for (ended,) in rows if ended)

    def query(self, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.url, autocommit=True) as connection:
            return connection.execute(sql, params).fetchall()


def _directory(prefix: str) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def redis_server() -> Iterator[RedisServer]:
    """A private redis-server on a free port, for the length of the block."""
    with contextlib.contextmanager(_directory)("parley-redis-") as directory:
        server = RedisServer(directory, free_port())
        server.start()
        try:
            yield server
        finally:
            server.kill()


@contextlib.contextmanager
def postgres_server(name: str = "parley") -> Iterator[PostgresServer]:
    """A private PostgreSQL cluster on a free port with an empty database `name`."""
    with contextlib.contextmanager(_directory)("parley-pg-") as directory:
        directory.chmod(0o755)
        server = PostgresServer(directory, free_port(), name)
        server.init()
        server.start()
        try:
            server.create_database()
            yield server
        finally:
            server.stop(signal.SIGQUIT)  # immediate shutdown: the data goes anyway

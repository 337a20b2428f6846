"""A two-worker Parley deployment on private services, scripted clients, and the delivery
contract they check: the fault suite's driver (docs/faults.md).

    with deployment(clients=4) as d:
        await d.start_clients()
        await d.send_for(2.0)          # every client sends numbered messages
        d.redis.freeze(); ...; d.redis.thaw()
        recovered = await d.recover()  # seconds until every client has every message
        d.check()                      # the contract, against the database

Each client signs in (a session in the private database), opens /ws/ on its worker, sends
numbered messages with client ids, resends whatever is unacknowledged after reconnecting
(same client id) or after a retryable error, resumes with its last seq, and records every
frame it receives. Run as `python -m parley.core.testing.faults seed N` (with
DATABASE_URL) it creates the users, a room and sessions in that database and prints them.
"""

import asyncio
import contextlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.exceptions import ConnectionClosed, InvalidHandshake

from parley.core.testing.protocol import received
from parley.core.testing.servers import ROOT, Workers, connect_as
from parley.core.testing.services import (
    PostgresServer,
    RedisServer,
    postgres_server,
    redis_server,
)

RETRYABLE = {"unavailable", "internal", "rate_limited"}
# An unacknowledged send is sent again after this long (a frame may be lost with its socket).
RESEND_SECONDS = 3.0


def _run_django(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(  # noqa: S603 (this interpreter, fixed arguments)
        [sys.executable, *args],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode:
        raise RuntimeError(f"{args} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def migrate(database_url: str) -> None:
    _run_django({"DATABASE_URL": database_url}, "manage.py", "migrate", "--noinput", "-v", "0")


def seed(database_url: str, count: int) -> dict[str, Any]:
    """`count` users in one room, each with a session: {"conversation", "users": [...]}."""
    out = _run_django({"DATABASE_URL": database_url}, "-m", __name__, "seed", str(count))
    return dict(json.loads(out.strip().splitlines()[-1]))


def _seed_main(count: int) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    from parley.accounts.tests.factories import UserFactory
    from parley.messaging.actions.rooms import check_create_room, check_join_room

    users: list[Any] = [UserFactory(username=f"f{i}") for i in range(count)]  # type: ignore[no-untyped-call]  # factory-boy is untyped
    room = check_create_room(users[0], title="Faults")
    for user in users[1:]:
        check_join_room(user, room)
    cookies = []
    for user in users:
        client = Client()
        client.force_login(user)
        cookies.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
    chat = room.chats.get()
    people = [
        {"id": user.pk, "username": user.username, "cookie": cookie}
        for user, cookie in zip(users, cookies, strict=True)
    ]
    print(json.dumps({"conversation": chat.pk, "users": people}))


# --- the clients ----------------------------------------------------------------------


@dataclass
class Received:
    seq: int
    client_id: str
    at: float


@dataclass
class ScriptedClient:
    """One user's client, as a careful real one behaves (docs/protocol.md, Delivery).

    `ports` are the workers it may use: it starts on ports[0] and, when a connection
    fails, tries the next. Hooks for other fault tests: `stop_reading()` (the socket stays
    open, nothing is read) and any number of clients per deployment.
    """

    name: str
    cookie: str
    conversation: int
    ports: list[int]
    frames: list[dict[str, Any]] = field(default_factory=list)  # every frame received
    received: list[Received] = field(default_factory=list)  # this conversation's messages
    acked: dict[str, tuple[int, int]] = field(default_factory=dict)  # client id -> id, seq
    ack_times: list[float] = field(default_factory=list)
    unacked: dict[str, float] = field(default_factory=dict)  # client id -> last attempt
    errors: list[dict[str, Any]] = field(default_factory=list)
    connects: list[tuple[float, int]] = field(default_factory=list)  # when, port
    drops: list[float] = field(default_factory=list)
    last_seq: int | None = None
    sent = 0
    _ws: Any = None
    _task: "asyncio.Task[None] | None" = None
    _resender: "asyncio.Task[None] | None" = None
    _reading: asyncio.Event = field(default_factory=asyncio.Event)
    _port_index = 0
    _resumed_at = 0  # where in `frames` the latest session's answers begin
    _ready: asyncio.Event = field(default_factory=asyncio.Event)

    def start(self) -> None:
        self._reading.set()
        self._task = asyncio.get_running_loop().create_task(self._run())
        self._resender = asyncio.get_running_loop().create_task(self._resend_forever())

    async def stop(self) -> None:
        for task in (self._task, self._resender):
            if task is not None:
                task.cancel()
        await asyncio.gather(
            *(t for t in (self._task, self._resender) if t), return_exceptions=True
        )
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()

    def stop_reading(self) -> None:
        """Hook for slow-consumer tests: keep the socket open and read nothing."""
        self._reading.clear()

    def resume_reading(self) -> None:
        self._reading.set()

    @property
    def connected(self) -> bool:
        return self._ready.is_set()

    async def wait_connected(self, timeout: float = 30) -> None:
        await asyncio.wait_for(self._ready.wait(), timeout)

    async def send_next(self) -> str:
        """Send the next numbered message (or queue it, while disconnected)."""
        self.sent += 1
        client_id = f"{self.name}-{self.sent}"
        self.unacked[client_id] = time.monotonic()
        await self._send(client_id)
        return client_id

    async def _send(self, client_id: str) -> None:
        ws = self._ws
        if ws is None or not self._ready.is_set():
            return  # sent on the next connect
        frame = {"type": "send", "ref": client_id, "conversation": self.conversation,
                 "client_id": client_id, "body": f"message {client_id}"}  # fmt: skip
        with contextlib.suppress(ConnectionClosed, OSError):
            await ws.send(json.dumps(frame))

    async def _resend_forever(self) -> None:
        while True:
            await asyncio.sleep(0.5)
            now = time.monotonic()
            for client_id, attempt in list(self.unacked.items()):
                if now - attempt >= RESEND_SECONDS:
                    self.unacked[client_id] = now
                    await self._send(client_id)

    async def _run(self) -> None:
        delay = 0.1
        while True:
            port = self.ports[self._port_index % len(self.ports)]
            try:
                async with connect_as(port, self.cookie, open_timeout=5, close_timeout=1) as ws:
                    self._ws = ws
                    await self._session(ws, port)
            except (ConnectionClosed, InvalidHandshake, OSError, TimeoutError):
                pass
            self._ws = None
            if self._ready.is_set():
                self.drops.append(time.monotonic())
            self._ready.clear()
            self._port_index += 1  # try the other worker
            await asyncio.sleep(delay * (1 + random.random()))  # noqa: S311 (jitter)
            delay = min(delay * 2, 1.0)

    async def _session(self, ws: Any, port: int) -> None:
        hello = received(await asyncio.wait_for(ws.recv(), timeout=10))
        self.frames.append(hello)
        assert hello["type"] == "hello", hello
        if self.last_seq is None:
            [summary] = [c for c in hello["conversations"] if c["id"] == self.conversation]
            self.last_seq = summary["last_seq"]
        resume = {
            "type": "resume",
            "ref": "r",
            "conversations": {str(self.conversation): self.last_seq},
        }
        self._resumed_at = len(self.frames)
        await ws.send(json.dumps(resume))
        self.connects.append((time.monotonic(), port))
        self._ready.set()
        for client_id in list(self.unacked):  # resend what was never acknowledged
            self.unacked[client_id] = time.monotonic()
            await self._send(client_id)
        while True:
            await self._reading.wait()
            self._handle(received(await ws.recv()))

    def _handle(self, frame: dict[str, Any]) -> None:
        self.frames.append(frame)
        kind = frame["type"]
        if kind == "message" and frame["conversation"] == self.conversation:
            self.received.append(
                Received(frame["seq"], frame["message"]["client_id"], time.monotonic())
            )
            self.last_seq = max(self.last_seq or 0, frame["seq"])
        elif kind == "ack":
            self.acked[frame["client_id"]] = (frame["id"], frame["seq"])
            self.ack_times.append(time.monotonic())
            self.unacked.pop(frame["client_id"], None)
        elif kind == "error":
            self.errors.append(frame)
            client_id = frame.get("client_id")
            if frame.get("code") in RETRYABLE and client_id in self.unacked:
                # Retry after the wait the server asked for (the resender does it).
                wait = float(frame.get("retry_after") or 0.5)
                self.unacked[client_id] = time.monotonic() - RESEND_SECONDS + wait

    async def wait_moved(self, port: int, timeout: float = 60) -> None:
        """Until this client is connected again, to `port`, and its resume is answered."""

        def moved() -> bool:
            resumed = any(f["type"] == "resumed" for f in self.frames[self._resumed_at :])
            return self.connected and self.connects[-1][1] == port and resumed

        async with asyncio.timeout(timeout):
            while not moved():
                await asyncio.sleep(0.05)  # polling a condition, with a deadline

    def seen(self, client_ids: set[str]) -> bool:
        return client_ids <= {r.client_id for r in self.received}


# --- the deployment -------------------------------------------------------------------


@dataclass
class Deployment:
    redis: RedisServer
    postgres: PostgresServer
    workers: Workers
    conversation: int
    users: list[dict[str, Any]]
    clients: list[ScriptedClient] = field(default_factory=list)
    fault_started: float | None = None
    fault_ended: float | None = None

    async def start_clients(self, count: int | None = None) -> None:
        """A client for each of the first `count` users (all by default) not yet started,
        alternately on each worker; returns once all of them are in."""
        ports = self.workers.ports
        started = []
        for i, user in enumerate(self.users[: count or len(self.users)]):
            if i < len(self.clients):
                continue
            mine = ports[i % len(ports) :] + ports[: i % len(ports)]
            client = ScriptedClient(user["username"], user["cookie"], self.conversation, mine)
            client.start()
            self.clients.append(client)
            started.append(client)
        for client in started:
            await client.wait_connected()

    def during_fault(self, times: list[float]) -> int:
        """How many of these moments fell within the fault."""
        assert self.fault_started is not None and self.fault_ended is not None
        return sum(1 for t in times if self.fault_started < t < self.fault_ended)

    async def stop_clients(self) -> None:
        await asyncio.gather(*(client.stop() for client in self.clients))

    async def send_for(self, seconds: float, interval: float = 0.25) -> None:
        """Every client sends a numbered message every `interval` seconds, for `seconds`
        (4 a second: under the default send limit, SEND_RATE_PER_SECOND)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            await asyncio.gather(*(client.send_next() for client in self.clients))
            await asyncio.sleep(interval)  # the load's pace, not a synchronisation

    @contextlib.asynccontextmanager
    async def sending(self, interval: float = 0.25) -> AsyncIterator[None]:
        """Clients keep sending in the background for the length of the block."""
        task = asyncio.get_running_loop().create_task(self.send_for(3600, interval))
        try:
            yield
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    def fault_begins(self) -> None:
        self.fault_started = time.monotonic()

    def fault_over(self) -> None:
        self.fault_ended = time.monotonic()

    async def recover(self, timeout: float = 30) -> float:
        """Seconds from fault_over() until every send is acknowledged and every client has
        every message the database holds; then one more message from each client reaches
        all (cross-worker delivery works again). Fails after `timeout`."""
        assert self.fault_ended is not None, "call fault_over() when the fault ends"
        deadline = self.fault_ended + timeout
        clients = self.clients
        await _wait_until(
            lambda: not any(c.unacked for c in clients), deadline, "every send acknowledged", self
        )
        latest = self.latest_seq()
        await _wait_until(
            lambda: all((c.last_seq or 0) >= latest for c in clients),
            deadline,
            f"every client at seq {latest}",
            self,
        )
        caught_up = time.monotonic() - self.fault_ended
        probes = {await client.send_next() for client in clients}
        await _wait_until(
            lambda: all(c.seen(probes) for c in clients), deadline, "every probe everywhere", self
        )
        live = time.monotonic() - self.fault_ended
        print(f"recovered: caught up {caught_up:.2f} s, live {live:.2f} s after the fault ended")
        return caught_up

    def latest_seq(self) -> int:
        [(seq,)] = self.postgres.query(
            "SELECT last_seq FROM messaging_conversation WHERE id = %s", [self.conversation]
        )
        return int(seq)

    def check(self) -> None:
        """The delivery contract, against the database and every client's stream."""
        rows = self.postgres.query(
            "SELECT m.seq, m.client_id, m.id FROM messaging_message m "
            "WHERE m.conversation_id = %s ORDER BY m.seq",
            [self.conversation],
        )
        seqs = [seq for seq, _, _ in rows]
        stored = [client_id for _, client_id, _ in rows]
        assert seqs == list(range(1, len(seqs) + 1)), "a gap or repeat in the stored seqs"
        assert len(stored) == len(set(stored)), "a message stored twice"
        by_client_id = {client_id: (pk, seq) for seq, client_id, pk in rows}
        for client in self.clients:
            lost = {cid for cid in client.acked if cid not in by_client_id}
            assert not lost, f"{client.name}: acknowledged but not stored: {sorted(lost)}"
            wrong = {cid for cid, ack in client.acked.items() if by_client_id[cid] != ack}
            assert not wrong, f"{client.name}: acks that differ from what is stored: {wrong}"
            assert not client.unacked, (
                f"{client.name}: never acknowledged: {sorted(client.unacked)}"
            )
            got = [r.seq for r in client.received]
            assert got == sorted(set(got)), f"{client.name}: delivered twice or out of order"
            if got:
                assert got == list(range(got[0], seqs[-1] + 1)), f"{client.name}: a gap in {got}"
                for r in client.received:
                    assert stored[r.seq - 1] == r.client_id, (
                        f"{client.name}: seq {r.seq} is another message"
                    )
            gaps = [f for f in client.frames if f["type"] == "gap"]
            assert not gaps, f"{client.name}: told to refetch: {gaps}"
        print(f"contract held: {len(rows)} messages, {len(self.clients)} clients, "
              f"{sum(len(c.drops) for c in self.clients)} reconnects, "
              f"errors {self.error_codes()}")  # fmt: skip

    def error_codes(self) -> dict[str, int]:
        """How many error events of each code the clients received."""
        return dict(Counter(e.get("code", "?") for c in self.clients for e in c.errors))


async def _wait_until(
    condition: Callable[[], bool], deadline: float, what: str, d: Deployment
) -> None:
    while not condition():
        if time.monotonic() > deadline:
            states = [(c.name, c.last_seq, sorted(c.unacked)[:3], c.connected) for c in d.clients]
            raise AssertionError(f"timed out waiting for {what}: {states}; db at {d.latest_seq()}")
        await asyncio.sleep(0.05)  # polling a condition, with a deadline


@contextlib.contextmanager
def deployment(
    clients: int = 4, workers: int = 2, env: dict[str, str] | None = None
) -> Iterator[Deployment]:
    """Private Redis and PostgreSQL (migrated, seeded with `clients` users in a room) and
    `workers` uvicorn workers on them; the workers' logs are printed if the block fails."""
    with (
        redis_server() as redis,
        postgres_server() as postgres,
        tempfile.TemporaryDirectory() as tmp,
    ):
        migrate(postgres.url)
        seeded = seed(postgres.url, clients)
        worker_env = {"DATABASE_URL": postgres.url, "REDIS_URL": redis.url,
                      "REDIS_PREFIX": "parley-faults", **(env or {})}  # fmt: skip
        with Workers(workers, Path(tmp), worker_env) as running:
            try:
                yield Deployment(redis, postgres, running, seeded["conversation"], seeded["users"])
            except BaseException:
                for index in range(workers):
                    print(f"--- worker {index} log ---\n{running.log(index)[-20000:]}")
                raise


if __name__ == "__main__":
    if sys.argv[1:2] == ["seed"]:
        _seed_main(int(sys.argv[2]))

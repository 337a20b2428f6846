"""The load generator: logs users in, opens their sockets, sends, and checks every delivery.

Runs as its own process (bench.run pins it to core 1 with taskset) against one server:

    python -m bench.loadgen --base-url http://127.0.0.1:8765 --manifest M --scenario rooms \
        --rate 400 --duration 15 --server-pid 1234 --out result.json

Scenarios:
  rooms  the members of the first --rooms rooms each hold one socket; --rate messages a
         second in total, round-robin over all of them, each into the sender's room
  dm     both users of the first --pairs direct pairs; --rate messages a second in total
  ramp   rooms (or --ramp-of dm) at rising rates until a step loses a message or its p99
         reaches --ramp-p99-ms; reports the best step
  idle   --sockets sockets that only say hello; reports server RSS per connection (and,
         with --tracemalloc-dir, the server's traced Python heap per connection)
  storm  --sockets sockets open, then all closed at once (or, --storm-restart, their
         workers killed and started again) while --storm-missed messages go into each
         room, then all reconnected at once, each resuming from the seqs it had; reports
         the seconds until every one has `resumed` with every message it missed
  slow   rooms, but --slow-readers of the members (spread over the rooms) stop reading
         right after their `resumed` (a small SO_RCVBUF, then transport.pause_reading()),
         and send nothing; the others are measured as in rooms. Reports the server's RSS
         and when the server ended each stalled connection (seen in its TCP state)

Every send has a unique client_id. A delivery is one `message` event on one socket; the
sender's own socket counts, since it gets the event too. Lost: an acked message that a
member's socket had not received when the step had drained (or --drain ran out).
"""

import argparse
import asyncio
import contextlib
import gc
import json
import os
import random
import re
import secrets
import signal
import socket
import sys
import time
from array import array
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlencode, urlsplit

from websockets.client import ClientProtocol
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.protocol import SEND_EOF
from websockets.typing import Origin
from websockets.uri import parse_uri

from bench import procstat

WORDS = (  # noqa: SIM905 - easier to read as text
    "the a we you they it is was will can meeting today tomorrow lunch deploy build "
    "test release review merge branch ticket bug fix coffee later now sure thanks "
    "great idea plan ship docs call room team after before maybe please check this "
    "that here there "
).split()


def bodies(count: int, seed: int = 7) -> list[str]:
    """Chat-like texts of 4-16 words, some **bold**: what compresses like real messages."""
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        words = rng.choices(WORDS, k=rng.randint(4, 16))
        if rng.random() < 0.2:
            words[0] = f"**{words[0]}**"
        texts.append(" ".join(words).capitalize())
    return texts


BODIES = bodies(1009)
GAP_TRACK_LIMIT = 10_000  # the most skipped seqs remembered per socket and conversation
# The server serialises `message` events compactly with these keys first (publish.py,
# events.py); anything else falls back to json.loads. Parsing only what we need keeps
# the generator's core free for more deliveries a second.
MESSAGE_HEAD = re.compile(rb'^\{"type":"message","conversation":(\d+),"seq":(\d+),')
CLIENT_ID = re.compile(rb'"client_id":"([A-Za-z0-9_-]{1,64})"')


class HandshakeRefused(Exception):
    pass


class Socket(asyncio.Protocol):
    """One WebSocket over websockets' sans-I/O ClientProtocol, without per-message futures.

    websockets' asyncio client queues each message and wakes a reader for it; at tens of
    thousands of messages a second that, not the server, became the limit. Here frames
    are handed to `on_text` straight from data_received.
    """

    def __init__(
        self, url: str, origin: Origin, cookie: str, deflate: bool, on_text: Callable[[bytes], None]
    ) -> None:
        extensions = [ClientPerMessageDeflateFactory()] if deflate else None
        self.protocol = ClientProtocol(
            parse_uri(url), origin=origin, extensions=extensions, max_size=2**22
        )
        self.cookie = cookie
        self.on_text = on_text
        loop = asyncio.get_running_loop()
        self.opened: asyncio.Future[None] = loop.create_future()
        self.closed: asyncio.Future[None] = loop.create_future()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        request = self.protocol.connect()
        request.headers["Cookie"] = self.cookie
        self.protocol.send_request(request)
        self._flush()

    def data_received(self, data: bytes) -> None:
        self.protocol.receive_data(data)
        for event in self.protocol.events_received():
            if isinstance(event, Frame):
                if event.opcode is Opcode.TEXT:
                    self.on_text(bytes(event.data))
            elif isinstance(event, Response) and not self.opened.done():
                if self.protocol.handshake_exc is not None:
                    self.opened.set_exception(HandshakeRefused(str(self.protocol.handshake_exc)))
                else:
                    self.opened.set_result(None)
        self._flush()

    def eof_received(self) -> bool | None:
        self.protocol.receive_eof()
        self._flush()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(HandshakeRefused(f"connection lost: {exc}"))
        if not self.closed.done():
            self.closed.set_result(None)

    def _flush(self) -> None:
        assert self.transport is not None
        for chunk in self.protocol.data_to_send():
            if chunk == SEND_EOF:  # half-close the TCP connection
                if self.transport.can_write_eof():
                    self.transport.write_eof()
            else:
                self.transport.write(chunk)

    def send_text(self, text: str) -> None:
        self.protocol.send_text(text.encode())
        self._flush()

    async def close(self) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        with contextlib.suppress(Exception):
            self.protocol.send_close(1000)
            self._flush()
            await asyncio.wait_for(asyncio.shield(self.closed), timeout=2)
        self.transport.close()


# --- HTTP login ---------------------------------------------------------------------------


class LoginFailed(Exception):
    pass


async def _http(
    host: str, port: int, method: str, path: str, headers: dict[str, str], body: bytes = b""
) -> tuple[int, list[tuple[str, str]]]:
    """One HTTP/1.1 request on its own connection; returns the status and headers."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if body:
            lines.append(f"Content-Length: {len(body)}")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        await writer.drain()
        status = int((await reader.readline()).split()[1])
        received: list[tuple[str, str]] = []
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            received.append((name.strip().lower(), value.strip()))
        await reader.read()  # the body, up to the close
        return status, received
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


def _cookies(headers: list[tuple[str, str]]) -> dict[str, str]:
    found = {}
    for name, value in headers:
        if name == "set-cookie":
            key, _, rest = value.partition("=")
            found[key.strip()] = rest.split(";", 1)[0]
    return found


async def login(base_url: str, username: str, password: str) -> str:
    """GET /login/ for the CSRF cookie, POST the form; returns the session cookie."""
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    status, headers = await _http(host, port, "GET", "/login/", {})
    csrf = _cookies(headers).get("csrftoken")
    if status != 200 or not csrf:
        raise LoginFailed(f"GET /login/ answered {status} without a CSRF cookie")
    form = {"csrfmiddlewaretoken": csrf, "username": username, "password": password}
    status, headers = await _http(
        host,
        port,
        "POST",
        "/login/",
        {
            "Cookie": f"csrftoken={csrf}",
            "Origin": base_url,
            "Referer": f"{base_url}/login/",
            "Content-Type": "application/x-www-form-urlencoded",
        },
        urlencode(form).encode(),
    )
    session = _cookies(headers).get("sessionid")
    if status != 302 or not session:
        # Never retry: django-axes locks the address after five failures.
        raise LoginFailed(f"POST /login/ for {username} answered {status}")
    return session


# --- bookkeeping --------------------------------------------------------------------------


def percentiles(values: array) -> dict[str, float]:
    if not values:
        return {"p50": 0.0, "p95": 0.0, "p99": 0.0, "max": 0.0}
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "max": round(ordered[-1], 2)}


@dataclass
class Step:
    """One measurement window: its sends and what became of them."""

    label: str
    rate: float
    index: int
    started: float = 0.0
    send_ended: float = 0.0
    drained: float = 0.0
    sent: int = 0
    acked: int = 0
    duplicate_acks: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    expected: int = 0  # deliveries owed for acked (or not yet answered) sends
    delivered: int = 0  # unique deliveries
    delivered_in_window: int = 0
    duplicated: int = 0
    out_of_order: int = 0
    gaps: int = 0
    latencies: array = field(default_factory=lambda: array("d"))
    ack_latencies: array = field(default_factory=lambda: array("d"))
    max_send_lag: float = 0.0

    @property
    def outstanding(self) -> int:
        return self.sent - self.acked - sum(self.errors.values())

    def settled(self) -> bool:
        return self.outstanding <= 0 and self.delivered >= self.expected


@dataclass
class Sent:
    step: Step
    conversation: int
    at: float
    recipients: int
    answered: bool = False
    received: int = 0


@dataclass
class Client:
    user_id: int
    username: str
    session: str
    ws: Socket | None = None
    conversations: dict[int, int] = field(default_factory=dict)  # last seq seen
    missing: dict[int, set[int]] = field(default_factory=dict)
    hello: asyncio.Event = field(default_factory=asyncio.Event)  # set on `resumed`
    slow: bool = False  # stops reading once resumed (scenario slow)
    stalled_at: float | None = None  # perf_counter() when it stopped reading
    stalled_wall: float = 0.0  # the same, time.time(), to match the server's log
    released_at: float | None = None  # when the server's end left ESTABLISHED (fd closed)
    ended_at: float | None = None  # when its own end did (a RST or FIN reached it)


TCP_ESTABLISHED = 1  # the first byte of struct tcp_info, tcpi_state (linux/tcp.h)


def tcp_states(server_port: int) -> dict[int, int]:
    """The TCP state of each IPv4 connection whose local port is `server_port` (the
    server's ends), by remote port, from /proc/net/tcp (1 = ESTABLISHED, 4 = FIN_WAIT1)."""
    states = {}
    with open("/proc/net/tcp") as table:
        next(table)
        for line in table:
            fields = line.split(maxsplit=4)
            local, remote, state = fields[1], fields[2], fields[3]
            if int(local.rsplit(":", 1)[1], 16) == server_port:
                states[int(remote.rsplit(":", 1)[1], 16)] = int(state, 16)
    return states


class Monitor:
    """Samples the server's CPU, RSS and database connections, and our own CPU."""

    def __init__(self, server_pid: int, pg_dsn: str, pg_database: str, sqlite_path: str) -> None:
        self.server_pid = server_pid
        self.pg_dsn, self.pg_database, self.sqlite_path = pg_dsn, pg_database, sqlite_path
        self.rss_max = 0
        self.db_samples: list[int] = []
        self.db_active: list[int] = []  # PostgreSQL: connections not idle
        self._pg: Any = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self.pg_dsn:
            import psycopg

            self._pg = await psycopg.AsyncConnection.connect(self.pg_dsn, autocommit=True)
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._pg is not None:
            await self._pg.close()

    def reset(self) -> None:
        self.rss_max = 0
        self.db_samples = []
        self.db_active = []

    async def db_connections(self) -> int | None:
        if self._pg is not None:
            cursor = await self._pg.execute(
                "SELECT count(*), count(*) FILTER (WHERE state <> 'idle')"
                " FROM pg_stat_activity WHERE datname = %s",
                (self.pg_database,),
            )
            row = await cursor.fetchone()
            if row:
                self.db_active.append(int(row[1]))
            return int(row[0]) if row else 0
        if self.sqlite_path:
            return procstat.open_files_to(self.server_pid, self.sqlite_path)
        return None

    async def _loop(self) -> None:
        while True:
            try:
                self.rss_max = max(self.rss_max, procstat.rss_kib(self.server_pid))
                connections = await self.db_connections()
            except (OSError, KeyError):
                return  # the server is gone; the step will say so
            if connections is not None:
                self.db_samples.append(connections)
            await asyncio.sleep(0.5)

    def server(self) -> procstat.Snapshot:
        return procstat.snapshot(self.server_pid)

    @staticmethod
    def me() -> procstat.Snapshot:
        return procstat.snapshot(os.getpid())


# --- the generator ------------------------------------------------------------------------


class LoadGenerator:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.manifest: dict[str, Any] = json.loads(Path(args.manifest).read_text())
        self.base_url: str = args.base_url.rstrip("/")
        parts = urlsplit(self.base_url)
        self.ws_url = f"ws://{parts.netloc}/ws/"
        self.origin = Origin(f"{parts.scheme}://{parts.netloc}")
        self.clients: list[Client] = []
        self.sends: dict[str, Sent] = {}
        self.steps: list[Step] = []
        self.online: Counter[int] = Counter()  # sockets per conversation
        self.stray = 0
        self.frames: Counter[bytes] = Counter()
        self.counting = False
        self.monitor = Monitor(args.server_pid, args.pg_dsn, args.pg_database, args.sqlite_path)
        self.tag = secrets.token_hex(3)
        self.login_seconds = 0.0
        self.logins = 0

    # --- sessions and sockets ----------------------------------------------------------

    def _session_cache(self) -> dict[str, str]:
        path = Path(self.args.sessions)
        if path.exists():
            data = json.loads(path.read_text())
            if data.get("seed_id") == self.manifest["seed_id"]:
                return dict(data["sessions"])
        return {}

    def _save_sessions(self, sessions: dict[str, str]) -> None:
        path = Path(self.args.sessions)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"seed_id": self.manifest["seed_id"], "sessions": sessions}))

    async def log_in(self, users: list[tuple[int, str]]) -> dict[str, str]:
        """A session per user: from the cache of earlier runs, or by logging in."""
        sessions = self._session_cache()
        missing = [name for _, name in users if name not in sessions]
        started = time.monotonic()
        gate = asyncio.Semaphore(self.args.login_concurrency)

        async def one(name: str) -> None:
            async with gate:
                sessions[name] = await login(self.base_url, name, self.manifest["password"])

        try:
            await asyncio.gather(*(one(name) for name in missing))
        finally:
            self._save_sessions(sessions)
        self.logins = len(missing)
        self.login_seconds = time.monotonic() - started
        if missing:
            print(
                f"  logged in {len(missing)} users over HTTP in {self.login_seconds:.1f}s",
                file=sys.stderr,
            )
        return sessions

    async def open(self, client: Client) -> None:
        loop = asyncio.get_running_loop()
        parts = urlsplit(self.ws_url)
        for attempt in range(2):

            def factory() -> Socket:
                client.ws = Socket(
                    self.ws_url,
                    self.origin,
                    f"sessionid={client.session}",
                    self.args.deflate,
                    lambda data: self._on_frame(client, data),
                )
                return client.ws

            host, port = parts.hostname or "127.0.0.1", parts.port or 80
            if client.slow:  # a small receive window, set before the handshake fixes it
                raw = socket.socket()
                raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.args.slow_rcvbuf)
                raw.setblocking(False)
                await loop.sock_connect(raw, (host, port))
                _, ws = await loop.create_connection(factory, sock=raw)
            else:
                _, ws = await loop.create_connection(factory, host, port)
            try:
                await asyncio.wait_for(ws.opened, timeout=60)
            except HandshakeRefused:
                if attempt:
                    raise
                # A stale cached session (the handshake refuses it): log in once more.
                client.session = await login(
                    self.base_url, client.username, self.manifest["password"]
                )
                continue
            break
        await asyncio.wait_for(client.hello.wait(), timeout=60)

    async def connect_all(self, users: list[tuple[int, str]], slow: int = 0) -> float:
        """Every user's socket, each resumed; `slow` of them, evenly spread, stall."""
        sessions = await self.log_in(users)
        self._save_sessions(sessions)
        self.clients = [Client(uid, name, sessions[name]) for uid, name in users]
        for i in range(slow):
            self.clients[i * len(self.clients) // slow].slow = True
        gate = asyncio.Semaphore(self.args.connect_concurrency)

        async def one(client: Client) -> None:
            async with gate:
                await self.open(client)

        started = time.monotonic()
        await asyncio.gather(*(one(c) for c in self.clients))
        self._save_sessions(sessions | {c.username: c.session for c in self.clients})
        return time.monotonic() - started

    async def close_all(self) -> None:
        async def one(client: Client) -> None:
            if client.ws is not None:
                await client.ws.close()

        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*(one(c) for c in self.clients)), timeout=20)

    # --- receiving ---------------------------------------------------------------------

    def _on_frame(self, client: Client, raw: bytes) -> None:
        if self.counting:  # the storm's frames, by their first bytes (the type)
            self.frames[raw[:24]] += 1
        if client.stalled_at is not None:
            return  # frames that came in the same read as `resumed`: never read
        now = time.perf_counter()
        head = MESSAGE_HEAD.match(raw)
        if head is not None:
            client_id = CLIENT_ID.search(raw, head.end())
            if client_id is not None:
                self._on_message(
                    client,
                    int(head.group(1)),
                    int(head.group(2)),
                    client_id.group(1).decode(),
                    now,
                )
                return
        data = json.loads(raw)
        kind = data.get("type")
        if kind == "message":
            self._on_message(
                client, data["conversation"], data["seq"], data["message"]["client_id"], now
            )
        elif kind == "ack":
            self._on_ack(data, now)
        elif kind == "error":
            self._on_error(data)
        elif kind == "hello":
            for summary in data["conversations"]:
                if summary["id"] in client.conversations:  # a reconnect: resume from ours
                    continue
                client.conversations[summary["id"]] = summary["last_seq"]
                client.missing[summary["id"]] = set()
                if not client.slow:  # nothing is counted owed to a stalled reader
                    self.online[summary["id"]] += 1
            # As the web client does: resume from what hello said, which ends the server's
            # hold on live events for this socket. The socket counts as open on `resumed`.
            seen = {str(c): seq for c, seq in client.conversations.items()}
            assert client.ws is not None
            client.ws.send_text(json.dumps({"type": "resume", "ref": "r", "conversations": seen}))
        elif kind == "resumed":
            client.hello.set()
            if client.slow:
                assert client.ws is not None and client.ws.transport is not None
                client.ws.transport.pause_reading()
                client.stalled_at = time.perf_counter()
                client.stalled_wall = time.time()

    def _on_message(
        self, client: Client, conversation: int, seq: int, client_id: str, now: float
    ) -> None:
        sent = self.sends.get(client_id)
        step = sent.step if sent is not None else None
        last = client.conversations.get(conversation)
        unique = True
        if last is None:
            self.stray += 1
            return
        if seq > last:
            if seq > last + 1:
                if step is not None:
                    step.gaps += seq - last - 1
                missing = client.missing[conversation]
                if len(missing) < GAP_TRACK_LIMIT:
                    missing.update(range(last + 1, min(seq, last + 1 + GAP_TRACK_LIMIT)))
            client.conversations[conversation] = seq
        elif seq in client.missing[conversation]:
            client.missing[conversation].discard(seq)
            if step is not None:
                step.out_of_order += 1
        else:
            unique = False
            if step is not None:
                step.duplicated += 1
        if sent is None or step is None:
            self.stray += 1
            return
        if unique:
            sent.received += 1
            step.delivered += 1
            if now <= step.send_ended or not step.send_ended:
                step.delivered_in_window += 1
            step.latencies.append((now - sent.at) * 1000)

    def _on_ack(self, data: dict[str, Any], now: float) -> None:
        sent = self.sends.get(data.get("client_id", ""))
        if sent is None or sent.answered:
            self.stray += 1
            return
        sent.answered = True
        sent.step.acked += 1
        sent.step.ack_latencies.append((now - sent.at) * 1000)
        if data.get("duplicate"):
            sent.step.duplicate_acks += 1

    def _on_error(self, data: dict[str, Any]) -> None:
        sent = self.sends.get(data.get("client_id", ""))
        if sent is None or sent.answered:
            self.stray += 1
            return
        sent.answered = True
        sent.step.errors[str(data.get("code"))] += 1
        sent.step.expected -= sent.recipients  # nothing is owed for a refused send

    # --- sending -----------------------------------------------------------------------

    async def run_step(
        self,
        label: str,
        senders: list[tuple[Client, int]],
        rate: float,
        duration: float,
        drain: float,
    ) -> dict[str, Any]:
        """Send at `rate` a second for `duration`, then wait up to `drain` for the rest."""
        step = Step(label=label, rate=rate, index=len(self.steps))
        self.steps.append(step)
        order = senders[:]
        random.shuffle(order)
        self.monitor.reset()
        server_start, me_start = self.monitor.server(), self.monitor.me()
        step.started = start = time.perf_counter()
        end = start + duration
        n = 0
        while (now := time.perf_counter()) < end:
            due = int((now - start) * rate) + 1 - n
            if due > 1:
                step.max_send_lag = max(step.max_send_lag, (due - 1) / rate)
            for _ in range(due):
                client, conversation = order[n % len(order)]
                client_id = f"b{self.tag}s{step.index}n{n}"
                frame = json.dumps(
                    {
                        "type": "send",
                        "ref": n,
                        "conversation": conversation,
                        "client_id": client_id,
                        "body": f"{BODIES[n % len(BODIES)]} ({n})",
                    }
                )
                recipients = self.online[conversation]
                self.sends[client_id] = Sent(step, conversation, time.perf_counter(), recipients)
                step.sent += 1
                step.expected += recipients
                assert client.ws is not None
                client.ws.send_text(frame)
                n += 1
            await asyncio.sleep(0.001)
        step.send_ended = time.perf_counter()
        server_mid, me_mid = self.monitor.server(), self.monitor.me()
        deadline = step.send_ended + drain
        while time.perf_counter() < deadline and not step.settled():
            await asyncio.sleep(0.02)
        step.drained = time.perf_counter()
        server_end = self.monitor.server()
        db = self.monitor.db_samples
        window = step.send_ended - step.started
        lost = max(0, step.expected - step.delivered)
        result: dict[str, Any] = {
            "label": label,
            "rate_target": rate,
            "seconds": round(window, 2),
            "drain_seconds": round(step.drained - step.send_ended, 2),
            "sent": step.sent,
            "sent_per_s": round(step.sent / window, 1),
            "acked": step.acked,
            "duplicate_acks": step.duplicate_acks,
            "errors": dict(step.errors),
            "unanswered": step.outstanding,
            "expected_deliveries": step.expected,
            "delivered": step.delivered,
            "delivered_per_s": round(step.delivered_in_window / window, 1),
            "delivered_total_per_s": round(step.delivered / max(window, 1e-9), 1),
            "lost": lost,
            "duplicated": step.duplicated,
            "out_of_order": step.out_of_order,
            "gaps": step.gaps,
            "latency_ms": percentiles(step.latencies),
            "ack_ms": percentiles(step.ack_latencies),
            "max_send_lag_ms": round(step.max_send_lag * 1000, 1),
            "server_cpu_pct": round(procstat.cpu_percent(server_start, server_mid), 1),
            "server_cpu_pct_incl_drain": round(procstat.cpu_percent(server_start, server_end), 1),
            "server_cpu_seconds": round(server_end.cpu_seconds - server_start.cpu_seconds, 3),
            # Server CPU for one message with its fan-out, over the sending window.
            "server_cpu_ms_per_message": round(
                1000 * (server_mid.cpu_seconds - server_start.cpu_seconds) / max(step.sent, 1),
                2,
            ),
            "server_rss_mib_max": round(self.monitor.rss_max / 1024, 1),
            "server_threads": server_end.threads,
            "loadgen_cpu_pct": round(procstat.cpu_percent(me_start, me_mid), 1),
            # Everything that ran meanwhile (PostgreSQL and Redis included; 200 = both cores).
            "machine_cpu_pct": procstat.machine_percent(server_start, server_mid),
            "db_connections_max": max(db) if db else None,
            "db_connections_mean": round(sum(db) / len(db), 1) if db else None,
            "db_connections_active_max": max(self.monitor.db_active, default=None),
        }
        # An open-loop generator that fell behind measured less than it was asked to.
        result["generator_kept_up"] = result["sent_per_s"] >= 0.95 * rate
        result["ok"] = (
            lost == 0
            and result["unanswered"] == 0
            and not step.errors
            and step.duplicated == 0
            and step.out_of_order == 0
        )
        return result

    # --- scenarios ---------------------------------------------------------------------

    def _room_plan(self) -> tuple[list[tuple[int, str]], list[tuple[int, int]]]:
        rooms = self.manifest["rooms"][: self.args.rooms]
        names = dict((uid, name) for uid, name in self.manifest["users"])
        users = [(uid, names[uid]) for room in rooms for uid in room["members"]]
        senders = [(uid, room["conversation"]) for room in rooms for uid in room["members"]]
        return users, senders

    def _dm_plan(self) -> tuple[list[tuple[int, str]], list[tuple[int, int]]]:
        pairs = self.manifest["dms"][: self.args.pairs]
        names = dict((uid, name) for uid, name in self.manifest["users"])
        users = [(uid, names[uid]) for pair in pairs for uid in pair["users"]]
        senders = [(uid, pair["conversation"]) for pair in pairs for uid in pair["users"]]
        return users, senders

    async def run(self) -> dict[str, Any]:
        args = self.args
        await self.monitor.start()
        watching: asyncio.Task[None] | None = None
        try:
            if args.scenario == "idle":
                return await self._idle()
            if args.scenario == "storm":
                return await self._storm()
            if args.scenario == "ramp":
                of = args.ramp_of
            else:
                of = "rooms" if args.scenario == "slow" else args.scenario
            users, plan = self._room_plan() if of == "rooms" else self._dm_plan()
            slow = args.slow_readers if args.scenario == "slow" else 0
            rss_before = self.monitor.server().rss_kib
            if slow:
                watching = asyncio.create_task(self._watch_stalled())
            connect_seconds = await self.connect_all(users, slow)
            by_id = {c.user_id: c for c in self.clients}
            senders = [(by_id[uid], conversation) for uid, conversation in plan]
            senders = [
                (client, conversation) for client, conversation in senders if not client.slow
            ]
            result: dict[str, Any] = {
                "scenario": args.scenario,
                "of": of,
                "sockets": len(self.clients),
                "deflate": args.deflate,
                "logins_over_http": self.logins,
                "login_seconds": round(self.login_seconds, 1),
                "connect_seconds": round(connect_seconds, 2),
                "steps": [],
            }
            if args.warmup > 0:
                # Gently, and drained before measuring: a warm-up at a rate the server
                # cannot take would leave a backlog that the measured window then pays for.
                rate = min(args.warmup_rate, args.rate)
                warm = await self.run_step("warmup", senders, rate, args.warmup, args.drain)
                result["warmup"] = warm
            if args.ready_file:  # tells bench.run to start the profiler now
                Path(args.ready_file).write_text(str(time.time()))
            if args.scenario == "ramp":
                result["steps"], result["best"] = await self._ramp(senders)
            else:
                rss_start = self.monitor.server().rss_kib
                step = await self.run_step(
                    args.scenario, senders, args.rate, args.duration, args.drain
                )
                result["steps"] = [step]
                if args.scenario == "slow":
                    # The server lets go of a closed socket's connection CLOSE_GRACE s later.
                    deadline = time.monotonic() + args.slow_wait
                    while time.monotonic() < deadline and any(
                        c.stalled_at is not None and c.released_at is None for c in self.clients
                    ):
                        await asyncio.sleep(0.1)
                    result["slow"] = self._slow_report(rss_before, rss_start)
            result["stray_frames"] = self.stray
            return result
        finally:
            if watching is not None:
                watching.cancel()
            await self.close_all()
            await self.monitor.stop()

    async def _watch_stalled(self) -> None:
        """Note when each stalled reader's connection ends, on either side. The client
        reads nothing, so its own end learns only of a RST, or of a FIN once the data
        ahead of it is read; the server's end leaves ESTABLISHED when the server closes
        its descriptor (FIN_WAIT1 behind the unsent data), which /proc/net/tcp shows."""
        port = urlsplit(self.ws_url).port or 80
        while True:
            now = time.perf_counter()
            stalled = [c for c in self.clients if c.stalled_at is not None]
            server_ends: dict[int, int] = {}
            if any(c.released_at is None for c in stalled):
                server_ends = tcp_states(port)
            for client in stalled:
                assert client.ws is not None and client.ws.transport is not None
                transport = client.ws.transport
                if client.released_at is None:
                    local = transport.get_extra_info("sockname")
                    if local is None or server_ends.get(local[1]) != TCP_ESTABLISHED:
                        client.released_at = now
                if client.ended_at is None:
                    try:
                        sock = transport.get_extra_info("socket")
                        state = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)[0]
                    except (OSError, AttributeError):  # closed: no socket any more
                        state = 0
                    if state != TCP_ESTABLISHED or transport.is_closing():
                        client.ended_at = now
            await asyncio.sleep(0.1)

    def _slow_report(self, rss_before: int, rss_start: int) -> dict[str, Any]:
        """The stalled readers: when each connection ended on the server's side and on
        the client's, how long after the stall, owing how many messages (sent into its
        room since); the server's RSS from before the sockets connected to the end of
        --slow-wait. bench.run adds the server's 4408 closes from its log."""
        rss_end = self.monitor.server().rss_kib
        sent_at: dict[int, list[float]] = {}
        for sent in self.sends.values():
            sent_at.setdefault(sent.conversation, []).append(sent.at)
        released, ended, owed = array("d"), array("d"), array("d")
        stalled = []
        for client in self.clients:
            if client.stalled_at is None:
                continue
            since, until = client.stalled_at, client.released_at or time.perf_counter()
            times = [t for c in client.conversations for t in sent_at.get(c, ())]
            owed.append(sum(1 for t in times if since <= t < until))
            if client.released_at is not None:
                released.append(client.released_at - since)
            if client.ended_at is not None:
                ended.append(client.ended_at - since)
            stalled.append({"user": client.user_id, "stalled_at": round(client.stalled_wall, 3)})
        return {
            "slow_readers": len(stalled),
            "released_by_server": len(released),
            "stall_to_release_s": percentiles(released),
            "ended_for_client": len(ended),
            "stall_to_client_end_s": percentiles(ended),
            "messages_owed_at_release_or_end": percentiles(owed),
            "step_started_at": round(
                time.time() - (time.perf_counter() - self.steps[-1].started), 3
            ),
            "stalled": stalled,
            "server_rss_mib": {
                "before_connect": round(rss_before / 1024, 1),
                "start": round(rss_start / 1024, 1),
                "max": round(max(self.monitor.rss_max, rss_end) / 1024, 1),
                "end": round(rss_end / 1024, 1),
            },
        }

    async def _ramp(
        self, senders: list[tuple[Client, int]]
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """Multiply the rate by --ramp-factor until a step fails, then bisect.

        A step passes when nothing is lost, refused, repeated or out of order, the generator
        kept its rate, and p99 < --ramp-p99-ms. After a failed step the server is given
        time to work off its backlog before the next one.
        """
        args = self.args
        steps: list[dict[str, Any]] = []
        best: dict[str, Any] | None = None
        low, high = 0.0, 0.0  # best passing and lowest failing rate so far
        rate = args.ramp_start
        deadline = time.monotonic() + args.ramp_budget
        while time.monotonic() + args.ramp_step + 1 < deadline:
            step = await self.run_step(
                f"ramp {rate:g}/s", senders, rate, args.ramp_step, args.ramp_drain
            )
            step["passed"] = (
                step["ok"]
                and step["generator_kept_up"]
                and step["latency_ms"]["p99"] < args.ramp_p99_ms
            )
            steps.append(step)
            print(
                f"  ramp {rate:g} msg/s: {step['delivered_per_s']:g} deliveries/s, "
                f"p99 {step['latency_ms']['p99']} ms, lost {step['lost']}, "
                f"server CPU {step['server_cpu_pct']}%",
                file=sys.stderr,
            )
            if step["passed"]:
                low = rate
                if best is None or step["delivered_per_s"] > best["delivered_per_s"]:
                    best = step
            else:
                high = rate
                await self._wait_server_idle(min(15.0, deadline - time.monotonic()))
            if not high:
                rate = round(rate * args.ramp_factor, 1)
            elif low and high / low > 1.08:
                rate = round((low * high) ** 0.5, 1)
            elif not low and rate > 1:
                rate = round(rate / args.ramp_factor, 1)
            else:
                break
        return steps, best

    async def _wait_server_idle(self, limit: float) -> None:
        """Until the server's CPU stays under 15% for half a second, at most `limit` s."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            before = self.monitor.server()
            await asyncio.sleep(0.5)
            if procstat.cpu_percent(before, self.monitor.server()) < 15:
                return

    async def _idle(self) -> dict[str, Any]:
        args = self.args
        users = [(int(uid), str(name)) for uid, name in self.manifest["users"]]
        chosen = [users[i % len(users)] for i in range(args.sockets)]
        unique = list(dict.fromkeys(chosen))
        sessions = await self.log_in(unique)
        # Warm the WebSocket path (imports, first DB connection), then measure from there.
        warm = [Client(uid, name, sessions[name]) for uid, name in unique[:10]]
        await asyncio.gather(*(self.open(c) for c in warm))
        self.clients = warm
        await self.close_all()
        await asyncio.sleep(2)
        heap = Path(args.tracemalloc_dir) if args.tracemalloc_dir else None
        if heap is not None:  # before the CPU and RSS readings: the snapshot costs both
            await self._heap_reading(heap, "before")
        before = self.monitor.server()
        self.clients = [Client(uid, name, sessions[name]) for uid, name in chosen]
        gate = asyncio.Semaphore(args.connect_concurrency)

        async def one(client: Client) -> None:
            async with gate:
                await self.open(client)

        started = time.monotonic()
        await asyncio.gather(*(one(c) for c in self.clients))
        connect_seconds = time.monotonic() - started
        opened = self.monitor.server()
        await asyncio.sleep(args.idle_settle)
        after = self.monitor.server()
        if heap is not None:  # under tracemalloc the server may still be announcing
            await self._wait_server_idle(60)
            await self._heap_reading(heap, "after")
        per_connection = (after.rss_kib - before.rss_kib) * 1024 / len(self.clients)
        result = {
            "scenario": "idle",
            "sockets": len(self.clients),
            "deflate": args.deflate,
            "logins_over_http": self.logins,
            "connect_seconds": round(connect_seconds, 2),
            "connects_per_s": round(len(self.clients) / connect_seconds, 1),
            "connect_cpu_pct": round(procstat.cpu_percent(before, opened), 1),
            "idle_cpu_pct": round(procstat.cpu_percent(opened, after), 1),
            "rss_before_mib": round(before.rss_kib / 1024, 1),
            "rss_after_mib": round(after.rss_kib / 1024, 1),
            "rss_per_connection_kib": round(per_connection / 1024, 1),
            "server_threads": after.threads,
            "db_connections": await self.monitor.db_connections(),
        }
        if heap is not None:
            from bench import traced

            result["tracemalloc"] = traced.compare(heap, "before", "after", len(self.clients))
        return result

    async def _heap_reading(self, directory: Path, label: str) -> None:
        """A tracemalloc reading from the server (bench.traced): ask, wait until written."""
        (directory / f"{label}.request").touch()
        deadline = time.monotonic() + 120
        while not (directory / f"{label}.json").exists():
            if time.monotonic() > deadline:
                raise TimeoutError(f"no tracemalloc reading {label!r} in {directory}")
            await asyncio.sleep(0.2)

    async def _reconnect_all(self, concurrency: int) -> float:
        """Every client connects again at once (at most `concurrency` handshakes in
        flight), resuming from its seqs; the seconds until the last has `resumed`."""
        for client in self.clients:
            client.hello = asyncio.Event()
            client.ws = None
        gate = asyncio.Semaphore(concurrency)

        async def one(client: Client) -> None:
            async with gate:
                await self.open(client)

        started = time.monotonic()
        await asyncio.gather(*(one(c) for c in self.clients))
        return time.monotonic() - started

    def _worker_cpu(self) -> dict[int, float]:
        """CPU seconds so far of each process under the server (uvicorn's workers)."""
        found = {}
        for pid in procstat.children(self.args.server_pid):
            with contextlib.suppress(OSError):
                found[pid] = procstat.cpu_seconds(pid)
        return found

    async def _trips(self) -> dict[str, int]:
        """The round trips every server process has made so far (bench/trips.py), summed;
        empty if the server does not count them."""
        directory = Path(__file__).resolve().parent.parent / "var" / "bench" / "trips"
        pids = [self.args.server_pid, *procstat.children(self.args.server_pid)]
        # Only the processes that count (each wrote its file at start): SIGUSR1 would end
        # any other, such as uvicorn's supervisor of --workers.
        pids = [pid for pid in pids if (directory / f"{pid}.json").exists()]
        asked = time.time()
        for pid in pids:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGUSR1)
        totals: dict[str, int] = {}
        for pid in pids:
            path = directory / f"{pid}.json"
            for _ in range(50):  # each writes its file at once; 5 s at most
                if path.exists() and path.stat().st_mtime >= asked - 0.01:
                    break
                await asyncio.sleep(0.1)
            with contextlib.suppress(OSError, ValueError):
                for key, value in json.loads(path.read_text()).items():
                    totals[key] = totals.get(key, 0) + value
        return totals

    async def _storm(self) -> dict[str, Any]:
        """--sockets open; all gone at once (closed, or with --storm-restart their workers
        killed and started again); --storm-missed messages sent into each of their rooms
        meanwhile; all reconnected at once, each resuming from the seqs it had."""
        args = self.args
        users = [(int(uid), str(name)) for uid, name in self.manifest["users"]]
        chosen = [users[i % len(users)] for i in range(args.sockets)]
        senders = [
            (int(room["members"][0]), int(room["conversation"])) for room in self.manifest["rooms"]
        ]
        names = dict(users)
        sessions = await self.log_in(
            list(dict.fromkeys([*chosen, *((u, names[u]) for u, _ in senders)]))
        )
        self.clients = [Client(uid, name, sessions[name]) for uid, name in chosen]
        first = await self._reconnect_all(args.connect_concurrency)
        await self._wait_server_idle(15)
        before = self.monitor.server()
        started = time.monotonic()
        restart_seconds = None
        if args.storm_restart:
            print(f"  killing every worker at {time.strftime('%H:%M:%S')}", file=sys.stderr)
            await self._restart_workers()
            restart_seconds = round(time.monotonic() - started, 2)
        else:
            print(f"  closing every socket at {time.strftime('%H:%M:%S')}", file=sys.stderr)
            await self.close_all()
        close_seconds = time.monotonic() - started
        await self._wait_server_idle(30)
        gone = self.monitor.server()
        missed = await self._send_missed(
            [(Client(uid, names[uid], sessions[names[uid]]), c) for uid, c in senders]
        )
        await self._wait_server_idle(30)
        closed, closed_me = self.monitor.server(), self.monitor.me()
        if args.ready_file:  # profile the storm itself
            Path(args.ready_file).write_text(str(time.time()))
        trips_before = await self._trips()
        split_before = self._worker_cpu()
        print(f"  reconnecting every socket at {time.strftime('%H:%M:%S')}", file=sys.stderr)
        self.counting = True
        reconnected = time.monotonic()
        storm_seconds = await self._reconnect_all(args.storm_concurrency)
        # Missed messages come before `resumed`; wait anyway, should any come after.
        while not missed.settled() and time.monotonic() < reconnected + storm_seconds + 10:
            await asyncio.sleep(0.02)
        all_seconds = time.monotonic() - reconnected
        after, after_me = self.monitor.server(), self.monitor.me()
        split = self._worker_cpu()
        trips = {k: v - trips_before.get(k, 0) for k, v in (await self._trips()).items()}
        per = 1000 / len(self.clients)  # ms per reconnect, from seconds
        return {
            "scenario": "storm",
            "sockets": len(self.clients),
            "restarted": bool(args.storm_restart),
            "first_connect_seconds": round(first, 2),
            "restart_seconds": restart_seconds,
            "close_seconds": round(close_seconds, 2),
            "close_cpu_s": None
            if args.storm_restart
            else round(gone.cpu_seconds - before.cpu_seconds, 2),
            "storm_seconds": round(storm_seconds, 2),
            "storm_with_missed_seconds": round(all_seconds, 2),
            "reconnects_per_s": round(len(self.clients) / storm_seconds, 1),
            "missed_sent": missed.sent,
            "missed_expected": missed.expected,
            "missed_delivered": missed.delivered,
            "missed_lost": max(0, missed.expected - missed.delivered),
            "missed_duplicated": missed.duplicated,
            "missed_out_of_order": missed.out_of_order + missed.gaps,
            "storm_cpu_s": round(after.cpu_seconds - closed.cpu_seconds, 2),
            # Each worker's share (one that took more sockets finishes later).
            "worker_cpu_s": sorted(
                round(split[pid] - split_before.get(pid, 0.0), 2) for pid in split
            ),
            "server_cpu_ms_per_reconnect": round(
                (after.cpu_seconds - closed.cpu_seconds) * 1000 / len(self.clients), 2
            ),
            # The whole machine's and the generator's own share: the clients run here too.
            "machine_cpu_ms_per_reconnect": round(
                (after.machine_cpu_seconds - closed.machine_cpu_seconds) * per, 2
            ),
            "loadgen_cpu_ms_per_reconnect": round(
                (after_me.cpu_seconds - closed_me.cpu_seconds) * per, 2
            ),
            # Counted in the server (bench/trips.py): every statement, health checks too.
            "queries_per_reconnect": round(trips.get("queries", 0) / len(self.clients), 2),
            "redis_trips_per_reconnect": round(trips.get("redis", 0) / len(self.clients), 2),
            "storm_concurrency": args.storm_concurrency,
            "frames_per_reconnect": {
                kind.decode(errors="replace"): round(count / len(self.clients), 2)
                for kind, count in self.frames.most_common(8)
            },
            "db_connections": await self.monitor.db_connections(),
            "ok": missed.settled() and missed.duplicated == 0 and not missed.errors,
        }

    async def _restart_workers(self) -> None:
        """SIGKILL every worker of uvicorn --workers (their sockets drop with them, as in a
        crash); its supervisor starts new ones. Returns once each new one counts trips
        (bench/trips.py: Django is set up) and the server answers HTTP."""
        directory = Path(__file__).resolve().parent.parent / "var" / "bench" / "trips"

        def workers() -> list[int]:  # not uvicorn's other child, multiprocessing's tracker
            children = procstat.children(self.args.server_pid)
            return [pid for pid in children if (directory / f"{pid}.json").exists()]

        old = workers()
        if not old:
            raise SystemExit("--storm-restart needs a server run with --workers 2 or more")
        for pid in old:
            os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while len([pid for pid in workers() if pid not in old]) < len(old):
            if time.monotonic() > deadline:
                raise TimeoutError("the supervisor did not start its workers again in 60 s")
            await asyncio.sleep(0.05)
        parts = urlsplit(self.base_url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        while (await _http(host, port, "GET", "/login/", {}))[0] != 200:
            await asyncio.sleep(0.05)

    async def _send_missed(self, senders: list[tuple[Client, int]]) -> Step:
        """While the clients are away: one member of each room, on a socket of its own,
        sends --storm-missed messages there. Each is owed to its own socket (live) and to
        every client of the room, which must get it on resume."""
        step = Step(label="missed", rate=0.0, index=len(self.steps))
        self.steps.append(step)
        per_conversation = Counter(c for client in self.clients for c in client.conversations)
        await asyncio.gather(*(self.open(client) for client, _ in senders))
        for n in range(self.args.storm_missed):
            for i, (client, conversation) in enumerate(senders):
                client_id = f"b{self.tag}m{i}n{n}"
                recipients = per_conversation[conversation] + 1  # the sender's own socket
                self.sends[client_id] = Sent(step, conversation, time.perf_counter(), recipients)
                step.sent += 1
                step.expected += recipients
                assert client.ws is not None
                client.ws.send_text(json.dumps({
                    "type": "send", "ref": n, "conversation": conversation,
                    "client_id": client_id, "body": f"{BODIES[n % len(BODIES)]} (missed {n})",
                }))  # fmt: skip
        deadline = time.monotonic() + 30  # each acked, and delivered to its sender's socket
        while time.monotonic() < deadline and (step.outstanding or step.delivered < step.sent):
            await asyncio.sleep(0.02)
        if step.outstanding or step.errors:
            raise RuntimeError(f"missed messages not all acknowledged: {step.errors}")
        await asyncio.gather(*(client.ws.close() for client, _ in senders if client.ws))
        return step


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base-url", required=True, help="http://127.0.0.1:PORT")
    parser.add_argument("--manifest", required=True, help="written by bench.seed")
    parser.add_argument("--sessions", required=True, help="session cookie cache (JSON)")
    parser.add_argument("--scenario", choices=["rooms", "dm", "ramp", "idle", "storm", "slow"],
                        required=True)  # fmt: skip
    parser.add_argument("--slow-readers", type=int, default=20,
                        help="slow: members that stop reading once resumed")  # fmt: skip
    parser.add_argument("--slow-wait", type=float, default=10.0,
                        help="slow: seconds to wait for their connections to end")  # fmt: skip
    parser.add_argument("--slow-rcvbuf", type=int, default=4096,
                        help="slow: their SO_RCVBUF, bytes (the kernel doubles it)")  # fmt: skip
    parser.add_argument("--server-pid", type=int, required=True)
    parser.add_argument("--rate", type=float, default=400.0, help="messages a second, in total")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds of sending")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of sending first")
    parser.add_argument("--warmup-rate", type=float, default=20.0, help="messages a second")
    parser.add_argument("--drain", type=float, default=10.0, help="seconds to wait afterwards")
    parser.add_argument("--rooms", type=int, default=10)
    parser.add_argument("--pairs", type=int, default=100)
    parser.add_argument("--ramp-of", choices=["rooms", "dm"], default="rooms")
    parser.add_argument("--ramp-start", type=float, default=10.0, help="messages a second")
    parser.add_argument("--ramp-factor", type=float, default=1.5)
    parser.add_argument("--ramp-step", type=float, default=5.0, help="seconds per step")
    parser.add_argument("--ramp-p99-ms", type=float, default=250.0)
    parser.add_argument("--ramp-drain", type=float, default=3.0,
                        help="seconds a step may take to deliver its last messages")  # fmt: skip
    parser.add_argument("--ramp-budget", type=float, default=60.0, help="seconds for all steps")
    parser.add_argument("--sockets", type=int, default=2000, help="idle: how many")
    parser.add_argument("--idle-settle", type=float, default=5.0)
    parser.add_argument("--tracemalloc-dir",
                        help="idle: the server runs under bench.traced")  # fmt: skip
    parser.add_argument("--no-deflate", dest="deflate", action="store_false",
                        help="do not offer permessage-deflate (browsers offer it)")  # fmt: skip
    parser.add_argument("--login-concurrency", type=int, default=8)
    parser.add_argument("--connect-concurrency", type=int, default=50)
    parser.add_argument("--storm-concurrency", type=int, default=1000,
                        help="storm: handshakes in flight at once")  # fmt: skip
    parser.add_argument("--storm-missed", type=int, default=3,
                        help="storm: messages into each room while it is away")  # fmt: skip
    parser.add_argument("--storm-restart", action="store_true",
                        help="storm: kill the workers (uvicorn --workers) instead of closing "
                        "the sockets, and reconnect once new ones serve")  # fmt: skip
    parser.add_argument("--pg-dsn", default="", help="to count connections in pg_stat_activity")
    parser.add_argument("--pg-database", default="")
    parser.add_argument("--sqlite-path", default="", help="to count the server's SQLite handles")
    parser.add_argument("--ready-file", help="written when the measured sending starts")
    parser.add_argument("--timeout", type=float, default=300.0, help="hard limit, seconds")
    parser.add_argument("--out", help="write the result here as JSON (default: stdout)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    import uvloop

    # The generator keeps a record per send; a full collection over them stalls the loop for
    # hundreds of milliseconds, which would show up as server latency. Runs are short.
    gc.disable()

    async def bounded() -> dict[str, Any]:
        return await asyncio.wait_for(LoadGenerator(args).run(), timeout=args.timeout)

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        result = runner.run(bounded())
    text = json.dumps(result, indent=2)
    if args.out:
        Path(args.out).write_text(text)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

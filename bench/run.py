"""Run Parley's load benchmark: seed, serve with one pinned uvicorn process, load, report.

    .venv/bin/python -m bench.run                          # SQLite + in-memory, every scenario
    .venv/bin/python -m bench.run --stack postgres         # PostgreSQL + Redis
    .venv/bin/python -m bench.run --stack sqlite --stack postgres --scenario rooms --profile

Each scenario gets a fresh server: `taskset -c 0 uvicorn config.asgi:application` (uvloop,
httptools, --lifespan off) with bench.settings, while the load generator (bench.loadgen)
runs as its own process under `taskset -c 1`. Results go to var/bench/results/ as JSON and
are summarised on stdout. Every run is bounded: the generator has a hard timeout and the
server is stopped when its scenario ends.
"""

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.error import URLError

from bench import procstat
from config.env import local_secret_key

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
TRACEMALLOC = VAR / "tracemalloc"  # --tracemalloc: the server's readings (bench/traced.py)
PYTHON = sys.executable
SCENARIOS = ("rooms", "dm", "ramp", "idle", "storm", "slow", "sendcost")
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/parley_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
SERVER_CORE, LOADGEN_CORE = "0", "1"
DEFAULT_WS = "parley.realtime.server:WebSocketProtocol"
STACKS = ("sqlite", "postgres", "fake")


@dataclass(frozen=True)
class Stack:
    name: str
    database_url: str
    redis_url: str
    app: str = "bench.asgi:application"  # config.asgi's, plus --experiment patches

    @property
    def key(self) -> str:
        return self.name

    @property
    def pg_database(self) -> str:
        if self.database_url.startswith("postgres"):
            return self.database_url.rsplit("/", 1)[1]
        return ""

    @property
    def sqlite_path(self) -> str:
        if self.database_url.startswith("sqlite:///"):
            return "/" + self.database_url.removeprefix("sqlite:///").lstrip("/")
        return ""


SQLITE = Stack("sqlite", f"sqlite:///{VAR / 'bench.sqlite3'}", "")
FAKE = Stack("fake", "", "", app="bench.fakeserver:app")


def pinned(core: str, nice: int) -> list[str]:
    """taskset to one core, at a raised priority (the machine is shared; see README)."""
    prefix = ["taskset", "-c", core]
    return ["nice", "-n", str(nice), *prefix] if nice else prefix


def prioritise(pid: int, nice: int) -> None:
    """Give a process of ours (alone in its session) the CPU before other people's jobs.

    With autogroup scheduling (kernel.sched_autogroup_enabled=1) the kernel shares a core
    fairly between sessions whatever their niceness, so a benchmark competing with a test
    suite gets half a core. The session's own autogroup niceness fixes that; it touches
    only the session bench.run just started.
    """
    if nice:
        with contextlib.suppress(OSError):
            Path(f"/proc/{pid}/autogroup").write_text(str(nice))


def server_env(
    stack: Stack,
    port: int,
    send_rate: int,
    experiments: list[str] | None = None,
    queue_max_messages: int | None = None,
    redis_prefix: str = "parleybench",
) -> dict[str, str]:
    env = {
        **os.environ,
        "PARLEY_ENV": "production",
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "SECRET_KEY": local_secret_key(VAR),  # stable: cached session cookies stay valid
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": stack.database_url,
        "WEBSOCKET_ALLOWED_ORIGINS": f"http://127.0.0.1:{port}",
        "SEND_RATE_PER_SECOND": str(send_rate),
        "SEND_RATE_BURST": str(send_rate),
        # Thousands of sockets from one address, several per user: no refusals here.
        "RATE_LIMITS": "connect_ip=1000000/1000000,history=1000000/1000000",
        "WEBSOCKET_MAX_SOCKETS_PER_USER": "1000000",
        "LOG_LEVEL": "WARNING",
        "REDIS_PREFIX": redis_prefix,
        "PYTHONPATH": str(ROOT),
        "BENCH_EXPERIMENTS": ",".join(experiments or []),
        "BENCH_TRIPS_DIR": str(VAR / "trips"),  # bench/trips.py: queries and Redis trips
    }
    env.pop("REDIS_URL", None)
    if stack.redis_url:
        env["REDIS_URL"] = stack.redis_url
    if queue_max_messages is not None:  # scenario slow: a limit a short run reaches
        env["WEBSOCKET_QUEUE_MAX_MESSAGES"] = str(queue_max_messages)
    return env


class Server:
    """One uvicorn process pinned to SERVER_CORE, stopped on exit."""

    def __init__(self, stack: Stack, args: argparse.Namespace, log: Path) -> None:
        self.stack, self.args, self.log = stack, args, log
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> "Server":
        # Several workers (--workers) share every core, the generator's too: the machine
        # as a deployment on it would run.
        cores = SERVER_CORE if self.args.workers == 1 else f"0-{(os.cpu_count() or 1) - 1}"
        workers = ["--workers", str(self.args.workers)] if self.args.workers > 1 else []
        # --tracemalloc: the same uvicorn command line through bench.traced.
        server = "bench.traced" if self.args.tracemalloc else "uvicorn"
        cmd = [
            *pinned(cores, self.args.nice), PYTHON, "-m", server, self.stack.app, *workers,
            "--host", "127.0.0.1", "--port", str(self.args.port), "--lifespan", "off",
            "--loop", "uvloop", "--http", "httptools", "--ws", self.ws,
            "--ws-per-message-deflate", "true" if self.args.server_deflate else "false",
            "--log-level", "warning", "--no-access-log",
        ]  # fmt: skip
        env = server_env(
            self.stack,
            self.args.port,
            self.args.send_rate,
            self.args.experiment,
            self.args.queue_max_messages,
            self.args.redis_prefix,
        )
        env["MANIFEST"] = str(VAR / "manifest-sqlite.json")  # for bench.fakeserver
        if self.args.server_sndbuf:
            env["BENCH_SERVER_SNDBUF"] = str(self.args.server_sndbuf)
        if self.args.tracemalloc:
            shutil.rmtree(TRACEMALLOC, ignore_errors=True)  # the last run's readings
            env["BENCH_TRACEMALLOC_DIR"] = str(TRACEMALLOC)
            env["BENCH_TRACEMALLOC_FRAMES"] = str(self.args.tracemalloc_frames)
            # tracemalloc slows the server several times: a Redis reply waiting behind the
            # loop for over a second would count as an outage and change what is kept.
            env["REDIS_TIMEOUT_SECONDS"] = "10"
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(  # noqa: S603 - our own fixed command line
                cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        prioritise(self.proc.pid, self.args.nice)
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        url = f"http://127.0.0.1:{self.args.port}/login/"
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise SystemExit(f"The server exited ({self.proc.returncode}); see {self.log}")
            with (
                contextlib.suppress(URLError, ConnectionError, TimeoutError),
                urllib.request.urlopen(url, timeout=2) as response,
            ):
                if response.status == 200:
                    return
            time.sleep(0.2)
        raise SystemExit(f"The server did not answer {url} within 30 s; see {self.log}")

    @property
    def ws(self) -> str:
        """uvicorn's --ws: Parley's protocol with a fixed SO_SNDBUF if asked for one."""
        if self.args.server_sndbuf and self.args.ws == DEFAULT_WS:
            return "bench.wsprotocol:WebSocketProtocol"
        return str(self.args.ws)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def __exit__(self, *exc: object) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)


class Profiler:
    """py-spy on the server while a scenario runs: a flame graph and collapsed stacks."""

    def __init__(self, pid: int, seconds: float, svg: Path, raw: Path) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []
        spy = Path(PYTHON).parent / "py-spy"
        if not spy.exists():
            raise SystemExit("--profile needs py-spy: .venv/bin/pip install py-spy")
        svg.parent.mkdir(parents=True, exist_ok=True)
        # The flame graph and the first raw file show every thread that is not asleep; the
        # --gil one only the thread holding the GIL, i.e. where Python spends its CPU.
        gil = raw.with_name(raw.stem + "-gil.txt")
        for fmt, path, extra in (
            ("flamegraph", svg, []),
            ("raw", raw, []),
            ("raw", gil, ["--gil"]),
        ):
            cmd = [
                *pinned(LOADGEN_CORE, 0), str(spy), "record", "--pid", str(pid),
                "--rate", "100", "--nonblocking", "--duration", str(int(seconds)),
                "--format", fmt, "-o", str(path), "--subprocesses", *extra,
            ]  # fmt: skip
            self.procs.append(
                subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
            )

    def wait(self) -> None:
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
                proc.wait(timeout=10)


def git_state() -> str:
    """The commit the server ran, and whether Parley's code differed from it."""

    def git(*argv: str) -> str:
        done = subprocess.run(  # noqa: S603
            [shutil.which("git") or "git", *argv],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        )
        return done.stdout.strip()

    dirty = git("status", "--porcelain", "--", "parley", "config")
    return git("rev-parse", "--short", "HEAD") + (" (modified)" if dirty else "")


def wait_for_quiet(limit: float, below: float) -> float:
    """Wait up to `limit` s for the machine to idle (other people's jobs share it).

    Returns the busy share of the machine (100 = one core) over the last second looked at.
    """
    deadline = time.monotonic() + limit
    while True:
        before = procstat.machine_busy()[0]
        time.sleep(1)
        busy = 100 * (procstat.machine_busy()[0] - before)
        if busy < below or time.monotonic() >= deadline:
            if busy >= below:
                print(f"  the machine is still busy ({busy:.0f}% of a core); going ahead")
            return round(busy, 1)


def seed(stack: Stack, args: argparse.Namespace) -> Path:
    if not stack.database_url:  # the fake server plays the seeded SQLite users
        return seed(SQLITE, args)
    manifest = VAR / f"manifest-{stack.key}.json"
    cmd = [
        PYTHON, "-m", "bench.seed", "--manifest", str(manifest), "--users", str(args.users),
        "--room-size", str(args.room_size), "--dm-pairs", str(args.dm_pairs),
    ]  # fmt: skip
    if args.fresh:
        cmd.append("--fresh")
    env = server_env(stack, args.port, args.send_rate)
    env.pop("REDIS_URL", None)  # seeding publishes nothing anyone hears
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, timeout=600)  # noqa: S603
    return manifest


def loadgen_command(
    stack: Stack, scenario: str, args: argparse.Namespace, manifest: Path, pid: int, out: Path
) -> list[str]:
    rate = args.dm_rate if scenario == "dm" else args.rooms_rate
    cmd = [
        *pinned(LOADGEN_CORE, args.nice), PYTHON, "-m", "bench.loadgen",
        "--base-url", f"http://127.0.0.1:{args.port}", "--manifest", str(manifest),
        "--sessions", str(VAR / f"sessions-{stack.key}.json"), "--scenario", scenario,
        "--server-pid", str(pid), "--out", str(out), "--duration", str(args.duration),
        "--drain", str(args.drain), "--warmup", str(args.warmup), "--rooms", str(args.rooms),
        "--warmup-rate", str(args.warmup_rate),
        "--pairs", str(args.pairs), "--sockets", str(args.sockets),
        "--rate", str(rate),
        "--ramp-of", args.ramp_of, "--ramp-start", str(args.ramp_start),
        "--ramp-factor", str(args.ramp_factor), "--timeout", str(args.timeout),
        "--slow-readers", str(args.slow_readers), "--storm-missed", str(args.storm_missed),
    ]  # fmt: skip
    if args.storm_restart:
        cmd.append("--storm-restart")
    if not args.deflate:
        cmd.append("--no-deflate")
    if args.tracemalloc:
        cmd += ["--tracemalloc-dir", str(TRACEMALLOC)]
    if stack.pg_database:
        cmd += ["--pg-dsn", "postgresql://postgres@127.0.0.1:5432/postgres"]
        cmd += ["--pg-database", stack.pg_database]
    if stack.sqlite_path:
        cmd += ["--sqlite-path", stack.sqlite_path]
    return cmd


def run_sendcost(stack: Stack, args: argparse.Namespace, manifest: Path) -> dict[str, Any]:
    """bench.sendcost on the server's core, with the server's settings; no server."""
    print(f"\n== {stack.name}: sendcost ==", flush=True)
    if not stack.database_url:
        return {"scenario": "sendcost", "skipped": "no database"}
    out = VAR / "results" / f"sendcost-{stack.key}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [*pinned(SERVER_CORE, 0), PYTHON, "-m", "bench.sendcost", "--manifest", str(manifest),
           "--out", str(out)]  # fmt: skip
    env = server_env(stack, args.port, args.send_rate, args.experiment)
    env.pop("REDIS_URL", None)
    subprocess.run(  # noqa: S603
        cmd, cwd=ROOT, env=env, check=True, timeout=300, stdout=subprocess.DEVNULL
    )
    result: dict[str, Any] = json.loads(out.read_text())
    result["stack"] = stack.name
    print(
        f"  send: {result['send_cpu_ms']} ms CPU, {result['send_wall_ms']} ms wall, "
        f"{result['send_statements']} statements ({sum(result['statement_cpu_ms'].values()):.2f}"
        f" ms inside execute); render_markdown {result['render_markdown_ms']} ms; "
        f"hello's conversation_list {result['conversation_list_ms']} ms\n"
        f"  per delivery: thread hop {result['thread_hop_us']} us, aclose_old_connections "
        f"{result['aclose_old_connections_us']} us, deflate {result['deflate_encode_us']} us "
        f"({result['message_bytes']} -> {result['deflate_bytes']} bytes)",
        flush=True,
    )
    return result


def run_scenario(
    stack: Stack,
    scenario: str,
    args: argparse.Namespace,
    manifest: Path,
    stamp: str,
    busy_before: float,
) -> dict[str, Any]:
    """One scenario against a fresh server; `busy_before` is recorded with the result."""
    if scenario == "sendcost":
        return run_sendcost(stack, args, manifest)
    extra = [*args.experiment, *([] if args.server_deflate else ["no-server-deflate"])]
    out = VAR / "results" / f"{stamp}-{'-'.join([stack.key, scenario, *extra])}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    log = VAR / f"server-{stack.key}.log"
    log_from = log.stat().st_size if log.exists() else 0
    print(f"\n== {stack.name}: {scenario} {' '.join(extra)} ==", flush=True)
    with Server(stack, args, log) as server:
        cmd = loadgen_command(stack, scenario, args, manifest, server.pid, out)
        profiler = None
        ready = VAR / "loadgen.ready"
        ready.unlink(missing_ok=True)
        profiling = args.profile and scenario in args.profile_scenarios
        if profiling:
            cmd += ["--ready-file", str(ready)]
        loadgen = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True)  # noqa: S603
        prioritise(loadgen.pid, args.nice)
        deadline = time.monotonic() + args.timeout + 30
        while (code := loadgen.poll()) is None and time.monotonic() < deadline:
            if profiling and profiler is None and ready.exists():
                # The sockets are open and the warm-up is over: profile the measured part.
                name = "-".join([stack.key, scenario, *extra])
                profiler = Profiler(
                    server.pid,
                    args.duration,
                    ROOT / "bench" / "profiles" / f"{name}.svg",
                    VAR / f"profile-{name}.txt",
                )
            time.sleep(0.1)
        if code is None:
            loadgen.kill()
            loadgen.wait(timeout=10)
            code = -1
        if profiler is not None:
            profiler.wait()
    if args.tracemalloc and TRACEMALLOC.exists():  # the readings, kept beside the result
        TRACEMALLOC.rename(out.with_name(f"{out.stem}-tracemalloc"))
    if code != 0 or not out.exists():
        print(f"  the load generator failed ({code})", flush=True)
        return {"scenario": scenario, "failed": code}
    result: dict[str, Any] = json.loads(out.read_text())
    result["stack"] = stack.name
    result["commit"] = git_state()
    result["experiments"] = args.experiment
    result["server_deflate"] = args.server_deflate
    result["loadavg_before"] = Path("/proc/loadavg").read_text().split()[:3]
    result["machine_busy_before_pct"] = busy_before
    if result.get("slow"):
        with log.open("rb") as text:
            text.seek(log_from)
            result["slow"].update(slow_closes(text.read().decode(errors="replace"), result["slow"]))
    out.write_text(json.dumps(result, indent=2))
    print(summarise(result), flush=True)
    return result


# What the server logs when it closes a socket that reads too slowly (4408; consumer.py).
SLOW_CLOSE = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3}) WARNING parley\.realtime\.consumer "
    r"socket of user (\d+) closed: (\d+) events \((\d+) B\) unread",
    re.MULTILINE,
)


def slow_closes(log: str, slow: dict[str, Any]) -> dict[str, Any]:
    """The server's 4408 closes of the stalled readers, from its log: how many, how long
    after each stalled, and how much each had queued."""
    stalled = {entry["user"]: entry["stalled_at"] for entry in slow["stalled"]}
    after: list[float] = []
    events: list[float] = []
    owed: list[float] = []
    for when, millis, user, count, size in SLOW_CLOSE.findall(log):
        if int(user) in stalled:
            at = time.mktime(time.strptime(when, "%Y-%m-%d %H:%M:%S")) + int(millis) / 1000
            after.append(at - stalled[int(user)])
            events.append(int(count))
            owed.append(int(size))

    def spread(values: list[float]) -> dict[str, float]:
        ordered = sorted(values)
        return {"min": round(ordered[0], 2), "p50": round(ordered[len(ordered) // 2], 2),
                "max": round(ordered[-1], 2)} if ordered else {}  # fmt: skip

    return {
        "closed_4408": len(after),
        "stall_to_4408_s": spread(after),
        "queued_events_at_4408": spread(events),
        "queued_bytes_at_4408": spread(owed),
    }


def _step_line(step: dict[str, Any]) -> str:
    lat, ack = step["latency_ms"], step["ack_ms"]
    db = step["db_connections_max"]
    if step.get("db_connections_active_max") is not None:
        db = f"{db} ({step['db_connections_active_max']} active)"
    return (
        f"  {step['label']:<14} sent {step['sent']:>6} ({step['sent_per_s']:>7.1f}/s) "
        f"acked {step['acked']:>6} errors {sum(step['errors'].values()):>4} "
        f"deliveries {step['delivered']:>8} ({step['delivered_per_s']:>8.1f}/s) "
        f"lost {step['lost']:>6} dup {step['duplicated']} ooo {step['out_of_order']}\n"
        f"  {'':<14} latency p50 {lat['p50']:.1f} p95 {lat['p95']:.1f} p99 {lat['p99']:.1f} "
        f"max {lat['max']:.1f} ms; ack p50 {ack['p50']:.1f} p99 {ack['p99']:.1f} ms; "
        f"server CPU {step['server_cpu_pct']:.0f}% "
        f"({step['server_cpu_ms_per_message']} ms/msg) RSS {step['server_rss_mib_max']} MiB; "
        f"loadgen CPU {step['loadgen_cpu_pct']:.0f}%; DB connections {db}; "
        f"machine busy {step['machine_cpu_pct']}"
    )


def _slow_lines(slow: dict[str, Any]) -> list[str]:
    rss, owed = slow["server_rss_mib"], slow["messages_owed_at_release_or_end"]
    closed, released = slow["stall_to_4408_s"], slow["stall_to_release_s"]
    return [
        f"  stalled readers: {slow['slow_readers']}; closed 4408 by the server: "
        f"{slow['closed_4408']}"
        + (f" ({closed['min']}-{closed['max']} s after the stall, "
           f"{slow['queued_events_at_4408'].get('p50')} events queued)" if closed else "")
        + f"; server's end let go: {slow['released_by_server']}"
        + (f" (p50 {released['p50']} s, max {released['max']} s)"
           if slow["released_by_server"] else "")
        + f"; seen ended by the client: {slow['ended_for_client']}; messages owed to each "
        f"at release, or at the end: p50 {owed['p50']:g}, max {owed['max']:g}",
        f"  server RSS: {rss['before_connect']} MiB before connecting, {rss['start']} at the "
        f"start, {rss['max']} max, {rss['end']} at the end",
    ]  # fmt: skip


def _heap_lines(heap: dict[str, Any]) -> str:
    """--tracemalloc: the traced heap per socket and the sites that grew the most."""
    before, after = heap["traced_mib"]
    lines = [
        " (RSS includes tracemalloc's own cost)",
        f"  tracemalloc ({heap['frames']} frames): traced {before} -> {after} MiB = "
        f"{heap['traced_kib_per_socket']} KiB per socket ({heap['snapshot_kib_per_socket']} "
        f"KiB in the snapshots, {heap['blocks_per_socket']} blocks); grew most, per socket:",
    ]
    lines += [
        f"    {site['bytes_per_socket']:>8} B {site['blocks_per_socket']:>6} blocks  {site['site']}"
        for site in heap["top_lines"][:15]
    ]
    return "\n".join(lines)


def summarise(result: dict[str, Any]) -> str:
    if result.get("scenario") == "storm":
        gone = (
            f"workers killed and serving again in {result['restart_seconds']} s"
            if result["restarted"]
            else f"closed at once in {result['close_seconds']} s (server CPU "
            f"{result['close_cpu_s']} s)"
        )
        return (
            f"  {result['sockets']} sockets {gone}; {result['missed_sent']} messages sent "
            f"meanwhile; all reconnected and resumed in {result['storm_seconds']} s, with "
            f"every missed message in {result['storm_with_missed_seconds']} s "
            f"({result['missed_delivered']}/{result['missed_expected']} deliveries, "
            f"{result['missed_duplicated']} doubled) = {result['reconnects_per_s']}/s, "
            f"{result['server_cpu_ms_per_reconnect']} ms of server CPU each "
            f"(the generator's {result.get('loadgen_cpu_ms_per_reconnect')} ms, the whole "
            f"machine's {result.get('machine_cpu_ms_per_reconnect')} ms)"
        )
    if result.get("scenario") == "idle":
        line = (
            f"  {result['sockets']} idle sockets (deflate offered: {result['deflate']}): "
            f"RSS {result['rss_before_mib']} -> {result['rss_after_mib']} MiB = "
            f"{result['rss_per_connection_kib']} KiB per connection; connected at "
            f"{result['connects_per_s']}/s (server CPU {result['connect_cpu_pct']}%), "
            f"idle CPU {result['idle_cpu_pct']}%"
        )
        return line + (_heap_lines(result["tracemalloc"]) if "tracemalloc" in result else "")
    lines = [
        f"  {result['sockets']} sockets, connected in {result['connect_seconds']} s "
        f"({result['logins_over_http']} HTTP logins)"
    ]
    lines += [_step_line(step) for step in result["steps"]]
    if result.get("slow"):
        lines += _slow_lines(result["slow"])
    if result.get("scenario") == "ramp":
        best = result.get("best")
        lines.append(
            "  best sustained: "
            + (
                f"{best['delivered_per_s']} deliveries/s at {best['rate_target']:g} msg/s "
                f"(p99 {best['latency_ms']['p99']} ms)"
                if best
                else "none of the steps passed"
            )
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description=__doc__.split("\n\n")[0],
        epilog="See bench/README.md for the figures and what they mean.",
    )
    parser.add_argument("--stack", action="append", choices=STACKS,
                        help="sqlite (+ in-memory layer), postgres (+ Redis), or fake "
                             "(bench.fakeserver: no Django, the floor); repeatable")  # fmt: skip
    parser.add_argument("--scenario", action="append", choices=SCENARIOS,
                        help="default: all of " + ", ".join(SCENARIOS))  # fmt: skip
    parser.add_argument("--database-url", help=f"for --stack postgres (default {DEFAULT_PG})")
    parser.add_argument("--redis-url", default=DEFAULT_REDIS, help="for --stack postgres")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--users", type=int, default=2000, help="seeded users")
    parser.add_argument("--room-size", type=int, default=50, help="members per seeded room")
    parser.add_argument("--dm-pairs", type=int, default=100, help="seeded direct pairs")
    parser.add_argument("--fresh", action="store_true", help="rebuild the database")
    parser.add_argument("--rooms", type=int, default=10, help="rooms under load")
    parser.add_argument("--pairs", type=int, default=100, help="direct pairs under load")
    parser.add_argument("--rooms-rate", type=float, default=400.0,
                        help="rooms: messages/s in total (x room size = deliveries)")  # fmt: skip
    parser.add_argument("--dm-rate", type=float, default=2000.0, help="dm: messages a second")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per scenario")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds, before measuring")
    parser.add_argument("--warmup-rate", type=float, default=20.0, help="messages/s")
    parser.add_argument("--drain", type=float, default=10.0)
    parser.add_argument("--ramp-of", choices=["rooms", "dm"], default="rooms")
    parser.add_argument("--ramp-start", type=float, default=10.0, help="messages/s")
    parser.add_argument("--ramp-factor", type=float, default=1.5)
    parser.add_argument("--sockets", type=int, default=2000, help="idle sockets")
    parser.add_argument("--storm-missed", type=int, default=3,
                        help="storm: messages into each room while it is away")  # fmt: skip
    parser.add_argument("--storm-restart", action="store_true",
                        help="storm: kill the workers (needs --workers 2+) instead of closing "
                        "the sockets; reconnect once new ones serve")  # fmt: skip
    parser.add_argument("--workers", type=int, default=1,
                        help="uvicorn --workers: CPU counts them all, on every core")  # fmt: skip
    parser.add_argument("--slow-readers", type=int, default=20,
                        help="slow: room members that stop reading once resumed")  # fmt: skip
    parser.add_argument("--queue-max-messages", type=int,
                        help="slow: the server's WEBSOCKET_QUEUE_MAX_MESSAGES")  # fmt: skip
    parser.add_argument("--server-sndbuf", type=int,
                        help="SO_SNDBUF of the server's sockets (bench/wsprotocol.py)")  # fmt: skip
    parser.add_argument("--redis-prefix", default="parleybench",
                        help="the server's REDIS_PREFIX, apart from other benchmarks'")  # fmt: skip
    parser.add_argument("--no-deflate", dest="deflate", action="store_false",
                        help="clients do not offer permessage-deflate (browsers do)")  # fmt: skip
    parser.add_argument("--no-server-deflate", dest="server_deflate", action="store_false",
                        help="uvicorn --ws-per-message-deflate false")  # fmt: skip
    parser.add_argument("--ws", default=DEFAULT_WS,
                        help="uvicorn's --ws: Parley's protocol (default), auto, websockets, "
                             "websockets-sansio or wsproto")  # fmt: skip
    parser.add_argument("--send-rate", type=int, default=10_000,
                        help="SEND_RATE_PER_SECOND and SEND_RATE_BURST for the server")  # fmt: skip
    parser.add_argument("--experiment", action="append", default=[],
                        help="measure a proposed change (bench/settings.py)")  # fmt: skip
    parser.add_argument("--tracemalloc", action="store_true",
                        help="idle: the server under tracemalloc (bench/traced.py); reports "
                             "its Python heap per socket and the sites that grew")  # fmt: skip
    parser.add_argument("--tracemalloc-frames", type=int, default=10,
                        help="frames kept per allocation under --tracemalloc")  # fmt: skip
    parser.add_argument("--profile", action="store_true", help="py-spy the server")
    parser.add_argument("--profile-scenario", dest="profile_scenarios", action="append",
                        choices=SCENARIOS, help="default: rooms")  # fmt: skip
    parser.add_argument("--timeout", type=float, default=240.0, help="per scenario, seconds")
    parser.add_argument("--nice", type=int, default=-10,
                        help="niceness of server and generator (0: unchanged)")  # fmt: skip
    parser.add_argument("--quiet-wait", type=float, default=30.0,
                        help="wait up to this long for an idle machine first")  # fmt: skip
    parser.add_argument("--quiet-below", type=float, default=25.0,
                        help="idle means below this share of one core busy, in %%")  # fmt: skip
    args = parser.parse_args(argv)
    args.stack = args.stack or ["sqlite"]
    args.scenario = args.scenario or list(SCENARIOS)
    args.profile_scenarios = args.profile_scenarios or ["rooms"]
    if args.tracemalloc and args.scenario != ["idle"]:
        parser.error("--tracemalloc measures the idle scenario only: --scenario idle")
    return args


# A fixed piece of pure-Python work, timed on the server's core: how fast this machine is
# today. Machines of the same kind differ by 2-3x (bench/README.md), so figures from two
# sessions compare only through it.
CALIBRATION = """
import time
t = time.process_time()
s = 0
for i in range(10**7):
    s += i
print(time.process_time() - t)
"""


def calibrate() -> float:
    """CPU seconds for 10^7 additions in a Python loop, pinned to the server's core."""
    out = subprocess.run(  # noqa: S603 (this interpreter, a fixed program)
        [*pinned(SERVER_CORE, 0), PYTHON, "-c", CALIBRATION],
        check=True, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    return round(float(out.stdout), 3)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    VAR.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    speed = calibrate()
    print(f"machine: 10^7 Python additions in {speed} s of CPU on core {SERVER_CORE}")
    results: list[dict] = [{"calibration_s": speed}]
    for name in args.stack:
        stack = {
            "sqlite": SQLITE,
            "fake": FAKE,
            "postgres": Stack("postgres", args.database_url or DEFAULT_PG, args.redis_url),
        }[name]
        print(f"== {stack.name}: preparing {stack.database_url} ==", flush=True)
        manifest = seed(stack, args)
        for scenario in args.scenario:
            busy = wait_for_quiet(args.quiet_wait, args.quiet_below)
            results.append(run_scenario(stack, scenario, args, manifest, stamp, busy))
    summary = VAR / "results" / f"{stamp}-summary.json"
    summary.write_text(json.dumps(results, indent=2))
    print(f"\nResults: {summary}")
    return 0 if all("failed" not in r for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())

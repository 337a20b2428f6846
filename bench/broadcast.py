"""Broadcast benchmark: one broadcast to 1,000 people, and one to 100 rooms.

    .venv/bin/python -m bench.broadcast --stack postgres      # PostgreSQL + Redis
    .venv/bin/python -m bench.broadcast --stack sqlite        # SQLite + in-memory layer

Seeds its own database (parley_bench_broadcast; var/bench/broadcast.sqlite3): a sender,
1,000 friends of the sender, and 100 rooms of the sender's with 10 of them each. Starts
the benchmark's server (bench.run.Server: one uvicorn process pinned to core 0), logs
every recipient in and opens their socket (bench.loadgen's Socket and login, from this
process pinned to core 1), then sends, through POST /api/v1/broadcasts with the sender's
token:

- people (first): to the 1,000 friends, which makes the 1,000 direct conversations;
- people (again): the same, now that they exist;
- rooms: to the 100 rooms (1,000 members' sockets).

For each it reports the time until the answer (the copies are stored and committed: the
API answers after the commit, and the events are handed to the channel layer), and the
time until the last recipient's socket has its copy, and checks that every socket got
each copy exactly once.
"""

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from typing import Any

from bench.run import (
    DEFAULT_REDIS,
    DEFAULT_WS,
    LOADGEN_CORE,
    PYTHON,
    ROOT,
    VAR,
    Server,
    Stack,
    pinned,
)
from bench.run import server_env as run_server_env
from bench.seed import BENCH_PASSWORD, _drop_and_create

PEOPLE, ROOMS, ROOM_SIZE = 1000, 100, 10
PG = "postgres://postgres@127.0.0.1:5432/parley_bench_broadcast"
SQLITE = f"sqlite:///{VAR / 'broadcast-bench.sqlite3'}"
MANIFEST = VAR / "broadcast-manifest.json"


def seed() -> None:
    """In the server's environment: migrate, and make the sender, friends and rooms."""
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import transaction

    from parley.accounts.actions.tokens import check_create_api_token
    from parley.accounts.models import Friendship, User
    from parley.messaging.actions.rooms import check_create_room
    from parley.messaging.models import Conversation, Participant, RoomMember

    call_command("migrate", verbosity=0)
    encoded = make_password(BENCH_PASSWORD)
    with transaction.atomic():
        User.objects.bulk_create(
            [
                User(username=name, email=f"{name}@bench.invalid", password=encoded)
                for name in ["sender", *(f"bench{i:05d}" for i in range(PEOPLE))]
            ],
            batch_size=500,
        )
    sender = User.objects.get(username="sender")
    people = list(User.objects.exclude(pk=sender.pk).order_by("pk"))
    Friendship.objects.bulk_create(
        [Friendship(user_low=sender, user_high=p) for p in people], batch_size=500
    )
    rooms = []
    for r in range(ROOMS):
        room = check_create_room(sender, title=f"Broadcast room {r:03d}")
        chat = room.chats.get()
        members = people[r * ROOM_SIZE : (r + 1) * ROOM_SIZE]
        with transaction.atomic():
            RoomMember.objects.bulk_create([RoomMember(room=room, user=u) for u in members])
            Participant.objects.bulk_create(
                [Participant(conversation=chat, user=u) for u in members]
            )
        rooms.append(room.pk)
    if os.environ.get("BENCH_BROADCAST_DIRECT") == "made":  # the direct conversations exist
        keys = {f"{min(sender.pk, p.pk)}:{max(sender.pk, p.pk)}": p for p in people}
        with transaction.atomic():
            Conversation.objects.bulk_create(
                [Conversation(kind="direct", direct_key=key, created_by=sender) for key in keys]
            )
            made = Conversation.objects.filter(direct_key__in=list(keys))
            Participant.objects.bulk_create(
                [Participant(conversation=c, user=u) for c in made
                 for u in (sender, keys[c.direct_key or ""])]
            )  # fmt: skip
    _, token = check_create_api_token(sender, name="bench", scope="write", expires_in_days=None)
    MANIFEST.write_text(
        json.dumps({"token": token, "people": [[p.pk, p.username] for p in people], "rooms": rooms})
    )


async def measure(port: int, direct_made: bool) -> dict[str, Any]:
    """Log in and connect every recipient, then send the three broadcasts."""
    from bench.loadgen import Socket, login

    manifest = json.loads(MANIFEST.read_text())
    base = f"http://127.0.0.1:{port}"
    gate = asyncio.Semaphore(20)
    arrived: dict[str, dict[int, list[float]]] = {}  # broadcast body -> user -> times
    loop = asyncio.get_running_loop()
    sockets: list[Socket] = []

    async def connect(user_id: int, username: str) -> None:
        async with gate:
            session = await login(base, username, BENCH_PASSWORD)
            resumed = loop.create_future()

            def on_text(raw: bytes, user_id: int = user_id) -> None:
                now = time.perf_counter()
                frame = json.loads(raw)
                if frame["type"] == "error":
                    print(f"  {username}: {frame}", flush=True)
                if frame["type"] == "hello":
                    ws.send_text(json.dumps({"type": "resume", "ref": "r", "conversations": {}}))
                elif frame["type"] == "resumed" and not resumed.done():
                    resumed.set_result(None)
                elif frame["type"] == "message":
                    body = frame["message"]["body"]
                    arrived.setdefault(body, {}).setdefault(user_id, []).append(now)

            # Made before connecting: a frame may arrive before create_connection returns.
            ws = Socket(f"ws://127.0.0.1:{port}/ws/", base, f"sessionid={session}",  # type: ignore[arg-type]
                        False, on_text)  # fmt: skip
            await loop.create_connection(lambda: ws, "127.0.0.1", port)
            await asyncio.wait_for(ws.opened, 60)
            try:
                await asyncio.wait_for(resumed, 60)
            except TimeoutError:
                print(f"  {username}: no resumed after 60 s", flush=True)
                raise
            sockets.append(ws)

    started = time.monotonic()
    await asyncio.gather(*(connect(uid, name) for uid, name in manifest["people"]))
    print(f"  {len(sockets)} sockets open in {time.monotonic() - started:.1f}s", flush=True)
    everyone = {uid for uid, _ in manifest["people"]}
    results = {}
    cases = [
        (
            "people (first; conversations seeded)"
            if direct_made
            else "people (first: makes 1,000 direct conversations)",
            "people",
            everyone,
        ),
        ("people (again)", "people", everyone),
        ("rooms (100 rooms of 10)", "rooms", everyone),
    ]
    for n, (label, kind, expected) in enumerate(cases):
        body = f"Broadcast {n}"
        data: dict[str, Any] = {"client_id": f"bench-{n}", "body": body}
        if kind == "people":
            data["people"] = [uid for uid, _ in manifest["people"]]
        else:
            data["rooms"] = [{"room": r} for r in manifest["rooms"]]
        request = urllib.request.Request(  # noqa: S310 (our own loopback server)
            f"{base}/api/v1/broadcasts",
            data=json.dumps(data).encode(),
            headers={"Authorization": f"Bearer {manifest['token']}",
                     "Content-Type": "application/json"},
        )  # fmt: skip
        sent = time.perf_counter()
        answer = await asyncio.to_thread(urllib.request.urlopen, request, timeout=900)
        answered = time.perf_counter()
        copies = json.loads(answer.read())["copy_count"]
        deadline = time.monotonic() + 300
        while len(arrived.get(body, {})) < len(expected) and time.monotonic() < deadline:
            await asyncio.sleep(0.01)  # a poll of what the sockets received, bounded
        got = arrived.get(body, {})
        last = max((t for times in got.values() for t in times), default=answered)
        results[label] = {
            "copies": copies,
            "answer_ms": round((answered - sent) * 1000, 1),
            "last_socket_ms": round((last - sent) * 1000, 1),
            "sockets_with_copy": len(got),
            "expected_sockets": len(expected),
            "repeats": sum(len(times) - 1 for times in got.values()),
        }
        print(f"  {label}: {results[label]}", flush=True)
    for ws in sockets:
        await ws.close()
    return results


def commit_times() -> None:
    """In the server's environment, no server: each broadcast's check_send_broadcast,
    from the call until it returns (stored, committed, handed to the channel layer)."""
    import django

    django.setup()
    from parley.accounts.models import User
    from parley.broadcasts.actions import check_send_broadcast
    from parley.broadcasts.recipients import BroadcastRequest, RoomTarget

    manifest = json.loads(MANIFEST.read_text())
    sender = User.objects.get(username="sender")
    people = [uid for uid, _ in manifest["people"]]
    rooms = [RoomTarget(r) for r in manifest["rooms"]]
    cases: list[tuple[str, dict[str, Any]]] = [
        ("1,000 people", {"people": people}),
        ("1,000 people, again", {"people": people}),
        ("100 rooms", {"rooms": rooms}),
    ]
    for n, (label, targets) in enumerate(cases):
        started = time.perf_counter()
        result = check_send_broadcast(BroadcastRequest(sender, f"c-{n}", f"Commit {n}", **targets))
        spent = (time.perf_counter() - started) * 1000
        print(f"  {label}: {result.broadcast.copies.count()} copies, {spent:.0f} ms", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--port", type=int, default=0, help="default: a free one")
    parser.add_argument("--seed-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--commit-only", action="store_true",
        help="no server or sockets: time each broadcast's action in-process",
    )  # fmt: skip
    parser.add_argument(
        "--direct-made", action="store_true",
        help="seed the 1,000 direct conversations (else the first broadcast makes them)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if not args.port:  # other benchmarks may be running on this machine
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            args.port = probe.getsockname()[1]
    if args.seed_only:
        seed()
        if args.commit_only:
            commit_times()
        return 0
    stack = (
        Stack("postgres", PG, os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS))
        if args.stack == "postgres"
        else Stack("sqlite", SQLITE, "")
    )
    VAR.mkdir(parents=True, exist_ok=True)
    _drop_and_create(stack.database_url)
    env = run_server_env(stack, args.port, 1000)
    env["RATE_LIMITS"] += ",broadcast=1000/1000"
    if args.direct_made:
        env["BENCH_BROADCAST_DIRECT"] = "made"
    print(f"== {stack.name}: broadcast ==\n  seeding…", flush=True)
    seeding = [PYTHON, "-m", "bench.broadcast", "--seed-only"]
    if args.commit_only:
        seeding = [*pinned("0", 0), *seeding, "--commit-only"]
    subprocess.run(seeding, cwd=ROOT, env=env, check=True, timeout=1800)  # noqa: S603
    if args.commit_only:
        return 0
    server_args = argparse.Namespace(
        workers=1, tracemalloc=False, nice=0, port=args.port, server_deflate=False,
        send_rate=1000, experiment=[], queue_max_messages=None, redis_prefix="parleybench",
        server_sndbuf=0, ws=DEFAULT_WS,
    )  # fmt: skip
    os.sched_setaffinity(0, {int(LOADGEN_CORE)})
    with Server(stack, server_args, VAR / f"server-broadcast-{stack.key}.log"):
        results = asyncio.run(measure(args.port, args.direct_made))
    out = VAR / "results" / f"broadcast-{stack.key}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

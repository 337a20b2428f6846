"""The hot path without a server: what one send, one hello and one delivery cost in-process.

Run through bench.run (scenario "sendcost", pinned to the server's core) or directly with
the server's environment (DJANGO_SETTINGS_MODULE=bench.settings, DATABASE_URL, SECRET_KEY):

    python -m bench.sendcost --manifest var/bench/manifest-postgres.json

Measures, on one thread with nothing else running: check_send_message end to end (with its
SQL statement count; the channel-layer publish stubbed out), the CPU spent inside each SQL
statement's execute (driver and round trip, not the ORM compiling it), render_markdown,
conversation_list (what `hello` reads), message_event + serialise (what a publish builds),
one database round trip, and on a uvloop loop: one thread-sensitive sync_to_async hop, one
aclose_old_connections() (Channels awaits it before every handler) and one
permessage-deflate compression of a message event (uvicorn does one per socket).
"""

import argparse
import json
import secrets
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.loadgen import bodies

BODY_MARK = "@@BODY@@"


def _timed(fn: Callable[[int], Any], n: int) -> float:
    """Milliseconds of CPU (this thread) per call, over n calls after one untimed call."""
    fn(-1)
    started = time.thread_time()
    for i in range(n):
        fn(i)
    return (time.thread_time() - started) / n * 1000


def _wall(fn: Callable[[int], Any], n: int) -> float:
    """Milliseconds of wall time per call."""
    started = time.perf_counter()
    for i in range(n):
        fn(i)
    return (time.perf_counter() - started) / n * 1000


def _per_statement(connection: Any, send: Callable[[int], Any], n: int) -> dict[str, float]:
    """CPU milliseconds per send spent in each SQL statement, driver call included."""
    spent: dict[str, float] = {}

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.thread_time()
        try:
            return execute(sql, params, many, context)
        finally:
            key = " ".join(sql.split()[:3])[:48]
            spent[key] = spent.get(key, 0.0) + time.thread_time() - started

    with connection.execute_wrapper(wrapper):
        for i in range(n):
            send(2 * n + i)
    return {key: round(1000 * value / n, 3) for key, value in spent.items()}


def _delivery_costs(payload: str, n: int) -> dict[str, float]:
    """Microseconds of CPU for pieces of the per-delivery path, on a uvloop event loop."""
    import asyncio

    import uvloop
    from asgiref.sync import sync_to_async
    from channels.db import aclose_old_connections
    from websockets.extensions.permessage_deflate import PerMessageDeflate
    from websockets.frames import Frame, Opcode

    async def hops() -> tuple[float, float]:
        noop = sync_to_async(lambda: None)  # thread-sensitive, as Channels uses it
        await noop()
        started = time.process_time()
        for _ in range(n):
            await noop()
        hop = (time.process_time() - started) / n
        started = time.process_time()
        for _ in range(n):
            await aclose_old_connections()
        return hop, (time.process_time() - started) / n

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        hop, close = runner.run(hops())
    # As uvicorn's websockets-sansio server sets it up: context takeover, 12-bit windows,
    # memLevel 5; one compressor per socket, so each delivery is compressed separately.
    deflate = PerMessageDeflate(False, False, 12, 12, {"memLevel": 5})
    # Distinct messages, as a socket sees them (ids, seqs, client ids and texts differ).
    texts = bodies(n)
    frames = [Frame(Opcode.TEXT, payload.replace(BODY_MARK, texts[i]).encode()) for i in range(n)]
    started = time.process_time()
    sizes = [len(deflate.encode(frame).data) for frame in frames]
    compress = (time.process_time() - started) / n
    compressed = sum(sizes) // len(sizes)
    return {
        "thread_hop_us": round(hop * 1e6, 1),
        "aclose_old_connections_us": round(close * 1e6, 1),
        "deflate_encode_us": round(compress * 1e6, 1),
        "deflate_bytes": compressed,  # on average
    }


def measure(manifest: dict[str, Any], n: int) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from parley.accounts.models import User
    from parley.events import publish
    from parley.events.catalogue import serialise
    from parley.messaging.actions.send import check_send_message
    from parley.messaging.events import message_event
    from parley.messaging.models import Message
    from parley.messaging.rendering import render_markdown
    from parley.messaging.selectors import conversation_list

    room = manifest["rooms"][0]
    users = list(User.objects.filter(pk__in=room["members"]).order_by("pk"))
    tag = secrets.token_hex(3)
    texts = bodies(n * 4)

    def body(i: int) -> str:
        return f"{texts[i % len(texts)]} ({i})"

    def send(i: int) -> None:
        check_send_message(
            users[i % len(users)],
            client_id=f"c{tag}n{i}",
            body=body(i),
            conversation_id=room["conversation"],
        )

    # Publishing is left out: here, outside the server, async_to_sync would start a new
    # event loop for every group_send, which the server does not do.
    publish._send = lambda groups, message: None

    with CaptureQueriesContext(connection) as queries:
        send(10**6)
    statements = [q["sql"] for q in queries.captured_queries]
    result: dict[str, Any] = {
        "vendor": connection.vendor,
        "send_cpu_ms": round(_timed(send, n), 3),
        "send_wall_ms": round(_wall(lambda i: send(n + i), n), 3),
        "send_statements": len(statements),
        "statements": [s[:120] for s in statements],
        "render_markdown_ms": round(_timed(lambda i: render_markdown(body(i)), n), 3),
        "conversation_list_ms": round(_timed(lambda i: conversation_list(users[0]), n), 3),
    }
    message = Message.objects.select_related("sender").filter(sender=users[0]).last()
    assert message is not None
    result["message_event_serialise_ms"] = round(
        _timed(lambda i: serialise(message_event(message)), n), 4
    )
    result["message_bytes"] = len(serialise(message_event(message)).encode())

    def round_trip(i: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")

    result["select_1_ms"] = round(_timed(round_trip, n), 3)
    template = message_event(message)
    template.message["body"] = BODY_MARK
    template.message["html"] = f"<p>{BODY_MARK}</p>"
    result.update(_delivery_costs(serialise(template), n * 10))
    result["sends_per_s_if_serial"] = round(1000 / result["send_wall_ms"], 1)
    result["statement_cpu_ms"] = _per_statement(connection, send, n)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--manifest", type=Path, required=True)
    parser.add_argument("-n", type=int, default=300, help="calls per measurement")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    result = measure(json.loads(args.manifest.read_text()), args.n)
    text = json.dumps(result, indent=2)
    if args.out:
        args.out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Two server processes sharing one Redis and one database: each sees the other's messages.

Runs whenever REDIS_URL is set (CI's PostgreSQL + Redis pass); with the in-memory layer
there is nothing to share between processes, so it is skipped there, saying why.
"""

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from websockets.asyncio.client import connect

from parley.core.testing.clients import client_for

ROOT = Path(__file__).resolve().parents[3]

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL: processes share Redis"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _database_url() -> str:
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
            raise RuntimeError(f"server on {port} exited: {process.stdout.read().decode()}")  # type: ignore[union-attr]
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)  # polling for readiness, not synchronising the test
    raise RuntimeError(f"server on {port} did not start")


@pytest.fixture
def servers() -> Iterator[list[int]]:
    """Two uvicorn processes on the test database and the configured Redis."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "REDIS_PREFIX": settings.REDIS_PREFIX,
    }
    ports = [_free_port(), _free_port()]
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "config.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--lifespan",
                "off",
                "--log-level",
                "warning",
            ],
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


async def _receive(ws, kind: str) -> dict:
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
        if frame["type"] == kind:
            return frame


def test_a_client_on_each_process_sees_the_others_messages(servers, alice, bob):
    from parley.messaging.actions.rooms import create_room, join_room

    room = create_room(alice, title="Across")
    join_room(bob, room)
    chat = room.chats.get()
    cookies = {
        user.username: client_for(user).cookies[settings.SESSION_COOKIE_NAME].value
        for user in (alice, bob)
    }

    async def scenario() -> tuple[dict, dict, dict]:
        def ws(port: int, username: str):
            return connect(
                f"ws://127.0.0.1:{port}/ws/",
                origin="http://testserver",  # type: ignore[arg-type]
                additional_headers={
                    "Cookie": f"{settings.SESSION_COOKIE_NAME}={cookies[username]}"
                },
            )

        async with ws(servers[0], "alice") as a, ws(servers[1], "bob") as b:
            await _receive(a, "hello")
            await _receive(b, "hello")
            await a.send(json.dumps({"type": "send", "conversation": chat.pk,
                                     "client_id": "x1", "body": "from process one"}))  # fmt: skip
            ack = await _receive(a, "ack")
            at_bob = await _receive(b, "message")
            await b.send(json.dumps({"type": "send", "conversation": chat.pk,
                                     "client_id": "y1", "body": "from process two"}))  # fmt: skip
            at_alice = await _receive(a, "message")
            if at_alice["seq"] == 1:  # alice's own message, echoed to her sockets
                at_alice = await _receive(a, "message")
            return ack, at_bob, at_alice

    ack, at_bob, at_alice = asyncio.run(scenario())

    assert (ack["seq"], at_bob["seq"]) == (1, 1)
    assert at_bob["message"]["body"] == "from process one"
    assert (at_alice["seq"], at_alice["message"]["body"]) == (2, "from process two")


def test_a_socket_idle_for_over_a_minute_still_receives(servers, alice, bob):
    """Redis clients whose socket timeout races the layer's blocking read drop idle
    receivers after a few seconds; the wait here is the scenario, not a synchronisation."""
    from parley.messaging.actions.rooms import create_room, join_room

    room = create_room(alice, title="Quiet")
    join_room(bob, room)
    chat = room.chats.get()
    cookie = client_for(bob).cookies[settings.SESSION_COOKIE_NAME].value

    async def scenario() -> dict:
        async with connect(
            f"ws://127.0.0.1:{servers[1]}/ws/",
            origin="http://testserver",  # type: ignore[arg-type]
            additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"},
        ) as b:
            await _receive(b, "hello")
            await asyncio.sleep(65)
            await asyncio.to_thread(_send_from_alice)
            return await _receive(b, "message")

    def _send_from_alice() -> None:
        from parley.messaging.actions.send import check_send_message

        check_send_message(alice, conversation_id=chat.pk, client_id="late", body="still there?")
        connection.close()

    received = asyncio.run(scenario())

    assert (received["seq"], received["message"]["body"]) == (1, "still there?")

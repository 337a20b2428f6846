"""What the call tests share: conversations to call in, and reading a socket's frames."""

import math
from typing import Any

import pytest
from channels.db import database_sync_to_async

from parley.core.testing.jobs import run_due_jobs
from parley.core.testing.sockets import Socket
from parley.messaging.actions.direct import do_create_direct_conversation
from parley.messaging.actions.groups import do_create_group
from parley.messaging.models import Conversation
from parley.realtime import calls as realtime_calls


def direct(a: Any, b: Any) -> Conversation:
    return do_create_direct_conversation(a, b)


def group(actor: Any, *others: Any) -> Conversation:
    return do_create_group(actor, list(others), "Trio")


async def next_of(socket: Socket, kind: str) -> dict[str, Any]:
    """The next frame of type `kind` (skipping the others)."""
    return (await socket.receive_until(kind))[-1]


async def start(socket: Socket, conversation_id: int, kind: str = "video") -> dict[str, Any]:
    reply = await socket.request(type="call.start", conversation=conversation_id, kind=kind)
    assert reply["type"] == "call.session", reply
    return reply


async def join(socket: Socket, call_id: int) -> dict[str, Any]:
    reply = await socket.request(type="call.join", call=call_id)
    assert reply["type"] == "call.session", reply
    return reply


async def jobs_due() -> None:
    """Run the jobs that are due (the clock moved), as a worker would."""
    await database_sync_to_async(run_due_jobs)()


async def gather(socket: Socket, *kinds: str) -> dict[str, dict[str, Any]]:
    """Frames until one of each of `kinds` came, in whatever order: the last of each."""
    seen: dict[str, dict[str, Any]] = {}
    while set(kinds) - set(seen):
        frame = await socket.receive()
        seen[frame["type"]] = frame
    return {kind: seen[kind] for kind in kinds}


async def drain(socket: Socket) -> list[dict[str, Any]]:
    """Every frame waiting now (a bounded check, as Socket.nothing_more)."""
    frames = []
    while not await socket.nothing_more():
        frames.append(await socket.receive_frame())
    return frames


SIGNALS = frozenset({"call.offer", "call.answer", "call.candidate"})


async def signals_waiting(socket: Socket) -> list[dict[str, Any]]:
    """The signalling frames waiting on `socket` now."""
    return [frame for frame in await drain(socket) if frame["type"] in SIGNALS]


@pytest.fixture(autouse=True)
def _no_background_sweep(monkeypatch: pytest.MonkeyPatch) -> None:
    """The serving process's periodic call sweep stays out of the way of tests that move
    the clock (they call it themselves when it is what they test)."""
    monkeypatch.setattr(realtime_calls, "_last_sweep", math.inf)

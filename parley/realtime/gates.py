"""Per-event-loop gates that bound how many sockets open or close at once.

`gate("open")` is held from the handshake to hello, `gate("close")` through a socket's
clean-up; each lets WEBSOCKET_CONNECTS_AT_ONCE sockets through, read when the loop first
asks for that gate. Thousands at once would crowd the loop and queue for Redis's
connections past its timeout, which would then look like Redis gone; so under a reconnect
storm the rest wait, unanswered. A loop's gates go with the loop.
"""

import asyncio
from typing import Literal

from django.conf import settings

from parley.core.per_loop import PerLoop

Gate = Literal["open", "close"]

_gates: PerLoop[dict[Gate, asyncio.Semaphore]] = PerLoop(dict)


def gate(kind: Gate) -> asyncio.Semaphore:
    """This event loop's gate for sockets opening ("open") or closing ("close")."""
    gates = _gates.get()
    semaphore = gates.get(kind)
    if semaphore is None:
        semaphore = gates[kind] = asyncio.Semaphore(settings.WEBSOCKET_CONNECTS_AT_ONCE)
    return semaphore

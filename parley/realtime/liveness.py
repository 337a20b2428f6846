"""Typing and presence for a socket: cheap, never persisted per keystroke, shed first.

ParleyConsumer mixes this in and calls the hooks below; everything about typing and
presence lives behind them.
"""

from typing import Any

# Client frame types handled here rather than by parley.realtime.protocol.
FRAMES = frozenset({"typing", "presence"})


class LivenessMixin:
    async def liveness_connected(self) -> dict[str, Any]:
        """After the socket joined its groups: returns extra keys for the hello frame."""
        return {}

    async def liveness_disconnected(self) -> None:
        """When the socket closes."""

    async def liveness_heartbeat(self) -> None:
        """On every ping from the client."""

    async def liveness_frame(self, data: dict[str, Any]) -> None:
        """A "typing" or "presence" frame (already size/JSON/depth checked)."""

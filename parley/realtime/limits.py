"""What one socket may do: frame rate limits, refused frames, sockets and connections.

Every limit is a setting (README, "Limits"); what a client sees at each is in
docs/protocol.md:
- a frame over its action's rate limit gets an error event `rate_limited` with
  `retry_after` (seconds), and changes nothing;
- a socket that sends WEBSOCKET_MAX_BAD_FRAMES refused frames (malformed, unknown, not
  allowed; not those over a rate limit) within WEBSOCKET_BAD_FRAMES_WINDOW seconds is
  closed with 1008;
- a user with WEBSOCKET_MAX_SOCKETS_PER_USER sockets open is refused another (4409);
- an address opening sockets faster than RATE_LIMITS["connect_ip"] is refused (4429).
"""

import logging
import time
from typing import Any

from django.conf import settings

from parley.core.ratelimit import acheck_rate

logger = logging.getLogger(__name__)

CLOSE_POLICY = 1008  # too many refused frames
CLOSE_TRY_AGAIN = 1013  # the database or Redis is briefly away: reconnect
CLOSE_ORIGIN_REFUSED = 4403  # the page's origin is not in WEBSOCKET_ALLOWED_ORIGINS
CLOSE_TOO_MANY_SOCKETS = 4409
CLOSE_RATE_LIMITED = 4429

# The rate limit (settings.RATE_LIMITS) each frame type spends; sends are limited in
# their batch (parley/messaging/actions/send.py), pings not at all.
FRAME_LIMITS = {
    "edit": "edit",
    "delete": "delete",
    "react": "react",
    "move": "move",
    "read": "read",
    "history": "history",
    "resume": "history",
    "typing": "typing",
    "presence": "typing",
    "call.start": "call",
    "call.join": "call",
    "call.leave": "call",
    "call.decline": "call",
    "call.ice_servers": "call",
}


async def check_frame_rate(kind: Any, user_id: int) -> None:
    """Take a token for a frame of type `kind`, or raise ParleyError(rate_limited)."""
    action = FRAME_LIMITS.get(kind) if isinstance(kind, str) else None
    if action is not None:
        await acheck_rate(action, user_id)


class RefusedFrames:
    """Counts a socket's refused frames in a fixed window: two numbers per socket."""

    __slots__ = ("count", "since")

    def __init__(self) -> None:
        self.count = 0
        self.since = 0.0

    def refused(self, now: float | None = None) -> bool:
        """Count one; True once the socket is over the limit and must be closed."""
        now = time.monotonic() if now is None else now
        if now - self.since > settings.WEBSOCKET_BAD_FRAMES_WINDOW:
            self.count, self.since = 0, now
        self.count += 1
        limit: int = settings.WEBSOCKET_MAX_BAD_FRAMES
        return self.count > limit

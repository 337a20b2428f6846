"""Whether a user is connected and active right now, for the channels that must not
notify someone looking at Parley (email, push).

The presence records belong to the WebSocket transport (parley.realtime.presence), which
sits above this app; it registers its reader here when the app starts
(set_presence_source, called from RealtimeConfig.ready), as parley.events does for local
delivery. Until then, or if none is registered, everyone is offline.

With REDIS_URL every process, workers included, reads the same records. Without Redis the
records live in each web process's memory: a worker process sees nobody connected, so the
missed-message email then relies on the read markers alone (README, Email).
"""

from collections.abc import Callable
from typing import Literal

Status = Literal["online", "away", "offline"]
PresenceSource = Callable[[list[int]], dict[int, Status]]

_source: PresenceSource | None = None


def set_presence_source(source: PresenceSource | None) -> None:
    """Register the reader of presence: user ids → status of those not offline."""
    global _source
    _source = source


def statuses(user_ids: list[int]) -> dict[int, Status]:
    """Each user's status: "online" (a socket active: input in the last minutes, tab
    shown), "away" (sockets, all idle or hidden), "offline" (none). Synchronous; call
    from a worker or a thread, not from an event loop."""
    found = _source(user_ids) if _source is not None and user_ids else {}
    return {user_id: found.get(user_id, "offline") for user_id in user_ids}


def active_anywhere(user_id: int) -> bool:
    """Whether the user has an active socket on any device: someone who is reading Parley
    now (a tab shown and used lately). Push and email skip such a user.

    Parley's protocol does not say which conversation a socket shows, so "reading a
    conversation on another device" is approximated by "active on any device"; the
    client's own desktop notification covers a hidden tab."""
    return statuses([user_id])[user_id] == "online"

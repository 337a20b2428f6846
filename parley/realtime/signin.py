"""Who may hold a socket, and until when: the sign-in checks around a socket's life.

The handshake has signed the user in (parley/realtime/asgi.py). Before the socket is
accepted, `refusal` says why it may not open: its address opens sockets too fast
(RATE_LIMITS["connect_ip"]) or its user has WEBSOCKET_MAX_SOCKETS_PER_USER open (both
asked of the presence store in one round trip). Once
open, the socket listens for its user's sessions ending (`ended`). Each refusal and end
comes with the close code the client sees (docs/protocol.md).
"""

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from django.conf import settings

from parley.core.addresses import scope_address
from parley.core.errors import ErrorCode, ParleyError
from parley.core.ratelimit import acheck_rate, rate_limited
from parley.events import frames
from parley.events.groups import session_tag, token_tag
from parley.realtime.limits import CLOSE_RATE_LIMITED, CLOSE_TOO_MANY_SOCKETS
from parley.realtime.presence import Admission, Rate

logger = logging.getLogger("parley.realtime.consumer")  # one logger for a socket's whole life

CLOSE_UNAUTHENTICATED = 4401  # not signed in, or every session but another ended
CLOSE_SESSION_ENDED = 4001  # this login was logged out


async def refusal(
    scope: Mapping[str, Any],
    user: Any,
    admit: Callable[[int, Rate], Awaitable[Admission | None]],
) -> tuple[ParleyError, int] | None:
    """Why this socket of `user` may not open, with the close code; None if it may.

    `admit(limit, rate)` takes a token for the address's rate and then counts the socket
    among the user's open ones unless `limit` are open already, in one round trip, as
    LivenessMixin.liveness_admit does; a store that failed answers None, and the rate is
    then taken on its own."""
    address = scope_address(scope) or "unknown"
    limit = settings.WEBSOCKET_MAX_SOCKETS_PER_USER
    admission = await admit(limit, ("connect_ip", address))
    try:
        if admission is None:
            await acheck_rate("connect_ip", address)
        elif admission.retry_after:
            raise rate_limited("connect_ip", admission.retry_after)
    except ParleyError as error:
        logger.info("socket refused for user %s: %s", user.pk, error.message)
        return error, CLOSE_RATE_LIMITED
    if admission is not None and not admission.admitted:
        logger.info("socket refused for user %s: %d open", user.pk, admission.open)
        message = f"You have {limit} connections open; close one (another tab) first."
        return ParleyError(ErrorCode.CONFLICT, message, limit=limit), CLOSE_TOO_MANY_SOCKETS
    return None


def tag_of(scope: Mapping[str, Any]) -> str | None:
    """The tag by which sessions-ended events name the socket's sign-in, if any: its API
    token (revoked: closed) or its login session (logged out: closed)."""
    if scope.get("token_key"):
        return token_tag(scope["token_key"])
    session = scope.get("session")
    return session_tag(session.session_key) if session and session.session_key else None


# What a socket signed in with a read-only API token may not do: anything that changes
# something or tells others something.
_WRITES = (
    frames.Send,
    frames.Edit,
    frames.Delete,
    frames.React,
    frames.Move,
    frames.Read,
    frames.Typing,
    frames.Presence,
)


def check_may_send(scope: Mapping[str, Any], frame: frames.ClientFrame) -> None:
    """Refuse (forbidden) a frame that writes on a socket of a read-only token."""
    if scope.get("read_only") and isinstance(frame, _WRITES):
        raise ParleyError(ErrorCode.FORBIDDEN, "This token may only read.")


def ended(event: Mapping[str, Any], tag: str | None) -> tuple[int | None, str | None]:
    """What a "parley.session_ended" event means for a socket signed in by session `tag`:
    the code to close it with (None: it stays open), and its tag from now on.

    The event names one session (a logout: 4001 for that session's sockets only), or
    every one but `keep` (a password change or reset, log out everywhere, deactivation:
    4401), and the kept session goes by `kept_as` from then on."""
    if "session" in event:
        return (CLOSE_SESSION_ENDED if event["session"] == tag else None), tag
    if tag is not None and event["keep"] == tag:
        return None, event["kept_as"] or tag
    return CLOSE_UNAUTHENTICATED, tag

"""The sign-in checks around a socket's life, called directly: who may open one, and
which sessions-ended events close it."""

import pytest

from parley.core.errors import ErrorCode
from parley.realtime.limits import CLOSE_RATE_LIMITED, CLOSE_TOO_MANY_SOCKETS
from parley.realtime.signin import CLOSE_SESSION_ENDED, CLOSE_UNAUTHENTICATED, ended, refusal


class User:
    pk = 3


class Sockets:
    """The user's open sockets as admit() counts them (LivenessMixin.liveness_admit)."""

    def __init__(self, open_now: int) -> None:
        self.open_now = open_now
        self.asked: list[int] = []

    async def admit(self, limit: int) -> int | None:
        self.asked.append(limit)
        if self.open_now >= limit:
            return self.open_now
        self.open_now += 1
        return None


def scope(address: str) -> dict[str, object]:
    return {"client": (address, 50000), "headers": []}


async def test_a_socket_within_the_limits_opens_and_is_counted(settings):
    settings.WEBSOCKET_MAX_SOCKETS_PER_USER = 2
    sockets = Sockets(open_now=1)
    assert await refusal(scope("192.0.2.1"), User(), sockets.admit) is None
    assert (sockets.asked, sockets.open_now) == ([2], 2)


async def test_a_user_with_the_most_sockets_open_is_refused_with_the_limit(settings):
    settings.WEBSOCKET_MAX_SOCKETS_PER_USER = 2
    refused = await refusal(scope("192.0.2.2"), User(), Sockets(open_now=2).admit)
    assert refused is not None
    error, code = refused
    assert (error.code, error.details, code) == (
        ErrorCode.CONFLICT,
        {"limit": 2},
        CLOSE_TOO_MANY_SOCKETS,
    )


async def test_an_address_opening_sockets_too_fast_is_refused_before_counting(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "connect_ip": (0.001, 2)}
    sockets = Sockets(open_now=0)
    results = [await refusal(scope("192.0.2.3"), User(), sockets.admit) for _ in range(3)]
    assert results[:2] == [None, None]
    assert results[2] is not None
    error, code = results[2]
    assert (error.code, code) == (ErrorCode.RATE_LIMITED, CLOSE_RATE_LIMITED)
    assert sockets.asked == [settings.WEBSOCKET_MAX_SOCKETS_PER_USER] * 2  # not the third
    other = await refusal(scope("192.0.2.4"), User(), sockets.admit)  # another address
    assert other is None


@pytest.mark.parametrize(
    ("event", "tag", "result"),
    [
        # a logout: only that session's sockets close
        ({"session": "s1"}, "s1", (CLOSE_SESSION_ENDED, "s1")),
        ({"session": "s2"}, "s1", (None, "s1")),
        # every session but one (a password change): the kept one goes by its new key
        ({"keep": "s1", "kept_as": "s9"}, "s1", (None, "s9")),
        ({"keep": "s1", "kept_as": None}, "s1", (None, "s1")),
        ({"keep": "s2", "kept_as": "s9"}, "s1", (CLOSE_UNAUTHENTICATED, "s1")),
        # every session (deactivation, log out everywhere)
        ({"keep": None, "kept_as": None}, "s1", (CLOSE_UNAUTHENTICATED, "s1")),
        # a socket signed in without a session of its own ends with every session
        ({"keep": None, "kept_as": None}, None, (CLOSE_UNAUTHENTICATED, None)),
        ({"session": "s1"}, None, (None, None)),
    ],
)
def test_which_sessions_ended_events_close_a_socket(event, tag, result):
    assert ended(event, tag) == result

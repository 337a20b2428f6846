"""What a socket reads from the database, each call in the read pool
(parley/realtime/threads.py), one trip each; the reads of every connect (`membership`,
`state`) and of every resume (`after`, `missed`) share their trip with the sockets doing
the same meanwhile (`coalescing`).

The sign-in and connect state (`membership`, `state`), the repair of a stream
(`missed`, `after`, `last_seq`, `member_of`, `conversation_summaries`) and the
history a client pages through. Each is awaitable and trusts its caller: the socket's user
is signed in, and any permission the read needs is checked inside it.
"""

from collections.abc import Mapping
from typing import Any, TypeAlias

from cachetools import TTLCache

from parley.accounts.sessions import credentials_match
from parley.accounts.tokens import token_still_valid
from parley.calls.selectors import calls_ringing_for
from parley.core.per_loop import PerLoop
from parley.events import catalogue
from parley.events.catalogue import CallData
from parley.messaging.selectors import (
    conversation_last_seq,
    conversation_lists,
    conversation_summaries,
    history,
    member_conversations,
    member_conversations_signed_in,
    member_of,
    participants_among,
    streams_after,
)
from parley.realtime import presence
from parley.realtime.threads import coalescing, reading


async def membership(user: Any, scope: Mapping[str, Any]) -> list[int] | None:
    """The user's conversations, or None if the way the socket signed in (its login
    session, or its API token) no longer signs them in. For a login session, one query
    reads both, for every socket that connects meanwhile."""
    token_key, session = scope.get("token_key"), scope.get("session")
    if token_key is not None:
        return await _token_membership(user, token_key)
    if session is None or not session.session_key:
        return await _member_conversations(user)
    return await _session_membership((user.pk, session))


@reading
def _token_membership(user: Any, token_key: str) -> list[int] | None:
    return member_conversations(user) if token_still_valid(token_key, user.pk) else None


_member_conversations = reading(member_conversations)


@coalescing
def _session_membership(sockets: list[tuple[int, Any]]) -> list[list[int] | None]:
    found = member_conversations_signed_in([user_id for user_id, _ in sockets])
    memberships: list[list[int] | None] = []
    for user_id, session in sockets:
        credentials, conversations = found.get(user_id, (None, []))
        signed_in = credentials is not None and credentials_match(user_id, *credentials, session)
        memberships.append(conversations if signed_in else None)
    return memberships


State = tuple[list[dict[str, Any]], presence.Reach, list[CallData]]


async def state(user: Any) -> State:
    """What hello tells: the user's conversations, and whose presence they hear and where
    theirs goes; and the calls ringing for them (rung right after hello), in one trip to
    the read pool shared with every socket connecting meanwhile."""
    return await _states(user)


def _read_states(users: list[Any]) -> list[State]:
    lists = conversation_lists(users)
    reaches = presence.reaches(
        {
            user_id: [(s["id"], s["room"]["id"] if s["room"] else None) for s in summaries]
            for user_id, summaries in lists.items()
        }
    )
    ringing = calls_ringing_for([user.pk for user in users])
    return [(lists[user.pk], reaches[user.pk], ringing[user.pk]) for user in users]


# A user's sockets that connect together (tabs, devices) share one state: nothing changes it.
_states = coalescing(_read_states, key=lambda user: user.pk)


Stream = list[tuple[int, catalogue.SequencedEvent]]


async def missed(
    user_id: int, conversation_id: int, after: int, until: int | None
) -> Stream | None:
    """stream_after for a socket of `user_id`; None if they are not in the conversation.
    Shared, like `after`, with the sockets that ask meanwhile."""
    return await _missed((user_id, conversation_id, after, until))


RECENT_STREAM_SECONDS = 30
RECENT_STREAM_EVENTS = 2_000  # kept at most, over all streams: bounds the memory
RECENT_STREAM_LONGEST = 50  # a longer stream is not kept (rare: a long absence)
_Recent: TypeAlias = "TTLCache[tuple[int, int, int], Stream]"
# Per event loop (one per process; each test has its own, over its own database).
_recent_streams: PerLoop[_Recent] = PerLoop(
    lambda: TTLCache(maxsize=RECENT_STREAM_EVENTS, ttl=RECENT_STREAM_SECONDS, getsizeof=_events)
)


async def after(conversation_id: int, seq: int, until: int) -> Stream:
    """stream_after up to `until`, the seq hello gave the socket (what came later reaches
    it live), for a resume that hello's state has checked. After a restart a room's
    members resume it over the same range: read once, from a batch shared with the
    sockets resuming meanwhile, or from the streams this loop read in the last
    RECENT_STREAM_SECONDS. Each message is as it was when read, as if it had come live
    then; a later change has a later seq, so comes after it (what has no seq, such as
    its sender's display name, may be that much older)."""
    key = (conversation_id, seq, until)
    recent = _recent_streams.get()
    stream = recent.get(key)
    if stream is None:
        stream = await _after(key)
        if len(stream) <= RECENT_STREAM_LONGEST:
            recent[key] = stream
    return stream


def _events(stream: Stream) -> int:
    return len(stream) + 1  # an empty stream takes room too


def _read_missed(wanted: list[tuple[int, int, int, int | None]]) -> list[Stream | None]:
    pairs = [(user_id, conversation_id) for user_id, conversation_id, *_ in wanted]
    members = participants_among(pairs)
    keys = list(dict.fromkeys(key[1:] for key in wanted if key[:2] in members))
    streams = dict(zip(keys, streams_after(keys), strict=True))
    return [streams[key[1:]] if key[:2] in members else None for key in wanted]


_after = coalescing(streams_after, key=lambda key: key)  # equal ranges read once
_missed = coalescing(_read_missed, key=lambda key: key)
page = reading(history)
last_seq = reading(conversation_last_seq)
summaries_of = reading(conversation_summaries)
still_member_of = reading(member_of)

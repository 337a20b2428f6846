"""What a socket reads from the database, each call in the read pool
(parley/realtime/threads.py), one trip each.

The sign-in and connect state (`membership`, `state`), the repair of a stream
(`missed`, `stream_after`, `last_seq`, `member_of`, `conversation_summaries`) and the
history a client pages through. Each is awaitable and trusts its caller: the socket's user
is signed in, and any permission the read needs is checked inside it.
"""

from collections.abc import Mapping
from typing import Any

from parley.accounts.sessions import credentials_match
from parley.accounts.tokens import token_still_valid
from parley.calls.selectors import calls_ringing_for
from parley.events import catalogue
from parley.events.catalogue import CallData
from parley.messaging.selectors import (
    conversation_last_seq,
    conversation_list,
    conversation_summaries,
    history,
    is_participant,
    member_conversations,
    member_conversations_signed_in,
    member_of,
    stream_after,
)
from parley.realtime import presence
from parley.realtime.threads import reading


@reading
def membership(user: Any, scope: Mapping[str, Any]) -> list[int] | None:
    """The user's conversations, or None if the way the socket signed in (its login
    session, or its API token) no longer signs them in. For a login session, one query
    reads both."""
    token_key, session = scope.get("token_key"), scope.get("session")
    if token_key is not None:
        return member_conversations(user) if token_still_valid(token_key, user.pk) else None
    if session is None or not session.session_key:
        return member_conversations(user)
    credentials, conversations = member_conversations_signed_in(user.pk)
    if credentials is None or not credentials_match(user.pk, *credentials, session):
        return None
    return conversations


@reading
def state(user: Any) -> tuple[list[dict[str, Any]], presence.Reach, list[CallData]]:
    """What hello tells: the user's conversations, and whose presence they hear and where
    theirs goes; and the calls ringing for them (rung right after hello), in the same
    trip to the read pool."""
    summaries = conversation_list(user)
    places = [(s["id"], s["room"]["id"] if s["room"] else None) for s in summaries]
    return summaries, presence.reach(user.pk, places), calls_ringing_for(user.pk)


@reading
def missed(
    user_id: int, conversation_id: int, after: int, until: int | None
) -> list[tuple[int, catalogue.SequencedEvent]] | None:
    """stream_after for a socket of `user_id`; None if they are not in the conversation."""
    if not is_participant(user_id, conversation_id):
        return None
    return stream_after(conversation_id, after, until)


page = reading(history)
after = reading(stream_after)
last_seq = reading(conversation_last_seq)
summaries_of = reading(conversation_summaries)
still_member_of = reading(member_of)

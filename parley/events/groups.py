"""Names of channel-layer groups.

Every socket of a user joins `user.<id>` and `conversation.<id>` for each conversation the
user is in. Events about one login session (its end, at logout) go to the user's group
carrying session_tag(key), which each socket compares with its own: a group per session
would cost every idle socket a subscription of its own.
"""

import hashlib


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def conversation_group(conversation_id: int) -> str:
    return f"conversation.{conversation_id}"


def session_tag(session_key: str) -> str:
    """A login session's name in events: a hash, so the key itself never travels."""
    return hashlib.sha256(session_key.encode()).hexdigest()[:40]


def token_tag(token_key: str) -> str:
    """An API token's name in events, as session_tag names a login session: the sockets
    opened with the token carry it, and its revocation names it."""
    return session_tag(f"token:{token_key}")

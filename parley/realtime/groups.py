"""Names of channel-layer groups.

Every socket of a user joins `user.<id>`, `session.<hash>` for its login session, and
`conversation.<id>` for each conversation the user is in.
"""

import hashlib


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def conversation_group(conversation_id: int) -> str:
    return f"conversation.{conversation_id}"


def session_group(session_key: str) -> str:
    return "session." + hashlib.sha256(session_key.encode()).hexdigest()[:40]

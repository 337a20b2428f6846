"""Events to a user's sockets that the sockets act on themselves rather than forward:
which login sessions ended, and whose typing and presence they must no longer hear.

They travel like every other event, through the one sender in parley/realtime/publish.py
(these belong beside its end_session, and move there once that file's current rework
is merged).
"""

from django.db import transaction

from parley.realtime.groups import session_tag, user_group
from parley.realtime.publish import _send


def end_sessions(user_id: int, keep: str | None, kept_as: str | None) -> None:
    """Close every socket of the user except those of login session `keep` (None: every
    one), which from now on goes by `kept_as` (Django gives a kept session a new key)."""
    message = {
        "type": "parley.session_ended",
        "keep": session_tag(keep) if keep else None,
        "kept_as": session_tag(kept_as) if keep and kept_as else None,
    }
    _send([user_group(user_id)], message)


def publish_hidden(user_id: int, other_id: int, hidden: bool) -> None:
    """After commit, tell `user_id`'s sockets whether `other_id`'s typing and presence are
    now hidden from them (a block between the two, either way) or no longer."""
    message = {"type": "parley.hidden", "user": other_id, "hidden": hidden}
    transaction.on_commit(lambda: _send([user_group(user_id)], message))

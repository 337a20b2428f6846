"""One hook for the end of users' access to conversations, below the apps.

Every action that ends it calls `end_access` inside its transaction, before its rows go:
parley.messaging when users leave a room or are removed from it, or the room is deleted
(parley/messaging/actions/_membership.py, end_membership); parley.accounts when a block
closes a direct conversation and when an account is deactivated. What depends on access
ends with it, in the same transaction: parley.calls takes the users out of the calls
there and stops their ringing (parley/calls/actions/removed.py connects to the signal).
The apps that end access need not know which others depend on it.
"""

from collections.abc import Iterable
from typing import Literal

from django.dispatch import Signal

# Why the access ended: no longer a member, a block in a direct conversation, the
# account deactivated.
AccessEndReason = Literal["removed", "blocked", "deactivated"]

# Sent with user_ids (list[int]), conversations (list[int] | None: every conversation),
# peer (int | None: only the direct conversations with this user) and reason.
access_ended = Signal()


def end_access(
    user_ids: Iterable[int],
    reason: AccessEndReason,
    *,
    conversations: Iterable[int] | None = None,
    peer: int | None = None,
) -> None:
    """Inside the transaction that ends it: `user_ids` lose access to `conversations`
    (None: to all of them; with `peer`: to their direct conversations with `peer`)."""
    ids = sorted(set(user_ids))
    if not ids:
        return
    access_ended.send(
        sender=None,
        user_ids=ids,
        conversations=None if conversations is None else sorted(set(conversations)),
        peer=peer,
        reason=reason,
    )

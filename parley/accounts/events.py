"""The real-time events about accounts and friends, as clients receive them.

Every event is listed in docs/protocol.md; keep the two in step.
"""

from typing import Any

from parley.accounts.models import FriendRequest, User


def user_summary(user: User) -> dict[str, Any]:
    return summary_of(user.pk, user.username, user.display_name, user.avatar_small.name)


def summary_of(
    user_id: int, username: str, display_name: str, avatar_small: str | None
) -> dict[str, Any]:
    """A user's summary from their columns (avatar_small: the stored file's name), for
    reads of many users as values."""
    storage = User._meta.get_field("avatar_small").storage
    return {
        "id": user_id,
        "username": username,
        "name": display_name or username,
        "avatar": storage.url(avatar_small) if avatar_small else None,
    }


def friend_request_event(kind: str, request: FriendRequest) -> dict[str, Any]:
    """friend.request_received, friend.request_cancelled, friend.request_declined."""
    return {
        "type": f"friend.{kind}",
        "request": {
            "id": request.pk,
            "from": user_summary(request.from_user),
            "to": user_summary(request.to_user),
        },
    }


def friend_added_event(friend: User) -> dict[str, Any]:
    return {"type": "friend.added", "user": user_summary(friend)}


def friend_removed_event(former_friend: User) -> dict[str, Any]:
    return {"type": "friend.removed", "user": user_summary(former_friend)}

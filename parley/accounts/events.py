"""The real-time events about accounts and friends, as clients receive them.

Every event is listed in docs/protocol.md; keep the two in step.
"""

from typing import Any

from parley.accounts.models import FriendRequest, User


def user_summary(user: User) -> dict[str, Any]:
    return {
        "id": user.pk,
        "username": user.username,
        "name": user.name,
        "avatar": user.avatar_small.url if user.avatar_small else None,
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

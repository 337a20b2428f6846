"""The real-time events about accounts and friends, built from the models.

Their types are in parley.events.catalogue (and their prose in docs/protocol.md).
"""

from typing import Literal

from parley.accounts.models import FriendRequest, User
from parley.events import catalogue


def user_summary(user: User) -> catalogue.UserSummary:
    return summary_of(
        user.pk, user.username, user.display_name, user.avatar_small.name, user.is_bot
    )


def summary_of(
    user_id: int, username: str, display_name: str, avatar_small: str | None, is_bot: bool
) -> catalogue.UserSummary:
    """A user's summary from their columns (avatar_small: the stored file's name), for
    reads of many users as values."""
    storage = User._meta.get_field("avatar_small").storage
    return {
        "id": user_id,
        "username": username,
        "name": display_name or username,
        "avatar": storage.url(avatar_small) if avatar_small else None,
        "bot": bool(is_bot),
    }


_REQUEST_EVENTS: dict[str, type[catalogue.FriendRequestEvent]] = {
    "request_received": catalogue.FriendRequestReceived,
    "request_cancelled": catalogue.FriendRequestCancelled,
    "request_declined": catalogue.FriendRequestDeclined,
}


def friend_request_event(
    kind: Literal["request_received", "request_cancelled", "request_declined"],
    request: FriendRequest,
) -> catalogue.FriendRequestEvent:
    """friend.request_received, friend.request_cancelled, friend.request_declined."""
    return _REQUEST_EVENTS[kind](
        request={
            "id": request.pk,
            "from": user_summary(request.from_user),
            "to": user_summary(request.to_user),
        }
    )


def friend_added_event(friend: User) -> catalogue.FriendAdded:
    return catalogue.FriendAdded(user=user_summary(friend))


def friend_removed_event(former_friend: User) -> catalogue.FriendRemoved:
    return catalogue.FriendRemoved(user=user_summary(former_friend))

"""Template context for every page: the friend-request and room-invitation badges, counted
lazily."""

from collections.abc import Callable
from functools import partial

from django.http import HttpRequest

from parley.accounts.selectors import incoming_request_count, pending_invite_count


def friend_requests(request: HttpRequest) -> dict[str, Callable[[], int]]:
    """The incoming friend request count for the navigation badge, counted only if shown."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "incoming_request_count": partial(incoming_request_count, user),
        "pending_invite_count": partial(pending_invite_count, user),
    }

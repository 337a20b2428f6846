"""Template context for every page: the friend-request and room-invitation badges, counted
lazily, and the theme."""

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


THEME_COOKIE = "parley_theme"


def theme_choice(request: HttpRequest) -> str:
    """The theme chosen for this page: the account's once its user has chosen one, else
    this browser's (the cookie theme.js keeps, which also serves before sign-in), else
    "system"."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.theme:
        return str(user.theme)
    cookie = request.COOKIES.get(THEME_COOKIE, "")
    return cookie if cookie in ("light", "dark") else "system"


def appearance(request: HttpRequest) -> dict[str, str]:
    """`theme`: "light" or "dark" for <html data-theme>, or "" to follow the device."""
    choice = theme_choice(request)
    return {"theme": "" if choice == "system" else choice}

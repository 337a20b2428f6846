"""Reads about calls: the live calls a user can see, one call."""

from parley.accounts.models import User
from parley.calls.access import access_call, visible_calls
from parley.calls.events import call_dict
from parley.events.catalogue import CallData


def live_calls_for_user(user: User) -> list[CallData]:
    """The calls going on in the conversations `user` is in, newest first (the video
    rooms page)."""
    calls = (
        visible_calls(user)
        .filter(ended_at__isnull=True)
        .select_related("started_by")
        .order_by("-started_at", "-pk")[:100]
    )
    return [call_dict(call) for call in calls]


def call_for_user(user: User, call_id: int) -> CallData:
    """One call of a conversation `user` is in (live or ended); not found otherwise."""
    return call_dict(access_call(user, call_id))

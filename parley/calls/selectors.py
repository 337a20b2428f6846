"""Reads about calls: the live calls a user can see, one call."""

from parley.accounts.models import User
from parley.calls.access import access_call, visible_calls
from parley.calls.events import call_dict
from parley.calls.models import Call, Ring
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


def calls_ringing_for(user_id: int) -> list[CallData]:
    """The live calls ringing for `user_id` now, oldest first (for a socket that connects
    mid-ring: its page rings too). One query when none rings."""
    ringing = Ring.objects.filter(user_id=user_id, state=Ring.State.RINGING).values("call_id")
    calls = (
        Call.objects.filter(pk__in=ringing, ended_at__isnull=True)
        .select_related("started_by")
        .order_by("started_at", "pk")[:10]
    )
    return [call_dict(call) for call in calls]

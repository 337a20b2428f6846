"""Reads about calls: the live calls a user can see, one call, ICE servers."""

import importlib
from typing import Any

from django.conf import settings

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


def ice_servers_for(user: User) -> list[dict[str, Any]]:
    """The ICE servers to give `user`: parley.calls.turn's (STUN, and TURN credentials
    minted for the user) once that module is there, else CALL_ICE_SERVERS as they are."""
    try:
        turn = importlib.import_module("parley.calls.turn")
    except ModuleNotFoundError:
        servers: list[dict[str, Any]] = list(settings.CALL_ICE_SERVERS)
        return servers
    minted: list[dict[str, Any]] = turn.ice_servers_for(user)
    return minted

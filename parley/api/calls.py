"""Calls: the ones going on that you can see (the video rooms page), and one call.

Joining, leaving and signalling happen on the socket (docs/protocol.md, "Calls").
"""

from typing import Any

from ninja import Router

from parley.api.shapes import ERRORS, CallList
from parley.api.types import Id
from parley.calls import selectors
from parley.core.http import AuthenticatedRequest
from parley.events.catalogue import CallData

router = Router(tags=["calls"])


@router.get("", response={200: CallList, **ERRORS}, url_name="calls")
def live_calls(request: AuthenticatedRequest) -> dict[str, Any]:
    """The calls going on in the conversations you are in (direct, group, room chats),
    newest first, each with who is in it."""
    return {"calls": selectors.live_calls_for_user(request.user)}


@router.get("/{call_id}", response={200: CallData, **ERRORS}, url_name="call")
def call(request: AuthenticatedRequest, call_id: Id) -> CallData:
    """One call of a conversation you are in, going on or ended; 404 for any other (the
    same answer as for none)."""
    return selectors.call_for_user(request.user, call_id)

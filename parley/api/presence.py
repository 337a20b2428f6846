"""Presence: who of the people you can see is online or away, as the socket's hello tells.

The one transport module that reads parley.realtime (its presence store and `reach`, the
selector of whose presence a user hears): the API is a transport beside realtime, and no
app imports parley.api (parley/events/tests/test_layering.py keeps apps off realtime).
Async, so that the store is the one of the loop the sockets run on (Redis's client is
bound to its loop).
"""

import time
from typing import Any

from asgiref.sync import sync_to_async
from ninja import Router

from parley.api.shapes import ERRORS, PresenceMap
from parley.core.http import AuthenticatedRequest
from parley.realtime import presence

router = Router(tags=["presence"])


@router.get("", response={200: PresenceMap, **ERRORS}, url_name="presence")
async def statuses(request: AuthenticatedRequest) -> dict[str, Any]:
    """The status of everyone whose presence you hear (people you share a conversation
    with, and friends) who is online or away, by user id; everyone else is offline. Two
    people of whom either blocked the other are offline to each other."""
    reach = await sync_to_async(presence.reach)(request.user.pk)
    found = await presence.store().statuses(reach.audience, time.time())
    return {"presence": {str(user_id): status for user_id, status in found.items()}}

"""The video rooms page: the calls going on in the conversations you are in.

Only the page's frame is rendered here; static/js/calls/rooms.js fills it from
GET /api/v1/calls (parley/calls' selector, which checks membership) and keeps it live over
the WebSocket (call.updated), as docs/protocol.md ("Calls") describes. Each call's Join
link opens its conversation in the chat page, which joins the call.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from parley.accounts.models.user import AVATAR_COLOURS
from parley.core.http import AuthenticatedRequest


@login_required
@require_GET
def video_rooms(request: AuthenticatedRequest) -> HttpResponse:
    """/video-rooms/: the list of live calls, joined with one click."""
    data = {
        "me": request.user.pk,
        "colours": AVATAR_COLOURS,
        "urls": {"login": reverse("login"), "chat": reverse("chat")},
    }
    return render(request, "messaging/video_rooms.html", {"video_rooms_data": data})

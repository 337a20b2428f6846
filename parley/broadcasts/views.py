"""The broadcasts page: compose a broadcast (people, rooms in a chat, shortcuts) and the
list of past ones with how many have read them; and one broadcast's record.

Without JavaScript the form still works: people are then chosen among friends by
checkbox; static/js/broadcasts.js adds the people search (GET /api/v1/users?q=).
"""

import uuid

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from parley.accounts.selectors import friends_of
from parley.broadcasts.actions import check_send_broadcast
from parley.broadcasts.recipients import BroadcastRequest, RoomTarget
from parley.broadcasts.selectors import (
    broadcast_detail,
    broadcast_summaries,
    broadcasts_of,
    rooms_to_post_in,
)
from parley.core.errors import ErrorCode, ParleyError
from parley.core.http import AuthenticatedRequest
from parley.core.validation import ascii_int

PAGE_SIZE = 20


class BroadcastForm(forms.Form):
    body = forms.CharField(
        label="Message", widget=forms.Textarea(attrs={"rows": 4}), strip=False, max_length=None
    )
    client_id = forms.CharField(widget=forms.HiddenInput, max_length=64)
    friends = forms.BooleanField(label="All my friends", required=False)


def _ids(data: QueryDict, name: str) -> list[int]:
    return [ascii_int(value, name, minimum=1) for value in data.getlist(name)]


def _request(user: AuthenticatedRequest, form: BroadcastForm) -> BroadcastRequest:
    """The form's lists (people, rooms with their chat_<room> choice, members_of)."""
    data = user.POST
    rooms = []
    for room_id in _ids(data, "rooms"):
        chat = data.get(f"chat_{room_id}", "")
        rooms.append(RoomTarget(room_id, ascii_int(chat, "rooms", minimum=1) if chat else None))
    return BroadcastRequest(
        user.user,
        form.cleaned_data["client_id"],
        form.cleaned_data["body"],
        people=_ids(data, "people"),
        rooms=rooms,
        friends=form.cleaned_data["friends"],
        members_of=_ids(data, "members_of"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def broadcasts(request: AuthenticatedRequest) -> HttpResponse:
    """The compose form and the past broadcasts; a sent one opens its record."""
    status = 200
    form = BroadcastForm(
        request.POST if request.method == "POST" else None,
        initial={"client_id": uuid.uuid4().hex},
    )
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                result = check_send_broadcast(_request(request, form))
            except ParleyError as exc:
                if exc.code == ErrorCode.RATE_LIMITED:
                    raise
                status = exc.status
                form.add_error(None, exc.message)
                for refused in exc.details.get("refused", []):
                    form.add_error(None, f"{refused['name'] or refused['id']}: {refused['reason']}")
            else:
                return redirect("broadcast", broadcast_id=result.broadcast.pk)
        retry = request.POST.copy()
        retry["client_id"] = uuid.uuid4().hex  # a new try is a new broadcast
        form.data = retry
    past = list(broadcasts_of(request.user)[:PAGE_SIZE])
    context = {
        "form": form,
        "rooms": rooms_to_post_in(request.user),
        "friends": list(friends_of(request.user)[: settings.BROADCAST_MAX_PEOPLE]),
        "chosen": set(request.POST.getlist("people")),
        "past": broadcast_summaries(request.user, past),
        "max_people": settings.BROADCAST_MAX_PEOPLE,
        "max_rooms": settings.BROADCAST_MAX_ROOMS,
    }
    return render(request, "broadcasts/broadcasts.html", context, status=status)


@login_required
@require_http_methods(["GET"])
def broadcast(request: AuthenticatedRequest, broadcast_id: int) -> HttpResponse:
    """One broadcast of the signed-in user's: each copy with its readers, the refused."""
    detail = broadcast_detail(request.user, broadcast_id)
    return render(request, "broadcasts/broadcast.html", {"broadcast": detail})

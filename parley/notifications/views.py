"""Settings → Notifications, the conversation menu's level, and the unsubscribe link."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from parley.accounts.models import User
from parley.core.errors import ErrorCode, ParleyError
from parley.core.http import AuthenticatedRequest, rate_limit
from parley.core.validation import ascii_int
from parley.notifications.actions import (
    check_set_level,
    check_set_room_level,
    check_update_settings,
    do_update_settings,
)
from parley.notifications.email import user_of_token
from parley.notifications.forms import NotificationSettingsForm
from parley.notifications.models import Level
from parley.notifications.selectors import places_of, settings_of

logger = logging.getLogger(__name__)

FIELDS = list(NotificationSettingsForm.base_fields)


@login_required
@rate_limit("notification", methods=("POST",))
@require_http_methods(["GET", "POST"])
def notification_settings(request: AuthenticatedRequest) -> HttpResponse:
    """The switches, the email delay, and a level per conversation and room."""
    current = settings_of(request.user)
    form = NotificationSettingsForm(initial={name: getattr(current, name) for name in FIELDS})
    status = 200
    if request.method == "POST" and request.POST.get("action") == "levels":
        status = _save_levels(request)
        if status == 200:
            messages.success(request, "Your levels were saved.")
            return redirect("notification_settings")
    elif request.method == "POST":
        form = NotificationSettingsForm(request.POST)
        if form.is_valid():
            check_update_settings(request.user, **form.cleaned_data)
            messages.success(request, "Your notification settings were saved.")
            return redirect("notification_settings")
        status = 400
    context = {"form": form, "places": places_of(request.user), "levels": Level.choices}
    return render(request, "notifications/settings.html", context, status=status)


def _place_id(key: str) -> int:
    """The id in a level field's key ("c12": conversation 12, "r3": room 3): ASCII digits
    within a 64-bit id ("c²" and "c9999999999999999999" are no one's)."""
    try:
        if key[:1] not in ("c", "r"):
            raise ParleyError(ErrorCode.INVALID, "Unknown conversation.")
        return ascii_int(key[1:], "level", minimum=1)
    except ParleyError:
        raise ParleyError(ErrorCode.INVALID, "Unknown conversation.") from None


def _save_levels(request: AuthenticatedRequest) -> int:
    """Each "level-c<id>" / "level-r<id>" of the form, through the actions; 400 (and a
    message) for the first bad one, after the good ones before it."""
    for name in request.POST:
        value = request.POST.get(name, "")
        if not name.startswith("level-"):
            continue
        key = name.removeprefix("level-")
        try:
            place = _place_id(key)
            if key[0] == "c":
                check_set_level(request.user, place, value)
            else:
                check_set_room_level(request.user, place, value)
        except ParleyError as error:
            logger.info("level %r refused for user %s: %s", key, request.user.pk, error)
            messages.error(request, error.message)
            return 400
    return 200


@login_required
@rate_limit("notification")
@require_POST
def set_conversation_level(request: AuthenticatedRequest, conversation_id: int) -> HttpResponse:
    """The conversation menu: POST level=everything|mentions|nothing (a chat: its room's).
    JSON answer for scripts, a redirect back for a plain form."""
    row = check_set_level(request.user, conversation_id, request.POST.get("level", ""))
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"conversation": conversation_id, "level": row.level})
    messages.success(request, "Notifications for this conversation were changed.")
    return redirect("chat_conversation", conversation_id=conversation_id)


@csrf_exempt  # the signed token is the authority; mail clients POST without a session
@rate_limit("notification", methods=("POST",))
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a page asking to confirm (mail scanners follow links: GET changes nothing).
    POST (RFC 8058 one-click, or the page's button): email off for the token's user. A
    token not signed here is refused (400) and changes nothing."""
    user_id = user_of_token(token) if len(token) <= 500 else None
    if user_id is None or not User.objects.filter(pk=user_id).exists():
        logger.info("unsubscribe with a bad token refused")
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=400)
    if request.method == "GET":
        return render(request, "notifications/unsubscribe.html", {})
    do_update_settings(User.objects.get(pk=user_id), {"email_enabled": False})
    return render(request, "notifications/unsubscribe.html", {"done": True})

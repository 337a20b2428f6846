"""The Slack-compatible incoming webhook (POST /integrations/slack/<key>/) and the room
settings pages that make them.

The webhook answers as Slack's does, so tools that post to Slack read the answer
unchanged: 200 "ok" (text/plain) once the message is posted, else Slack's error string:
404 no_service (no webhook at that URL), 400 invalid_payload (not a JSON object, as the
body or a form's `payload` field), invalid_attachments / invalid_blocks (not lists),
no_text (nothing to show), 404 channel_not_found, 410 channel_is_archived and 403
action_prohibited (the chat does not take the bot's message), 429 rate_limited with
Retry-After (the bot's send rate), 413 request_too_large. With signing on, a request
without a good, fresh X-Slack-Signature is 401 invalid_token before its body is read further.

The message is posted before the answer, with a client id: for a signed request, one
made from its signature, so a replay within the five minutes posts nothing new.
"""

import hashlib
import logging
import math
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.crypto import get_random_string
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from parley.core.errors import ErrorCode, ParleyError
from parley.core.http import AuthenticatedRequest, rate_limit
from parley.core.validation import loads_strict
from parley.integrations.models import SlackWebhook
from parley.integrations.slack import actions
from parley.integrations.slack.forms import SlackWebhookForm
from parley.integrations.slack.signature import verify_signature
from parley.messaging.access import access_room
from parley.messaging.actions.rooms import check_room_manager
from parley.messaging.models import Room

logger = logging.getLogger("parley.integrations")

# A send the chat refuses, as Slack says it.
_SEND_REFUSALS = {
    ErrorCode.NOT_FOUND: (404, "channel_not_found"),
    ErrorCode.FORBIDDEN: (403, "action_prohibited"),
    ErrorCode.RATE_LIMITED: (429, "rate_limited"),
    ErrorCode.UNAVAILABLE: (503, "service_unavailable"),
}


def _answer(status: int, text: str) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


def _refuse(request: HttpRequest, status: int, code: str, why: str = "") -> HttpResponse:
    logger.info("slack webhook %s refused: %s %s", request.path, code, why)
    return _answer(status, code)


@csrf_exempt
@require_POST
def webhook(request: HttpRequest, key: str) -> HttpResponse:
    hook = SlackWebhook.objects.filter(key=key).select_related("bot").first()
    if hook is None:
        return _refuse(request, 404, "no_service")
    try:
        body = request.body
    except RequestDataTooBig:
        return _refuse(request, 413, "request_too_large")
    signature = request.headers.get("X-Slack-Signature")
    secret = hook.signing_secret()
    if secret is not None and not verify_signature(
        secret.encode(),
        body,
        timestamp=request.headers.get("X-Slack-Request-Timestamp"),
        signature=signature,
        now=time.time(),
    ):
        return _refuse(request, 401, "invalid_token", "bad or missing X-Slack-Signature")
    try:
        payload = loads_strict(
            _json_of(request, body),
            max_bytes=settings.WEBHOOK_MAX_JSON_BYTES,
            max_depth=64,
            scrub_text=True,
        )
    except ParleyError as error:
        return _refuse(request, 400, "invalid_payload", error.message)
    if not isinstance(payload, dict) or not isinstance(payload.get("text", ""), str | None):
        return _refuse(request, 400, "invalid_payload", "not an object with text")
    for field in ("attachments", "blocks"):
        if not isinstance(payload.get(field) or [], list):
            return _refuse(request, 400, f"invalid_{field}")
    message = actions.format_for_chat(payload)
    if not message:
        return _refuse(request, 400, "no_text")
    try:
        actions.check_post_slack_message(hook, message, client_id=_client_id(signature, secret))
    except ParleyError as error:
        status, code = _SEND_REFUSALS.get(error.code, (400, "invalid_payload"))
        if error.code == ErrorCode.FORBIDDEN and _archived(hook):
            status, code = 410, "channel_is_archived"
        response = _refuse(request, status, code, error.message)
        retry_after = error.details.get("retry_after")
        if retry_after is not None:
            response["Retry-After"] = str(max(1, math.ceil(retry_after)))
        return response
    return _answer(200, "ok")


def _archived(hook: SlackWebhook) -> bool:
    return Room.objects.filter(pk=hook.room_id, is_archived=True).exists()


def _client_id(signature: str | None, secret: str | None) -> str:
    if secret is not None and signature:
        return "slack-" + hashlib.sha256(signature.encode()).hexdigest()[:40]
    return "slack-" + get_random_string(40)


def _json_of(request: HttpRequest, body: bytes) -> bytes | str:
    """The JSON: the body, or the `payload` field of a form (as curl's --data-urlencode
    "payload=…" sends). A form without one may be JSON sent with curl's default type."""
    if request.content_type == "application/x-www-form-urlencoded":
        payload = request.POST.get("payload")
        if payload is not None:
            return payload
    return body


# --- the set-up pages (room owners and admins) ------------------------------------------


def _managed(request: AuthenticatedRequest, slug: str) -> Room:
    room, _ = access_room(request.user, slug)
    check_room_manager(request.user, room)
    return room


@login_required
@rate_limit("room", methods=("POST",))
@require_http_methods(["GET", "POST"])
def webhooks(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    """The room's webhooks, and a form to add one."""
    room = _managed(request, slug)
    form = SlackWebhookForm(room, request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                hook = actions.check_create_slack_webhook(
                    request.user, room, chat_id=form.cleaned_data["chat"].pk, name=form.bot_name()
                )
            except ParleyError as error:
                if error.code not in (ErrorCode.INVALID, ErrorCode.CONFLICT):
                    raise
                field = error.details.get("field")
                form.add_error(field if field in form.fields else None, error.message)
            else:
                return _webhook_page(request, room, hook, status=201)
    context = {
        "room": room,
        "form": form,
        "webhooks": SlackWebhook.objects.filter(room=room).select_related("bot", "chat"),
    }
    return render(request, "integrations/slack_webhooks.html", context, status=status)


@login_required
@require_http_methods(["GET"])
def webhook_page(request: AuthenticatedRequest, slug: str, webhook_id: int) -> HttpResponse:
    """One webhook: its URL, its chat and bot, and its signing."""
    room = _managed(request, slug)
    hook = actions.access_slack_webhook(request.user, room, webhook_id)
    return _webhook_page(request, room, hook)


def _webhook_page(
    request: AuthenticatedRequest,
    room: Room,
    hook: SlackWebhook,
    *,
    status: int = 200,
    new_secret: bool = False,
) -> HttpResponse:
    context = {
        "room": room,
        "webhook": hook,
        "webhook_url": request.build_absolute_uri(reverse("slack_webhook", args=[hook.key])),
        "signing_secret": hook.signing_secret() if new_secret else None,
    }
    return render(request, "integrations/slack_webhook.html", context, status=status)


@login_required
@rate_limit("room")
@require_POST
def set_signing(request: AuthenticatedRequest, slug: str, webhook_id: int) -> HttpResponse:
    room = _managed(request, slug)
    hook = actions.check_set_slack_signing(request.user, room, webhook_id)
    messages.success(request, "A new signing secret: requests must be signed with it.")
    return _webhook_page(request, room, hook, new_secret=True)


@login_required
@rate_limit("room")
@require_POST
def remove_signing(request: AuthenticatedRequest, slug: str, webhook_id: int) -> HttpResponse:
    room = _managed(request, slug)
    actions.check_remove_slack_signing(request.user, room, webhook_id)
    messages.success(request, "Signing is off: the URL alone lets one post.")
    return redirect("slack_webhook_page", room.slug, webhook_id)


@login_required
@rate_limit("room")
@require_POST
def delete_webhook(request: AuthenticatedRequest, slug: str, webhook_id: int) -> HttpResponse:
    room = _managed(request, slug)
    actions.check_delete_slack_webhook(request.user, room, webhook_id)
    messages.success(request, "The webhook was removed.")
    return redirect("slack_webhooks", room.slug)

"""GitHub's webhook (POST /integrations/github/<key>/) and the room settings pages that
link repositories to chats.

The webhook verifies X-Hub-Signature-256 over the raw body before reading anything else
(a missing, wrong or SHA-1-only signature is 401 and stores nothing), stores the
delivery once by its X-GitHub-Delivery id, and answers at once; a job posts it
(parley/integrations/github/jobs.py), well within GitHub's 10 seconds.
"""

import logging
import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from parley.core.errors import ErrorCode, ParleyError
from parley.core.http import AuthenticatedRequest, rate_limit
from parley.core.middleware import error_response
from parley.core.validation import loads_strict
from parley.integrations.github import actions
from parley.integrations.github.formatter import SUPPORTED_EVENTS
from parley.integrations.github.forms import GitHubLinkForm
from parley.integrations.github.signature import verify_signature
from parley.integrations.models import GitHubDelivery, GitHubLink
from parley.messaging.access import access_room
from parley.messaging.actions.rooms import check_room_manager
from parley.messaging.models import Room

logger = logging.getLogger("parley.integrations")

_NAME = re.compile(r"[a-z_]{1,64}\Z")
_DELIVERY = re.compile(r"[A-Za-z0-9-]{1,64}\Z")
DELIVERIES_SHOWN = 50


def _refuse(request: HttpRequest, code: ErrorCode, message: str) -> HttpResponse:
    logger.info("github webhook %s refused: %s", request.path, message)
    return error_response(request, ParleyError(code, message))


@csrf_exempt
@require_POST
def webhook(request: HttpRequest, key: str) -> HttpResponse:
    link = GitHubLink.objects.filter(key=key).first()
    if link is None:
        return _refuse(request, ErrorCode.NOT_FOUND, "No webhook here.")
    try:
        body = request.body
    except RequestDataTooBig:
        return _refuse(request, ErrorCode.TOO_LARGE, "That delivery is too large.")
    signature = request.headers.get("X-Hub-Signature-256")
    if not verify_signature(link.secret().encode(), body, signature):
        return _refuse(request, ErrorCode.UNAUTHENTICATED, "Bad or missing X-Hub-Signature-256.")
    event = request.headers.get("X-GitHub-Event", "")
    delivery_id = request.headers.get("X-GitHub-Delivery", "")
    if not _NAME.match(event) or not _DELIVERY.match(delivery_id):
        return _refuse(request, ErrorCode.INVALID, "X-GitHub-Event or X-GitHub-Delivery missing.")
    try:
        payload = loads_strict(
            _json_of(request, body),
            max_bytes=settings.WEBHOOK_MAX_JSON_BYTES,
            max_depth=64,
            scrub_text=True,
        )
    except ParleyError as error:
        return _refuse(request, error.code, error.message)
    delivery, created = actions.do_receive_delivery(
        link, delivery_id=delivery_id, event=event, payload=payload
    )
    if not created:
        return JsonResponse({"status": "duplicate"})
    if delivery.status == GitHubDelivery.Status.IGNORED:
        return JsonResponse({"status": "ignored"})
    return JsonResponse({"status": "queued"}, status=202)


def _json_of(request: HttpRequest, body: bytes) -> bytes | str:
    """The JSON of the delivery: the body, or its `payload` field when GitHub was set
    to send application/x-www-form-urlencoded."""
    if request.content_type == "application/x-www-form-urlencoded":
        payload = request.POST.get("payload")
        if payload is None:
            raise ParleyError(ErrorCode.INVALID, 'A form delivery needs its "payload".')
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
def links(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    """The room's GitHub links, and a form to add one."""
    room = _managed(request, slug)
    form = GitHubLinkForm(room, request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                link = actions.check_create_github_link(request.user, room, **form.action_kwargs())
            except ParleyError as error:
                if error.code not in (ErrorCode.INVALID, ErrorCode.CONFLICT):
                    raise
                field = error.details.get("field")
                form.add_error(field if field in form.fields else None, error.message)
            else:
                return _link_page(request, room, link, status=201, new_secret=True)
    context = {
        "room": room,
        "form": form,
        "links": GitHubLink.objects.filter(room=room).prefetch_related("chats"),
    }
    return render(request, "integrations/github_links.html", context, status=status)


@login_required
@require_http_methods(["GET"])
def link(request: AuthenticatedRequest, slug: str, link_id: int) -> HttpResponse:
    """One link: its webhook URL, what it posts, and its recent deliveries."""
    room = _managed(request, slug)
    return _link_page(request, room, actions.access_github_link(request.user, room, link_id))


def _link_page(
    request: AuthenticatedRequest,
    room: Room,
    link: GitHubLink,
    *,
    status: int = 200,
    new_secret: bool = False,
) -> HttpResponse:
    url = request.build_absolute_uri(reverse("github_webhook", args=[link.key]))
    context = {
        "room": room,
        "link": link,
        "webhook_url": url,
        "secret": link.secret() if new_secret else None,
        "events": link.events,
        "all_events": SUPPORTED_EVENTS,
        "deliveries": link.deliveries.all()[:DELIVERIES_SHOWN],
    }
    return render(request, "integrations/github_link.html", context, status=status)


@login_required
@rate_limit("room")
@require_POST
def rotate_secret(request: AuthenticatedRequest, slug: str, link_id: int) -> HttpResponse:
    room = _managed(request, slug)
    link = actions.check_rotate_github_secret(request.user, room, link_id)
    messages.success(request, "A new secret: paste it into GitHub's webhook settings.")
    return _link_page(request, room, link, new_secret=True)


@login_required
@rate_limit("room")
@require_POST
def delete_link(request: AuthenticatedRequest, slug: str, link_id: int) -> HttpResponse:
    room = _managed(request, slug)
    actions.check_delete_github_link(request.user, room, link_id)
    messages.success(request, "The GitHub link was removed.")
    return redirect("github_links", room.slug)

"""The chat page: the conversation list, one conversation's messages and the composer.

The page is rendered whole on the server (the list, the first page of history, the
composer), then static/js/chat.js takes over: it opens the WebSocket, keeps the list and
the messages live and switches conversations without reloading. The data the script
starts from is passed through json_script, in the same shapes as the API and `hello`.
"""

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from parley.accounts.access import access_user
from parley.accounts.events import user_summary
from parley.accounts.models import User
from parley.accounts.models.user import AVATAR_COLOURS
from parley.accounts.selectors import incoming_requests
from parley.core.errors import ErrorCode, ParleyError
from parley.core.http import AuthenticatedRequest, query_int
from parley.messaging import selectors
from parley.messaging.access import may_message_directly
from parley.messaging.events import invite_data
from parley.messaging.models import Message
from parley.messaging.views.emoji import index_url

# Messages from one sender closer together than this are shown as one block.
CONTINUATION = timedelta(minutes=5)
PAGE = 50


def _anchor(request: AuthenticatedRequest, conversation_id: int) -> int | None:
    """The seq to open at: ?at=SEQ, or the seq of ?message=ID in this conversation.

    A message id from another conversation (or none) opens the conversation as usual.
    """
    at = query_int(request, "at", minimum=1)
    if at is not None:
        return at
    message_id = query_int(request, "message", minimum=1)
    if message_id is None:
        return None
    # The page read that follows checks that the user is in the conversation.
    return (
        Message.objects.filter(pk=message_id, conversation_id=conversation_id)
        .values_list("seq", flat=True)
        .first()
    )


@login_required
@require_GET
def chat(request: AuthenticatedRequest, conversation_id: int | None = None) -> HttpResponse:
    """/chat/: the conversation list, no conversation open (opening one marks what it
    shows read, so the user chooses it), or ?to=<username> to write to someone;
    /chat/<id>/: that conversation, opened at its first unread message;
    /chat/<id>/?at=SEQ: opened around the message at that seq, which is highlighted
    (search results, links to a message); ?message=ID does the same by message id.

    A conversation the user is not in is not found (404), like one that does not exist.
    """
    user = request.user
    if conversation_id is not None:
        conversations = selectors.conversation_list(user)
        current = next((c for c in conversations if c["id"] == conversation_id), None)
        at = _anchor(request, conversation_id)
        if at is not None:
            page = selectors.history_around(user, conversation_id, at, PAGE)
        elif current is not None and current["unread"] < PAGE // 2:
            # Few unread: the newest page, which also shows the first unread message.
            page = selectors.history(user, conversation_id, limit=PAGE)
        else:
            page = selectors.first_unread_page(user, conversation_id, limit=PAGE)
        if current is None:  # joined between the two reads
            current = selectors.conversation_summary(user, conversation_id)
            conversations.insert(0, current)
        return _render(request, conversations, current=current, page=page)
    username = request.GET.get("to", "").strip()
    if username:
        return _draft(request, username)
    return _render(request, selectors.conversation_list(user))


def _draft(request: AuthenticatedRequest, username: str) -> HttpResponse:
    """A composer for a first direct message: the send creates the conversation."""
    user = request.user
    other = access_user(username[:32])
    if other.pk == user.pk:
        raise ParleyError(ErrorCode.INVALID, "Write to yourself in a note, not a message.")
    existing = selectors.direct_conversation_id(user, other.pk)
    if existing is not None:
        return redirect("chat_conversation", existing)
    draft = {"user": user_summary(other), "allowed": may_message_directly(user, other)}
    return _render(request, selectors.conversation_list(user), draft=draft)


def _render(
    request: AuthenticatedRequest,
    conversations: list[dict[str, Any]],
    *,
    current: dict[str, Any] | None = None,
    page: dict[str, Any] | None = None,
    draft: dict[str, Any] | None = None,
) -> HttpResponse:
    messages = _for_display(list(reversed(page["messages"]))) if page else []
    seqs = [m["seq"] for m in messages]
    archived = _archived_rooms(conversations)
    invites = [invite_data(i) for i in selectors.pending_invites(request.user)]
    requests = [
        {"id": pk, "from": sender}
        for pk, sender in incoming_requests(request.user).values_list("pk", "from_user_id")
    ]
    data = {
        "me": user_summary(request.user),
        "conversations": conversations,
        "current": current["id"] if current else None,
        "page": (
            {"first": seqs[0], "last": seqs[-1]}
            if seqs
            else {"first": 1, "last": 0}  # an empty conversation: nothing before seq 1
        ),
        # The page shown, newest first, as the history API pages it; last_seq is the
        # stream position it was read at, from where the socket resumes.
        "history": (
            {
                "messages": page["messages"],
                "has_more": page["has_more"],
                "has_newer": page.get("has_newer"),
                "anchor": page.get("anchor"),
                "last_seq": page["last_seq"],
                "last_read_seq": page["last_read_seq"],
            }
            if page
            else None
        ),
        "draft": draft,
        # Invitations waiting for an answer: the list shows them with Accept and Decline;
        # invite.received and invite.removed keep them current.
        "invites": invites,
        # Friend requests waiting for an answer (id → from whom): the Friends badge counts
        # them, and friend.* events keep it current.
        "incoming_requests": requests,
        "archived_rooms": sorted(archived),
        "colours": AVATAR_COLOURS,
        "urls": {"login": reverse("login"), "chat": reverse("chat"), "emoji": index_url()},
        "limits": {
            "file_bytes": settings.FILES_MAX_BYTES,
            "files_per_message": settings.FILES_MAX_PER_MESSAGE,
        },
    }
    context = {
        "rooms": _room_groups(conversations),
        "personal": [_with_person(c) for c in conversations if c["kind"] != "chat"],
        "current": current,
        "read_only": bool(current and current["room"] and current["room"]["id"] in archived),
        "draft": draft,
        "draft_person": _person(draft["user"]) if draft else None,
        "shown": messages,
        "has_older": bool(seqs) and seqs[0] > 1,
        "chat_data": data,
        # The navigation's badges, from the lists above rather than two more counts.
        "incoming_request_count": len(requests),
        "pending_invite_count": len(invites),
    }
    get_token(request)  # the CSRF cookie, for the page's JSON POSTs (the preview)
    return render(request, "messaging/chat.html", context)


def _archived_rooms(conversations: list[dict[str, Any]]) -> set[int]:
    """Ids of the archived rooms among these chats' (readable, but closed to new messages)."""
    return {c["room"]["id"] for c in conversations if c["room"] and c["room"]["archived"]}


def _room_groups(conversations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Chats grouped under their room, rooms in order of their most recent chat."""
    groups: dict[int, dict[str, Any]] = {}
    for c in conversations:
        if c["kind"] == "chat" and c["room"]:
            group = groups.setdefault(c["room"]["id"], {"room": c["room"], "chats": []})
            group["chats"].append(c)
    return list(groups.values())


def _person(summary: dict[str, Any]) -> User:
    """An unsaved User for a user summary: its initials and avatar colour, for display."""
    return User(username=summary["username"], display_name=summary["name"])


def _with_person(conversation: dict[str, Any]) -> dict[str, Any]:
    people = conversation["people"]
    return {**conversation, "person": _person(people[0]) if len(people) == 1 else None}


def _for_display(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Oldest first, with the sender's initials and colour and whether it continues the
    previous message's block (same sender, within CONTINUATION)."""
    shown: list[dict[str, Any]] = []
    previous: dict[str, Any] | None = None
    for message in messages:
        at = datetime.fromisoformat(message["created_at"])
        continued = (
            previous is not None
            and previous["sender"]["id"] == message["sender"]["id"]
            and at - previous["at"] < CONTINUATION
        )
        shown.append(
            {**message, "at": at, "continued": continued, "person": _person(message["sender"])}
        )
        previous = shown[-1]
    return shown

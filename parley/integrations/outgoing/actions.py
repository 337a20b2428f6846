"""A bot's outgoing webhook: its endpoint URL and signing secret, set by the bot's owner;
the event Parley POSTs there, and its signature (docs/integrations.md, "Outgoing webhooks").

The secret is not stored: it is an HMAC of the bot's salt under SECRET_KEY, as for GitHub
links, so the database alone forges nothing. It is shown to the owner when the endpoint
is first set and when it is rotated (a new salt).
"""

import hashlib
import hmac
import json
from typing import Any, TypedDict

from django.conf import settings
from django.urls import reverse

from parley.accounts.access import access_bot
from parley.accounts.events import user_summary
from parley.accounts.models import User
from parley.core.errors import ErrorCode, ParleyError
from parley.core.validation import check_text
from parley.events.catalogue import MessageData, UserSummary
from parley.integrations.models import OutgoingDelivery, new_salt
from parley.integrations.outgoing.client import check_url
from parley.messaging.events import message_dict
from parley.messaging.models import Conversation, Message

MAX_URL = 500


def endpoint_secret(bot: User) -> str:
    """The bot's signing secret (its receiver checks X-Parley-Signature with it)."""
    message = f"parley.integrations.outgoing:{bot.pk}:{bot.bot_endpoint_salt}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def check_endpoint_url(url: str) -> str:
    """A valid endpoint URL (http or https, a host, no credentials), or ParleyError."""
    url = check_text(url, "endpoint_url").strip()
    if len(url) > MAX_URL:
        raise ParleyError(ErrorCode.INVALID, f"Up to {MAX_URL} characters.", field="endpoint_url")
    try:
        check_url(url)
    except ValueError:
        message = "An http:// or https:// URL with a host name, and no user name or password."
        raise ParleyError(ErrorCode.INVALID, message, field="endpoint_url") from None
    return url


def check_set_bot_endpoint(owner: User, bot_id: int, url: str | None) -> tuple[User, str | None]:
    """Set (or with None or "" remove) the endpoint of one of `owner`'s bots; the bot, and
    its secret if this made one (the first endpoint: shown to the owner now, once)."""
    bot = access_bot(owner, bot_id)
    url = check_endpoint_url(url) if url else ""
    new_secret = bool(url) and not bot.bot_endpoint_salt
    bot.bot_endpoint_url = url
    if new_secret:
        bot.bot_endpoint_salt = new_salt()
    bot.save(update_fields=["bot_endpoint_url", "bot_endpoint_salt"])
    return bot, endpoint_secret(bot) if new_secret else None


def check_rotate_bot_endpoint_secret(owner: User, bot_id: int) -> tuple[User, str]:
    """A new signing secret for the bot's endpoint (the old one stops at once)."""
    bot = access_bot(owner, bot_id)
    if not bot.bot_endpoint_url:
        raise ParleyError(ErrorCode.CONFLICT, "Set the bot's endpoint URL first.")
    bot.bot_endpoint_salt = new_salt()
    bot.save(update_fields=["bot_endpoint_salt"])
    return bot, endpoint_secret(bot)


def deliveries_of(bot: User, limit: int = 50) -> list[OutgoingDelivery]:
    """The bot's delivery log, newest first."""
    return list(OutgoingDelivery.objects.filter(bot=bot).order_by("-created_at", "-pk")[:limit])


class EventConversation(TypedDict):
    id: int
    kind: str
    title: str


class Event(TypedDict):
    """What Parley POSTs to a bot's endpoint (docs/integrations.md)."""

    type: str  # "message"
    id: str  # the same on every attempt: "<message id>-<bot id>"
    bot: UserSummary
    message: MessageData
    conversation: EventConversation
    sender: UserSummary
    url: str  # the message in the chat page


def message_event_for(bot: User, message: Message) -> Event:
    conversation: Conversation = message.conversation
    path = reverse("chat_conversation", args=[conversation.pk]) + f"?at={message.seq}"
    return {
        "type": "message",
        "id": f"{message.pk}-{bot.pk}",
        "bot": user_summary(bot),
        "message": message_dict(message),
        "conversation": {
            "id": conversation.pk,
            "kind": conversation.kind,
            "title": conversation.title,
        },
        "sender": user_summary(message.sender),
        "url": settings.PUBLIC_URL.rstrip("/") + path,
    }


def signed(secret: str, event: Any, timestamp: int) -> tuple[bytes, dict[str, str]]:
    """The body to POST and its headers: X-Parley-Signature is "sha256=" and the hex
    HMAC-SHA256, under the secret, of "<timestamp>.<body>"."""
    body = json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()
    signature = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return body, {
        "Content-Type": "application/json",
        "User-Agent": "Parley-Webhook/1",
        "X-Parley-Timestamp": str(timestamp),
        "X-Parley-Signature": f"sha256={signature.hexdigest()}",
    }

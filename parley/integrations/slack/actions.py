"""Slack-compatible incoming webhooks: create, sign, remove; and posting a payload.
Only a room's owner and admins manage its webhooks.

Each webhook posts in one chat as a bot of its own ("webhook-…-bot", named as the admin
chose), owned by whoever made it and a member of the room. Removing the webhook
deactivates its bot; its messages stay.
"""

from django.conf import settings
from django.db import transaction

from parley.accounts.actions.bots import do_set_bot_active
from parley.accounts.models import User
from parley.core.errors import ErrorCode, ParleyError, not_found
from parley.core.validation import check_text
from parley.integrations.bots import new_integration_bot
from parley.integrations.models import SlackWebhook, new_salt
from parley.integrations.slack.formatter import Payload, format_payload
from parley.messaging.actions.rooms import check_room_manager, do_join_room
from parley.messaging.actions.send import SendResult, check_send_message
from parley.messaging.models import Conversation, Room

MAX_WEBHOOKS_PER_ROOM = 20
DEFAULT_NAME = "Webhook"


def access_slack_webhook(actor: User, room: Room, webhook_id: int) -> SlackWebhook:
    """One of `room`'s webhooks, for its owner or an admin (else refused as the room is)."""
    check_room_manager(actor, room)
    webhook = (
        SlackWebhook.objects.filter(pk=webhook_id, room=room).select_related("bot", "chat").first()
    )
    if webhook is None:
        raise not_found("That webhook")
    return webhook


def check_create_slack_webhook(
    actor: User, room: Room, *, chat_id: int, name: str = DEFAULT_NAME
) -> SlackWebhook:
    """A new webhook posting in chat `chat_id` of `room` as a bot named `name`."""
    check_room_manager(actor, room)
    name = check_text(name, "name").strip() or DEFAULT_NAME
    if len(name) > 64:
        raise ParleyError(ErrorCode.INVALID, "Up to 64 characters.", field="name")
    chat = Conversation.objects.filter(pk=chat_id, room=room, kind=Conversation.Kind.CHAT).first()
    if chat is None:
        raise ParleyError(ErrorCode.INVALID, "Choose a chat of this room.", field="chat")
    if SlackWebhook.objects.filter(room=room).count() >= MAX_WEBHOOKS_PER_ROOM:
        message = f"A room has at most {MAX_WEBHOOKS_PER_ROOM} webhooks."
        raise ParleyError(ErrorCode.CONFLICT, message)
    with transaction.atomic():
        bot = new_integration_bot(actor, prefix="webhook", display_name=name)
        do_join_room(bot, room)
        return SlackWebhook.objects.create(room=room, chat=chat, bot=bot, created_by=actor)


def check_set_slack_signing(actor: User, room: Room, webhook_id: int) -> SlackWebhook:
    """Turn signing on with a new secret (or rotate it): requests must be signed with it
    from now on, and those signed with an older one fail."""
    webhook = access_slack_webhook(actor, room, webhook_id)
    webhook.signing_salt = new_salt()
    webhook.save(update_fields=["signing_salt"])
    return webhook


def check_remove_slack_signing(actor: User, room: Room, webhook_id: int) -> SlackWebhook:
    """Turn signing off: the URL alone lets one post again."""
    webhook = access_slack_webhook(actor, room, webhook_id)
    webhook.signing_salt = ""
    webhook.save(update_fields=["signing_salt"])
    return webhook


def check_delete_slack_webhook(actor: User, room: Room, webhook_id: int) -> None:
    """Remove the webhook (its URL answers no_service from now on) and deactivate its bot."""
    webhook = access_slack_webhook(actor, room, webhook_id)
    with transaction.atomic():
        bot = webhook.bot
        webhook.delete()
        do_set_bot_active(bot, active=False)


def format_for_chat(payload: Payload) -> str:
    """The message Markdown for `payload`, within MESSAGE_MAX_CHARS ("" if it shows nothing)."""
    return format_payload(payload, limit=settings.MESSAGE_MAX_CHARS)


def check_post_slack_message(webhook: SlackWebhook, body: str, *, client_id: str) -> SendResult:
    """Send `body` in the webhook's chat as its bot, through the one send path (its rules
    and the bot's rate limit apply; a resend of `client_id` gets the original)."""
    return check_send_message(
        webhook.bot, client_id=client_id, body=body, conversation_id=webhook.chat_id
    )

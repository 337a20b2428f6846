"""Delivering a message to a bot's outgoing webhook, after the send committed (a job).

Each attempt is one row of the bot's delivery log. An endpoint that cannot be reached,
times out, or answers 5xx, 408 or 429 is tried again with the job queue's backoff; an
address Parley does not send to, a redirect, or another 4xx fails at once. A reply's
message carries a client id made from the triggering message ("ow-<message id>", unique
for the bot as its sender): a retry, or a run after a lost worker, posts it once.
"""

import json
import time

import urllib3
from django.conf import settings

from parley.accounts.models import User
from parley.integrations.models import OutgoingDelivery
from parley.integrations.outgoing.actions import endpoint_secret, message_event_for, signed
from parley.integrations.outgoing.client import Refused, post
from parley.jobs.queue import GiveUp, job
from parley.messaging.events import MESSAGE_RELATED
from parley.messaging.jobs import post_message
from parley.messaging.models import Message

# Answers worth another attempt; any other non-2xx fails the delivery at once.
_RETRIED = {408, 425, 429}


class DeliveryFailed(Exception):
    """The endpoint could not take the event this time: the job runs again later."""


@job(max_attempts=5)
def deliver_to_bot(*, bot_id: int, message_id: int) -> None:
    """POST message `message_id` to bot `bot_id`'s endpoint; post its reply, if any."""
    bot = User.objects.filter(pk=bot_id, is_bot=True, is_active=True).first()
    if bot is None or not bot.bot_endpoint_url:
        raise GiveUp(f"Bot {bot_id} is gone, deactivated or has no endpoint.")
    message = (
        Message.objects.select_related("conversation", *MESSAGE_RELATED)
        .filter(pk=message_id)
        .first()
    )
    if message is None or message.is_deleted:
        raise GiveUp(f"Message {message_id} is gone.")
    attempt = OutgoingDelivery.objects.filter(bot=bot, message=message).count() + 1
    log = OutgoingDelivery(bot=bot, message=message, attempt=attempt)
    event = message_event_for(bot, message)
    body, headers = signed(endpoint_secret(bot), event, int(time.time()))
    try:
        answer = post(
            bot.bot_endpoint_url, body, headers, timeout=settings.OUTGOING_WEBHOOK_TIMEOUT_SECONDS
        )
    except Refused as error:
        _fail(log, str(error))
        raise GiveUp(str(error)) from error
    except (OSError, urllib3.exceptions.HTTPError) as error:
        _fail(log, _describe(error))
        raise DeliveryFailed(log.error) from error
    log.status_code = answer.status
    if not 200 <= answer.status < 300:
        if 300 <= answer.status < 400:
            _fail(log, "A redirect: Parley does not follow them.")
            raise GiveUp(log.error)
        _fail(log, f"Answered {answer.status}.")
        if answer.status >= 500 or answer.status in _RETRIED:
            raise DeliveryFailed(log.error)
        raise GiveUp(log.error)
    text = reply_text(answer.body)
    if text:
        try:
            post_message.call(
                sender_id=bot.pk,
                client_id=f"ow-{message.pk}",
                body=text,
                conversation_id=message.conversation_id,
            )
        except Exception as error:
            _fail(log, f"The reply was not posted: {error}")
            raise
        log.reply_posted = True
    log.save()


def reply_text(body: bytes) -> str:
    """The text of a JSON answer {"text": …} (or "content"), cut to a message's length;
    "" for anything else (an empty answer, no reply)."""
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    text = data.get("text") or data.get("content")
    if not isinstance(text, str) or not text.strip():
        return ""
    return text[: settings.MESSAGE_MAX_CHARS]


def _fail(log: OutgoingDelivery, error: str) -> None:
    log.error = error[:300]
    log.save()


def _describe(error: Exception) -> str:
    """What went wrong, without urllib3's pool object in the text."""
    # urllib3's NewConnectionError (refused, unreachable) is also a ConnectTimeoutError.
    timed_out = isinstance(error, urllib3.exceptions.TimeoutError | TimeoutError)
    if timed_out and not isinstance(error, urllib3.exceptions.NewConnectionError):
        return "Timed out."
    reason = getattr(error, "reason", None) or error
    return f"Not reached: {reason}"

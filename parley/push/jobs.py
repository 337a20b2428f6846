"""Sending Web Push for a new message (jobs; docs/notifications.md, "Push and desktop").

push_message(message_id) runs once a notifying message (direct, group, or a mention) is
committed: it picks who is told (targets), and enqueues one push_to_subscription per
browser of theirs, so that each push service's failures are retried alone, with the job
queue's backoff. Nobody is pushed a message that is gone, that they have read meanwhile
(on any device), or while they are active in Parley on some device (connected, a tab shown
and used lately: they are reading); nor against their notification preferences.

A push service that answers 404 or 410 has forgotten the subscription (the browser
unsubscribed, or was reset): it is deleted, and nothing retried. 429 and 5xx, a timeout or
an unreachable service are retried. An address Parley does not send to, a redirect or
another 4xx fail at once. A repeat (a retry after a lost worker) shows as the same
notification again: the service worker tags it by conversation, so it replaces itself.
"""

import logging

import urllib3
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from parley.integrations.outgoing.client import Refused
from parley.jobs.queue import GiveUp, enqueue_on_commit, job
from parley.messaging.events import conversation_title, excerpt
from parley.messaging.models import Conversation, Message, Participant
from parley.push import targets, vapid
from parley.push.models import PushSubscription
from parley.push.sender import Payload, send

logger = logging.getLogger(__name__)

BODY_CHARS = 200
# Answers worth another attempt; any other non-2xx fails at once.
_RETRIED = {408, 425, 429}
_GONE = {404, 410}


class PushFailed(Exception):
    """The push service could not take the push this time: the job runs again later."""


def _message(message_id: int) -> Message | None:
    found = (
        Message.objects.select_related("sender", "conversation", "conversation__room")
        .filter(pk=message_id)
        .first()
    )
    if found is None or found.is_deleted or found.moved_to_id:
        return None
    return found


def _unread_by(message: Message, user_ids: list[int]) -> list[int]:
    """Those of `user_ids` still in the conversation who have not read the message."""
    rows = Participant.objects.filter(
        conversation_id=message.conversation_id, user_id__in=user_ids, last_read_seq__lt=message.seq
    )
    return sorted(rows.values_list("user_id", flat=True))


def payload_for(message: Message) -> Payload:
    """The notification: who wrote where, the message's first BODY_CHARS characters as
    plain text (its rendered text without markup), and a link to it."""
    conversation: Conversation = message.conversation
    sender = message.sender.name
    if conversation.kind == Conversation.Kind.DIRECT:
        title = sender
    else:
        where = conversation_title(conversation) or "your group"
        title = f"{sender} in {where}"
    path = reverse("chat_conversation", args=[conversation.pk]) + f"?at={message.seq}"
    return Payload(
        title=title[:120],
        body=excerpt(message, BODY_CHARS),
        url=settings.PUBLIC_URL.rstrip("/") + path,
        tag=f"parley-conversation-{conversation.pk}",
        conversation=conversation.pk,
        message=message.pk,
    )


@job(max_attempts=3)
def push_message(message_id: int) -> None:
    """Enqueue a push of message `message_id` to each browser of each person it is for."""
    if not vapid.enabled():
        return
    message = _message(message_id)
    if message is None:
        return
    wanted = targets.push_targets(message)
    if not wanted:
        return
    unread = _unread_by(message, wanted)
    user_ids = sorted(set(unread) - targets.reading_now(unread))
    subscriptions = PushSubscription.objects.filter(user_id__in=user_ids).order_by("pk")
    for subscription_id in subscriptions.values_list("pk", flat=True):
        enqueue_on_commit(
            push_to_subscription, subscription_id=subscription_id, message_id=message_id
        )


@job(max_attempts=6)
def push_to_subscription(*, subscription_id: int, message_id: int) -> None:
    """Push message `message_id` to one browser; delete the subscription if its push
    service says it is gone, raise PushFailed to be retried."""
    subscription = PushSubscription.objects.filter(pk=subscription_id).first()
    message = _message(message_id)
    if subscription is None or message is None or not vapid.enabled():
        return  # removed meanwhile: nothing to do
    if not _unread_by(message, [subscription.user_id]):
        return  # read meanwhile (a retry), or no longer a member
    try:
        answer = send(subscription, payload_for(message))
    except Refused as error:
        raise GiveUp(f"Push service of subscription {subscription_id} refused: {error}") from error
    except (OSError, urllib3.exceptions.HTTPError) as error:
        raise PushFailed(f"Push service not reached: {error}") from error
    status = answer.status
    if 200 <= status < 300:
        PushSubscription.objects.filter(pk=subscription_id).update(last_push_at=timezone.now())
        return
    if status in _GONE:
        logger.info("push subscription %s is gone (%s): deleted", subscription_id, status)
        PushSubscription.objects.filter(pk=subscription_id).delete()
        return
    text = answer.body[:200].decode("utf-8", "replace")
    if status >= 500 or status in _RETRIED:
        raise PushFailed(f"Push service answered {status}: {text}")
    raise GiveUp(f"Push service answered {status}: {text}")

"""Posting a stored GitHub delivery, after the webhook's answer (a background job).

The job runs at least once, so each message it sends carries a client id made from the
delivery and the chat: a retry, or a run after a lost worker, gets the original back
from the send path and the chat shows the delivery once.
"""

from django.utils import timezone

from parley.core.errors import ErrorCode, ParleyError
from parley.integrations.github.formatter import format_event
from parley.integrations.models import GitHubDelivery
from parley.jobs.queue import GiveUp, job
from parley.messaging.actions.send import check_send_message

# Refusals that pass (retried); any other means this chat will not take the post.
_PASSING = {ErrorCode.RATE_LIMITED, ErrorCode.UNAVAILABLE, ErrorCode.INTERNAL}


@job(max_attempts=8)
def post_delivery(delivery_id: int) -> None:
    """Post delivery `delivery_id` to each chat of its link, as the link's bot."""
    delivery = (
        GitHubDelivery.objects.select_related("link", "link__bot").filter(pk=delivery_id).first()
    )
    if delivery is None:
        raise GiveUp(f"Delivery {delivery_id} is gone (its link was removed).")
    if delivery.status != GitHubDelivery.Status.QUEUED:
        return  # handled by an earlier run
    link = delivery.link
    post = format_event(
        delivery.event,
        delivery.payload or {},
        branches=link.branch_patterns() or None,
        include_successes=link.include_successes,
    )
    if post is None:
        _finish(delivery, GitHubDelivery.Status.IGNORED, "Nothing to post for this action.")
        return
    refused = []
    for chat in link.chats.all():
        try:
            check_send_message(
                link.bot,
                client_id=f"gh-{delivery.pk}-{chat.pk}",
                body=post.body,
                conversation_id=chat.pk,
            )
        except ParleyError as error:
            if error.code in _PASSING:
                raise  # retried with back-off
            refused.append(f"{chat.title}: {error.message}")
    summary = post.body.splitlines()[0][:300] if post.body else ""
    if refused:
        _finish(delivery, GitHubDelivery.Status.FAILED, "Not posted to " + "; ".join(refused))
    else:
        _finish(delivery, GitHubDelivery.Status.POSTED, summary)


def _finish(delivery: GitHubDelivery, status: str, posted: str) -> None:
    delivery.status = status
    delivery.posted = posted
    delivery.payload = None  # what was posted stays; GitHub keeps the payload itself
    delivery.handled_at = timezone.now()
    delivery.save(update_fields=["status", "posted", "payload", "handled_at"])

"""Pruning the delivery logs (a `pruning` receiver, parley.jobs.retention).

A GitHub delivery and an outgoing-webhook attempt are deleted
INTEGRATIONS_KEEP_DELIVERIES_DAYS after they were received / made: the recent ones stay
for whoever debugs a webhook. None is deleted while its job is waiting or running (a
delivery its post job still has to read; the attempts a retry numbers itself after).
Slack-compatible incoming webhooks keep no log: nothing to prune.
"""

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings

from parley.integrations.github.jobs import post_delivery
from parley.integrations.models import GitHubDelivery, OutgoingDelivery
from parley.integrations.outgoing.jobs import deliver_to_bot
from parley.jobs.retention import delete_in_batches, unfinished_calls


def prune_deliveries(*, now: datetime, batch: int, **kwargs: Any) -> dict[str, int]:
    before = now - timedelta(days=settings.INTEGRATIONS_KEEP_DELIVERIES_DAYS)
    # Only jobs enqueued before the cutoff can be for a delivery older than it.
    posting = [
        (call["args"] or [call["kwargs"].get("delivery_id")])[0]
        for call in unfinished_calls(post_delivery, before)
    ]
    delivering = [
        call["kwargs"].get("message_id") for call in unfinished_calls(deliver_to_bot, before)
    ]
    github = GitHubDelivery.objects.filter(received_at__lt=before).exclude(pk__in=posting)
    outgoing = OutgoingDelivery.objects.filter(created_at__lt=before).exclude(
        message_id__in=delivering
    )
    return {
        "github deliveries": delete_in_batches(github, batch),
        "outgoing deliveries": delete_in_batches(outgoing, batch),
    }

"""Delivery logs are pruned by the retention job (docs/jobs.md#retention): old ones go,
recent ones stay for whoever debugs a webhook, and none whose job is still to run."""

import hashlib
import hmac
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from parley.accounts.actions.bots import check_create_bot
from parley.core.testing.jobs import run_due_jobs
from parley.integrations.github.actions import check_create_github_link
from parley.integrations.github.tests.fixtures import delivery
from parley.integrations.models import GitHubDelivery, GitHubLink, OutgoingDelivery
from parley.integrations.outgoing.actions import deliveries_of
from parley.integrations.outgoing.jobs import deliver_to_bot
from parley.jobs.retention import prune
from parley.messaging.actions.rooms import check_create_room
from parley.messaging.actions.send import check_send_message
from parley.messaging.models import Message

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def chat(alice):
    return check_create_room(alice, title="Dev").chats.get(is_default=True)


def deliver(link: GitHubLink, guid: str) -> Any:
    """GitHub delivering its captured "issues opened" event as delivery `guid`."""
    captured = delivery("issues__opened")
    signature = hmac.new(link.secret().encode(), captured.body, hashlib.sha256).hexdigest()
    client = Client(
        headers={
            "X-GitHub-Event": captured.event,
            "X-GitHub-Delivery": guid,
            "X-Hub-Signature-256": f"sha256={signature}",
        }
    )
    return client.post(
        f"/integrations/github/{link.key}/", captured.body, content_type="application/json"
    )


def test_old_github_deliveries_go_unless_their_post_is_still_to_run(settings, alice, chat):
    settings.INTEGRATIONS_KEEP_DELIVERIES_DAYS = 14
    link = check_create_github_link(
        alice, chat.room, repository="Codertocat/Hello-World", chat_ids=[chat.pk],
        events=["issues"],
    )  # fmt: skip
    with time_machine.travel(timezone.now() - timedelta(days=15)):
        assert deliver(link, "old-posted").status_code == 202
        run_due_jobs()
        assert deliver(link, "old-waiting").status_code == 202  # its job not run yet
    assert deliver(link, "recent").status_code == 202

    counts = prune()

    assert counts["github deliveries"] == 1
    kept = set(GitHubDelivery.objects.values_list("delivery_id", flat=True))
    assert kept == {"old-waiting", "recent"}
    run_due_jobs()  # the waiting delivery still posts
    assert Message.objects.filter(conversation=chat, sender=link.bot).count() == 3
    assert deliver(link, "recent").json() == {"status": "duplicate"}


def test_old_outgoing_attempts_go_unless_their_delivery_is_still_to_run(settings, alice, chat):
    settings.INTEGRATIONS_KEEP_DELIVERIES_DAYS = 14
    bot = check_create_bot(alice, username="helper-bot", display_name="Helper")

    def sent(body: str) -> Message:
        result = check_send_message(alice, client_id=body, body=body, conversation_id=chat.pk)
        return Message.objects.get(pk=result.message.pk)

    with time_machine.travel(timezone.now() - timedelta(days=15)):
        done, retrying = sent("done"), sent("retrying")
        for attempt in (1, 2):
            OutgoingDelivery.objects.create(bot=bot, message=done, attempt=attempt, error="down")
        OutgoingDelivery.objects.create(bot=bot, message=retrying, attempt=1, error="down")
        deliver_to_bot.using(run_after=timezone.now() + timedelta(days=30)).enqueue(
            bot_id=bot.pk, message_id=retrying.pk
        )
    recent = sent("recent")
    OutgoingDelivery.objects.create(bot=bot, message=recent, attempt=1, status_code=200)

    counts = prune()

    assert counts["outgoing deliveries"] == 2
    shown = [(d.message_id, d.attempt) for d in deliveries_of(bot)]  # the bot's page
    assert shown == [(recent.pk, 1), (retrying.pk, 1)]

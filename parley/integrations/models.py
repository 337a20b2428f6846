"""What integrations keep: GitHub repositories linked to chats and their deliveries, and
Slack-compatible incoming webhooks."""

import hashlib
import hmac

from django.conf import settings
from django.db import models
from django.utils.crypto import get_random_string


def new_key() -> str:
    return get_random_string(24)


def new_salt() -> str:
    return get_random_string(32)


class GitHubLink(models.Model):
    """A GitHub repository's webhook, posting into chats of one room as the link's bot.

    The webhook's URL names the link by `key`. Its secret is not stored: it is an HMAC of
    `secret_salt` under the server's SECRET_KEY (secret()), so the database alone gives
    no one the power to forge a delivery; rotating the secret draws a new salt.
    """

    room = models.ForeignKey("messaging.Room", on_delete=models.CASCADE, related_name="+")
    chats = models.ManyToManyField("messaging.Conversation", related_name="+")
    repository = models.CharField(max_length=140)  # "owner/name", as GitHub spells it
    events = models.JSONField(default=list)  # GitHub event names to post
    branches = models.CharField(max_length=500, blank=True)  # patterns, space-separated
    include_successes = models.BooleanField(default=False)  # CI results that passed too
    key = models.CharField(max_length=24, unique=True, editable=False, default=new_key)
    secret_salt = models.CharField(max_length=32, editable=False, default=new_salt)
    bot = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["repository", "pk"]

    def __str__(self) -> str:
        return f"{self.repository} → {self.room}"

    def secret(self) -> str:
        """The secret to paste into GitHub's settings, and to check deliveries with."""
        message = f"parley.integrations.github:{self.key}:{self.secret_salt}".encode()
        return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()

    def branch_patterns(self) -> list[str]:
        return self.branches.split()


class GitHubDelivery(models.Model):
    """One webhook delivery GitHub made to a link: stored before the answer, posted after
    by a job (parley/integrations/github/jobs.py), shown in the link's delivery log."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        POSTED = "posted"
        IGNORED = "ignored"  # an event or action the link does not post
        FAILED = "failed"

    link = models.ForeignKey(GitHubLink, on_delete=models.CASCADE, related_name="deliveries")
    delivery_id = models.CharField(max_length=64)  # X-GitHub-Delivery
    event = models.CharField(max_length=64)
    action = models.CharField(max_length=64, blank=True)
    payload = models.JSONField(null=True, blank=True)  # dropped once handled
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    posted = models.TextField(blank=True)  # what was posted (or why not)
    received_at = models.DateTimeField(auto_now_add=True)
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["link", "delivery_id"], name="githubdelivery_once")
        ]
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.event} {self.delivery_id}"


class SlackWebhook(models.Model):
    """A Slack-compatible incoming webhook: what is POSTed to its URL is posted in `chat`
    by the webhook's bot.

    The URL names the webhook by `key`, and knowing it is what lets one post (as with
    Slack's own). An optional signing secret, when `signing_salt` is set, must sign each
    request (Slack's v0 scheme); like a GitHub link's secret it is not stored but derived
    from the salt under SECRET_KEY, and setting a new one draws a new salt.
    """

    room = models.ForeignKey("messaging.Room", on_delete=models.CASCADE, related_name="+")
    chat = models.ForeignKey("messaging.Conversation", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=24, unique=True, editable=False, default=new_key)
    signing_salt = models.CharField(max_length=32, blank=True, editable=False)  # "": unsigned
    bot = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"webhook {self.pk} → {self.chat_id}"

    def signing_secret(self) -> str | None:
        """The secret requests must be signed with, or None when signing is off."""
        if not self.signing_salt:
            return None
        message = f"parley.integrations.slack:{self.key}:{self.signing_salt}".encode()
        return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


class OutgoingDelivery(models.Model):
    """One attempt to deliver a message to a bot's outgoing webhook: the bot's delivery
    log (parley/integrations/outgoing/jobs.py), its last 50 shown on the bot's page."""

    bot = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey("messaging.Message", on_delete=models.CASCADE, related_name="+")
    attempt = models.PositiveSmallIntegerField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)  # none: no answer
    error = models.CharField(max_length=300, blank=True)  # why it failed, if it did
    reply_posted = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["bot", "-created_at"], name="outgoingdelivery_bot_idx")]
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"message {self.message_id} to bot {self.bot_id}, attempt {self.attempt}"

"""One browser's Web Push subscription: where its push service takes pushes for it, and
the keys to encrypt them with. Written by parley.push.actions, read by its jobs."""

from django.conf import settings
from django.db import models


class PushSubscription(models.Model):
    """A browser of `user` that accepts pushes. The endpoint is the browser's (unique:
    signing in as someone else on that browser moves it to them); it is deleted when its
    push service says it is gone (404/410) or the user removes it in settings."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.TextField()
    # SHA-256 of the endpoint, hex: the unique key (MariaDB indexes no long text).
    endpoint_digest = models.CharField(max_length=64, unique=True)
    # The browser's ECDH public key (P-256 point, 65 bytes) and auth secret (16 bytes),
    # base64url, as PushSubscription.toJSON() gives them.
    p256dh = models.CharField(max_length=100)
    auth = models.CharField(max_length=40)
    # What the settings page calls it: "Firefox on Linux", from the User-Agent.
    label = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_push_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "created_at"], name="push_subscription_user")]

    def __str__(self) -> str:
        return f"push subscription {self.pk} of {self.user_id} ({self.label})"


class PushScanCursor(models.Model):
    """The push scan's place in the message table (one row, pk 1): the highest message id
    it has looked at, and the tick that the running chain of scan jobs holds
    (parley.push.scan)."""

    last_message_id = models.PositiveBigIntegerField(default=0)
    tick = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"push scanned to message {self.last_message_id}"

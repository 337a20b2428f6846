"""A broadcast: one message sent at once to many people and rooms, and its copies.

Each copy is an ordinary Message in its conversation (with its seq, live and resumable
like any other); a Broadcast keeps what the sender asked for, what was refused and why,
and a BroadcastCopy per conversation it reached, whose read markers say who read it.
Written only by parley.broadcasts.actions.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Broadcast(models.Model):
    """One broadcast of `sender`. (sender, client_id) is unique: a retry of the same
    broadcast finds this row instead of sending again."""

    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="broadcasts"
    )
    client_id = models.CharField(max_length=64)
    body = models.TextField()
    html = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    # People the copies reached when they were sent (the members of each conversation
    # but the sender, each person once).
    recipient_count = models.PositiveIntegerField(default=0)
    # What was asked for and not sent: [{"kind", "id", "name", "code", "reason"}].
    refused = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sender", "client_id"], name="broadcast_client_unique")
        ]
        indexes = [models.Index(fields=["sender", "-id"], name="broadcast_sender_idx")]

    def __str__(self) -> str:
        return f"broadcast {self.pk} by {self.sender_id}"


class BroadcastCopy(models.Model):
    """The copy of a broadcast in one conversation: a direct conversation with `person`,
    or a chat of `room`."""

    broadcast = models.ForeignKey(Broadcast, on_delete=models.CASCADE, related_name="copies")
    conversation = models.ForeignKey(
        "messaging.Conversation", on_delete=models.CASCADE, related_name="+"
    )
    message = models.ForeignKey("messaging.Message", on_delete=models.CASCADE, related_name="+")
    seq = models.PositiveBigIntegerField()
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, related_name="+"
    )
    room = models.ForeignKey(
        "messaging.Room", on_delete=models.CASCADE, null=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["broadcast", "conversation"], name="broadcast_copy_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.broadcast_id} in {self.conversation_id}#{self.seq}"

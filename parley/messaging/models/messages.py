from django.conf import settings
from django.db import models
from django.utils import timezone


class Message(models.Model):
    """One message, numbered `seq` within its conversation.

    (conversation, seq) is unique and is the index every history page walks;
    (sender, client_id) is unique so that a resend returns the original message.
    """

    conversation = models.ForeignKey(
        "messaging.Conversation", on_delete=models.CASCADE, related_name="messages"
    )
    seq = models.PositiveBigIntegerField()
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="messages"
    )
    client_id = models.CharField(max_length=64)
    body = models.TextField()
    html = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="message_seq_unique"),
            models.UniqueConstraint(fields=["sender", "client_id"], name="message_client_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id}#{self.seq}"

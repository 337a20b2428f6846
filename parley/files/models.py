"""An attachment: one uploaded file, stored under an unguessable name, and the message
that holds it once sent."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Attachment(models.Model):
    """A file `uploader` put in `conversation`, and from `attached_at` on, in `message`.

    Before it is sent only the uploader may fetch it; after, whoever may read `message`
    (parley.files.access). `message` NULL with `attached_at` set means the message is
    gone for good: the file is no longer served and the orphan sweep deletes it.
    `path` and `thumbnail` are names in Django's default storage; `content_type` is
    what Parley found in the bytes, never what the client said.
    """

    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attachments"
    )
    conversation = models.ForeignKey(
        "messaging.Conversation", on_delete=models.CASCADE, related_name="+"
    )
    message = models.ForeignKey(
        "messaging.Message",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="attachment_set",
    )
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    path = models.CharField(max_length=200, unique=True)
    thumbnail = models.CharField(max_length=200, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    attached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["uploader", "attached_at"], name="attachment_pending_idx"),
            models.Index(fields=["attached_at", "created_at"], name="attachment_orphan_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.pk})"

    @property
    def is_image(self) -> bool:
        return bool(self.thumbnail)

"""Messages and what hangs on them: earlier versions, reactions, mentions, and the numbered
changes (edits, deletes, reactions, moves) that share the conversation's stream of seqs."""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone


class Message(models.Model):
    """One message, numbered `seq` within its conversation's stream.

    (conversation, seq) is unique and is the index every history page walks;
    (sender, client_id) is unique so that a resend returns the original message.
    `number` counts messages only (seqs also go to edits, deletes, reactions and moves),
    so unread counts are a subtraction. `updated_seq` is the seq of the last change, so a
    client never replaces a newer copy with an older one.
    """

    conversation = models.ForeignKey(
        "messaging.Conversation", on_delete=models.CASCADE, related_name="messages"
    )
    seq = models.PositiveBigIntegerField()
    number = models.PositiveBigIntegerField(default=0)
    updated_seq = models.PositiveBigIntegerField(default=0)
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="messages"
    )
    client_id = models.CharField(max_length=64)
    body = models.TextField()
    html = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    edit_count = models.PositiveIntegerField(default=0)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reply_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replies"
    )
    # A message moved to another chat leaves this tombstone pointing at its new copy.
    moved_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    moved_from = models.ForeignKey(
        "messaging.Conversation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Denormalised for cheap pages and events; Mention and Reaction rows are the truth.
    mentioned_ids = models.JSONField(default=list, blank=True)
    reactions = models.JSONField(default=list, blank=True)
    # What a client shows of each file (parley.files.links.Stored); parley.files'
    # Attachment rows are the truth, and decide who may fetch them.
    attachments = models.JSONField(default=list, blank=True)
    # A call's history entry (parley/calls) carries the call as catalogue.CallEntry; it
    # is the calls app's to write, and cannot be edited, deleted or moved.
    call = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="message_seq_unique"),
            models.UniqueConstraint(fields=["sender", "client_id"], name="message_client_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id}#{self.seq}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class MessageEdit(models.Model):
    """A previous version of an edited message (the current one is on the message)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="edits")
    body = models.TextField()
    html = models.TextField()
    # When this version was written: the message's creation or its previous edit.
    written_at = models.DateTimeField()
    replaced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["message", "replaced_at"], name="message_edit_idx")]

    def __str__(self) -> str:
        return f"version of {self.message_id} until {self.replaced_at:%Y-%m-%d %H:%M}"


class ExactCharField(models.CharField):  # type: ignore[type-arg]  # Django's field generics are the stubs' own
    """Compared byte for byte on every database.

    MariaDB/MySQL's default utf8mb4 collations count all emoji as equal (🎉 = 👍), so
    there the column gets utf8mb4_bin; PostgreSQL and SQLite compare exactly already.
    """

    def db_parameters(self, connection: Any) -> dict[str, Any]:
        params = super().db_parameters(connection)
        if connection.vendor == "mysql":
            params["collation"] = "utf8mb4_bin"
        return params


class Reaction(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reaction_set")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    emoji = ExactCharField(max_length=32)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "user", "emoji"], name="reaction_unique")
        ]

    def __str__(self) -> str:
        return f"{self.emoji} by {self.user_id} on {self.message_id}"


class Mention(models.Model):
    """`user` is mentioned in `message`; `seq` is the message's, for unread-mention counts."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="mention_set")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        "messaging.Conversation", on_delete=models.CASCADE, related_name="+"
    )
    seq = models.PositiveBigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "user"], name="mention_unique")]
        indexes = [models.Index(fields=["user", "conversation", "seq"], name="mention_unread_idx")]

    def __str__(self) -> str:
        return f"@{self.user_id} in {self.message_id}"


class ConversationEvent(models.Model):
    """A numbered change to a conversation other than a new message.

    Resume and gap repair merge these with messages by seq. The payload is rebuilt from
    the message's current state when replayed, so a deleted message's old text is never
    replayed; `data` holds only what the current state cannot say (which reaction).
    """

    class Kind(models.TextChoices):
        EDITED = "edited"
        DELETED = "deleted"
        REACTIONS = "reactions"
        MOVED = "moved"
        # Changes of a call's history entry (parley/calls); data: {"user": id} if any.
        CALL_JOINED = "call_joined"
        CALL_LEFT = "call_left"
        CALL_ENDED = "call_ended"
        CALL_MISSED = "call_missed"

    conversation = models.ForeignKey(
        "messaging.Conversation", on_delete=models.CASCADE, related_name="events"
    )
    seq = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="+")
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="event_seq_unique")
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id}#{self.seq} {self.kind}"

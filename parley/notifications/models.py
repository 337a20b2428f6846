"""Each user's notification preferences, and the record of each missed-message email.

Written by parley.notifications.actions (settings) and parley.notifications.email (the
batches); read by parley.notifications.policy.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

DEFAULT_EMAIL_DELAY_SECONDS = 120


class Level(models.TextChoices):
    """How much of a conversation notifies a user."""

    EVERYTHING = "everything", "Every message"
    MENTIONS = "mentions", "Only mentions of me"
    NOTHING = "nothing", "Nothing"


class NotificationSettings(models.Model):
    """A user's switches. No row means the defaults (every field's default)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_settings",
    )
    do_not_disturb = models.BooleanField(default=False)
    email_enabled = models.BooleanField(default=True)
    # From the first message of a batch to its email (if still unread).
    email_delay_seconds = models.PositiveIntegerField(default=DEFAULT_EMAIL_DELAY_SECONDS)
    # Rooms email only mentions unless the user opts in (then per the room's level).
    email_rooms = models.BooleanField(default=False)
    push_enabled = models.BooleanField(default=True)
    desktop_enabled = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"notification settings of {self.user_id}"


class ConversationLevel(models.Model):
    """A user's level for one direct or group conversation, or for a room (all its chats).
    Exactly one of conversation and room is set. No row means the default: everything
    for direct and group conversations, mentions only for rooms."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        "messaging.Conversation", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    room = models.ForeignKey(
        "messaging.Room", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    level = models.CharField(max_length=10, choices=Level.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "conversation"], name="notification_level_conversation_unique"
            ),
            models.UniqueConstraint(fields=["user", "room"], name="notification_level_room_unique"),
            models.CheckConstraint(
                condition=Q(conversation__isnull=True, room__isnull=False)
                | Q(conversation__isnull=False, room__isnull=True),
                name="notification_level_one_target",
            ),
        ]

    def __str__(self) -> str:
        where = f"room {self.room_id}" if self.room_id else f"conversation {self.conversation_id}"
        return f"{self.user_id} in {where}: {self.level}"


class EmailBatch(models.Model):
    """One missed-message email to one user about one conversation: the idempotency record.

    Opened (state pending, `open` True) by the scan when a notifying message finds no open
    batch of that user and conversation; its job runs at `due_at`. The job claims it
    (state sending, `open` NULL: the next message opens a new batch) in a committed
    transaction before talking to the mail server, so a second run of the job sends
    nothing. (user, conversation, first_seq) is unique: one batch per first message;
    (user, conversation, open) is unique: at most one open batch (NULLs never collide).
    """

    class State(models.TextChoices):
        PENDING = "pending"
        SENDING = "sending"  # claimed; the server is being told (or the worker died)
        SENT = "sent"
        SKIPPED = "skipped"  # nothing left to tell, or the user was active

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        "messaging.Conversation", on_delete=models.CASCADE, related_name="+"
    )
    first_seq = models.PositiveBigIntegerField()
    last_seq = models.PositiveBigIntegerField(default=0)  # the last seq it covered
    open = models.BooleanField(null=True, default=True)
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    due_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    message_count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "conversation", "first_seq"], name="email_batch_unique"
            ),
            models.UniqueConstraint(
                fields=["user", "conversation", "open"], name="email_batch_one_open"
            ),
        ]

    def __str__(self) -> str:
        return f"email to {self.user_id} about {self.conversation_id} from #{self.first_seq}"


class ScanCursor(models.Model):
    """The scan's place in the message table (one row, pk 1): the highest message id it
    has looked at, and the tick that the running chain of scan jobs holds."""

    last_message_id = models.PositiveBigIntegerField(default=0)
    tick = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"scanned to message {self.last_message_id}"

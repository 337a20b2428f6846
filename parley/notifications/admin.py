"""The admin's view of preferences and of the missed-message email's batches."""

from django.contrib import admin

from parley.notifications.models import (
    ConversationLevel,
    EmailBatch,
    NotificationSettings,
    ScanCursor,
)


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(admin.ModelAdmin[NotificationSettings]):
    list_display = ("user", "do_not_disturb", "email_enabled", "email_delay_seconds", "email_rooms")
    raw_id_fields = ("user",)


@admin.register(ConversationLevel)
class ConversationLevelAdmin(admin.ModelAdmin[ConversationLevel]):
    list_display = ("user", "conversation", "room", "level")
    raw_id_fields = ("user", "conversation", "room")


@admin.register(EmailBatch)
class EmailBatchAdmin(admin.ModelAdmin[EmailBatch]):
    """Read only: the record that an email was (or was not) sent."""

    list_display = ("user", "conversation", "first_seq", "last_seq", "state", "due_at")
    list_filter = ("state",)
    readonly_fields = (
        "user", "conversation", "first_seq", "last_seq", "open", "state", "due_at",
        "created_at", "finished_at", "message_count",
    )  # fmt: skip


@admin.register(ScanCursor)
class ScanCursorAdmin(admin.ModelAdmin[ScanCursor]):
    list_display = ("last_message_id", "tick")
    readonly_fields = list_display

"""Deleting a message: a tombstone stays in its place; its text, versions and
reactions are gone for good."""

from django.db import transaction
from django.utils import timezone

from parley.accounts.models import User
from parley.core.errors import ErrorCode, ParleyError
from parley.messaging.access import access_message, may_moderate
from parley.messaging.actions._mentions import publish_counts
from parley.messaging.actions._stream import lock_message, next_seq, record_change
from parley.messaging.actions.edit import check_message_writable
from parley.messaging.models import (
    ConversationEvent,
    Mention,
    Message,
    MessageEdit,
    Reaction,
)


def check_delete_message(actor: User, message_id: int) -> int:
    """Delete a message: your own, or any in a room you own or administer.

    Returns the change's seq."""
    message = access_message(actor, message_id)
    if message.sender_id != actor.pk and not may_moderate(actor, message):
        raise ParleyError(ErrorCode.FORBIDDEN, "You can only delete your own messages.")
    check_message_writable(message)
    return do_delete_message(message, actor)


def do_delete_message(message: Message, actor: User) -> int:
    with transaction.atomic():
        now = timezone.now()
        seq, _ = next_seq(message.conversation_id, now)
        current = lock_message(message.pk)
        check_message_writable(current)
        MessageEdit.objects.filter(message=current).delete()
        Reaction.objects.filter(message=current).delete()
        mentioned = list(Mention.objects.filter(message=current).values_list("user_id", flat=True))
        Mention.objects.filter(message=current).delete()
        current.body = current.html = ""
        current.deleted_at, current.deleted_by, current.updated_seq = now, actor, seq
        # Its files stay stored, but are served no more (parley.files.access).
        current.reactions, current.mentioned_ids, current.attachments = [], [], []
        current.save(
            update_fields=[
                "attachments",
                "body",
                "html",
                "deleted_at",
                "deleted_by",
                "updated_seq",
                "reactions",
                "mentioned_ids",
            ]
        )
        record_change(ConversationEvent.Kind.DELETED, current, seq, now)
        publish_counts(current.conversation_id, mentioned)  # their mention badges drop
    return seq

"""Editing your own message: the previous version is kept, the change takes a seq."""

from django.db import transaction
from django.utils import timezone

from parley.accounts.models import User
from parley.core.errors import ErrorCode, ParleyError
from parley.messaging.access import access_message
from parley.messaging.actions._mentions import store_mentions
from parley.messaging.actions._stream import lock_message, next_seq, record_change
from parley.messaging.actions.direct import check_direct_not_blocked
from parley.messaging.actions.send import check_body
from parley.messaging.models import ConversationEvent, Message, MessageEdit
from parley.messaging.rendering import Mentionable, render
from parley.messaging.selectors import mentionable_members


def check_message_writable(message: Message) -> None:
    """Deleted and moved messages, and messages of archived rooms, can't change."""
    if message.is_deleted:
        raise ParleyError(ErrorCode.INVALID, "That message was deleted.")
    if message.moved_to_id:
        raise ParleyError(ErrorCode.INVALID, "That message was moved to another chat.")
    if message.call is not None:
        raise ParleyError(ErrorCode.FORBIDDEN, "A call's entry in the history can't be changed.")
    room = message.conversation.room
    if room is not None and room.is_archived:
        raise ParleyError(ErrorCode.FORBIDDEN, "This room is archived; it is read-only.")


def check_edit_message(editor: User, message_id: int, body: str) -> int | None:
    """Replace the text of `editor`'s own message. Returns the change's seq, or None if
    the text is the same. Not found for messages outside the editor's conversations;
    forbidden in a direct conversation where either person blocked the other."""
    message = access_message(editor, message_id)
    if message.sender_id != editor.pk:
        raise ParleyError(ErrorCode.FORBIDDEN, "You can only edit your own messages.")
    check_direct_not_blocked(editor, message.conversation)
    check_message_writable(message)
    check_body(body)
    if body == message.body:
        return None
    return do_edit_message(message, body, mentionable_members(message.conversation_id, body))


def do_edit_message(message: Message, body: str, mentionable: Mentionable) -> int:
    html, mentioned = render(body, mentionable)
    with transaction.atomic():
        now = timezone.now()
        seq, _ = next_seq(message.conversation_id, now)
        current = lock_message(message.pk)
        check_message_writable(current)  # deleted or moved while we rendered
        MessageEdit.objects.create(
            message=current,
            body=current.body,
            html=current.html,
            written_at=current.edited_at or current.created_at,
            replaced_at=now,
        )
        current.body, current.html = body, html
        current.edited_at, current.updated_seq = now, seq
        current.edit_count += 1
        current.mentioned_ids = mentioned
        fields = ["body", "html", "edited_at", "updated_seq", "edit_count", "mentioned_ids"]
        current.save(update_fields=fields)
        store_mentions(current, mentioned, replace=True)
        record_change(ConversationEvent.Kind.EDITED, current, seq, now)
    return seq

"""Moving a message to another chat of the same room (room owners and admins).

The message is copied to the end of the target chat (its sender and time kept, its
reactions, versions and mentions carried over) and a "moved" tombstone stays in the
source, pointing at the copy. Both chats take a seq: clients in either see the change.
"""

from django.db import transaction
from django.utils import timezone

from parley.accounts.models import User
from parley.core.errors import ErrorCode, ParleyError, not_found
from parley.events.publish import publish_to_conversation
from parley.files.models import Attachment
from parley.messaging.access import access_message, may_moderate
from parley.messaging.actions._mentions import publish_counts
from parley.messaging.actions._stream import lock_message, next_seq, record_change
from parley.messaging.actions.edit import check_message_writable
from parley.messaging.events import MESSAGE_RELATED, message_event
from parley.messaging.models import (
    Conversation,
    ConversationEvent,
    Mention,
    Message,
    MessageEdit,
    Reaction,
)


def check_move_message(actor: User, message_id: int, to_conversation_id: int) -> int:
    """Move a message to chat `to_conversation_id` of the same room. Returns the
    source's seq for the change."""
    message = access_message(actor, message_id)
    room = message.conversation.room
    if room is None:
        raise ParleyError(ErrorCode.INVALID, "Only messages in a room's chats can be moved.")
    if not may_moderate(actor, message):
        raise ParleyError(ErrorCode.FORBIDDEN, "Only the room's admins can move messages.")
    check_message_writable(message)
    target = Conversation.objects.filter(pk=to_conversation_id, room=room).first()
    if target is None:
        raise not_found("That chat")
    if target.pk == message.conversation_id:
        raise ParleyError(ErrorCode.INVALID, "The message is already in that chat.")
    return do_move_message(message, target)


def do_move_message(message: Message, target: Conversation) -> int:
    with transaction.atomic():
        now = timezone.now()
        # Both rows locked, lower id first, so two crossing moves cannot deadlock.
        seqs: dict[int, tuple[int, int]] = {}
        for conversation_id in sorted((message.conversation_id, target.pk)):
            seqs[conversation_id] = next_seq(
                conversation_id, now, message=conversation_id == target.pk
            )
        source_seq, _ = seqs[message.conversation_id]
        target_seq, number = seqs[target.pk]
        current = lock_message(message.pk)
        check_message_writable(current)
        copy = Message.objects.create(
            conversation=target,
            seq=target_seq,
            number=number,
            updated_seq=target_seq,
            sender=current.sender,
            client_id=f"moved:{current.pk}",  # ":" is not allowed in clients' ids
            body=current.body,
            html=current.html,
            created_at=current.created_at,
            edited_at=current.edited_at,
            edit_count=current.edit_count,
            reply_to=current.reply_to,
            moved_from=current.conversation,
            mentioned_ids=current.mentioned_ids,
            reactions=current.reactions,
            attachments=current.attachments,
        )
        Reaction.objects.filter(message=current).update(message=copy)
        MessageEdit.objects.filter(message=current).update(message=copy)
        Attachment.objects.filter(message=current).update(message=copy)  # files follow
        mentioned = list(Mention.objects.filter(message=current).values_list("user_id", flat=True))
        Mention.objects.filter(message=current).update(
            message=copy, conversation=target, seq=target_seq
        )
        current.body = current.html = ""
        current.moved_to, current.updated_seq = copy, source_seq
        current.reactions, current.mentioned_ids, current.attachments = [], [], []
        current.save(
            update_fields=[
                "body", "html", "moved_to", "updated_seq", "reactions", "mentioned_ids",
                "attachments",
            ]
        )  # fmt: skip
        record_change(ConversationEvent.Kind.MOVED, current, source_seq, now)
        copy = Message.objects.select_related(*MESSAGE_RELATED).get(pk=copy.pk)
        publish_to_conversation(target.pk, target_seq, message_event(copy))
        publish_counts(current.conversation_id, mentioned)  # the mention left this chat
    return source_seq

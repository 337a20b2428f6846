"""Read state: how far a user has read in a conversation."""

from django.db import transaction

from parley.accounts.models import User
from parley.events.publish import publish_to_users
from parley.messaging.access import access_participant
from parley.messaging.events import read_event
from parley.messaging.models import Conversation, Mention, Message, Participant


def mark_read(user: User, conversation_id: int, seq: int) -> int:
    """Move `user`'s read marker up to `seq` (never back, never past the stream's end).

    Publishes `read` with the new unread and unread-mention counts to all of the user's
    sockets, so other tabs clear their badges. Returns the unread count.
    """
    participant = access_participant(user, conversation_id)
    conversation = participant.conversation
    seq = min(seq, conversation.last_seq)
    with transaction.atomic():
        if seq > participant.last_read_seq:
            # How many messages are at or before `seq`: the number of the last of them
            # (one step back along the (conversation, seq) index).
            count = (
                Message.objects.filter(conversation_id=conversation_id, seq__lte=seq)
                .order_by("-seq")
                .values_list("number", flat=True)
                .first()
            ) or 0
            Participant.objects.filter(pk=participant.pk, last_read_seq__lt=seq).update(
                last_read_seq=seq, read_count=count
            )
        current, read_count = Participant.objects.values_list("last_read_seq", "read_count").get(
            pk=participant.pk
        )
        unread = max(0, conversation.message_count - read_count)
        mentions = Mention.objects.filter(
            user=user, conversation_id=conversation_id, seq__gt=current
        ).count()
        publish_to_users([user.pk], read_event(conversation_id, current, unread, mentions))
    return unread


def publish_counts(conversation_id: int, user_ids: list[int]) -> None:
    """After commit, send each user a `read` event with their current unread and mention
    counts for a conversation (their marker unchanged): after a change that lowered them,
    such as a deleted or moved message that mentioned them."""
    if not user_ids:
        return
    conversation = Conversation.objects.only("message_count").get(pk=conversation_id)
    rows = Participant.objects.filter(conversation_id=conversation_id, user_id__in=user_ids)
    for user_id, last_read_seq, read_count in rows.values_list(
        "user_id", "last_read_seq", "read_count"
    ):
        mentions = Mention.objects.filter(
            user_id=user_id, conversation_id=conversation_id, seq__gt=last_read_seq
        ).count()
        unread = max(0, conversation.message_count - read_count)
        publish_to_users([user_id], read_event(conversation_id, last_read_seq, unread, mentions))

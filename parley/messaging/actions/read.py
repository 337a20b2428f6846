"""Read state: how far a user has read in a conversation."""

from django.db import transaction

from parley.accounts.models import User
from parley.events.publish import publish_to_users
from parley.messaging.access import access_participant
from parley.messaging.events import read_event
from parley.messaging.models import Mention, Message, Participant


def check_mark_read(user: User, conversation_id: int, seq: int) -> int:
    """Move `user`'s read marker up to `seq` in a conversation they are in (not found
    otherwise). Returns the unread count."""
    return do_mark_read(access_participant(user, conversation_id), seq)


def do_mark_read(participant: Participant, seq: int) -> int:
    """Move a participant's read marker up to `seq` (never back, never past the stream's
    end); `participant` carries its conversation.

    Publishes `read` with the new unread and unread-mention counts to all of the user's
    sockets, so other tabs clear their badges. Returns the unread count.
    """
    user_id, conversation_id = participant.user_id, participant.conversation_id
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
            user_id=user_id, conversation_id=conversation_id, seq__gt=current
        ).count()
        publish_to_users([user_id], read_event(conversation_id, current, unread, mentions))
    return unread

"""Read state: how far a user has read in a conversation."""

from django.db import transaction

from parley.accounts.models import User
from parley.messaging.access import access_participant
from parley.messaging.events import read_event
from parley.messaging.models import Participant
from parley.realtime.publish import publish_to_users


def mark_read(user: User, conversation_id: int, seq: int) -> int:
    """Move `user`'s read marker up to `seq` (never back, never past the last message).

    Publishes `read` with the new unread count to all of the user's sockets, so other
    tabs clear their badges. Returns the unread count.
    """
    participant = access_participant(user, conversation_id)
    last_seq = participant.conversation.last_seq
    seq = min(seq, last_seq)
    with transaction.atomic():
        Participant.objects.filter(pk=participant.pk, last_read_seq__lt=seq).update(
            last_read_seq=seq
        )
        current = Participant.objects.values_list("last_read_seq", flat=True).get(pk=participant.pk)
        unread = max(0, last_seq - current)
        publish_to_users([user.pk], read_event(conversation_id, current, unread))
    return unread

"""@mentions: the Mention rows that count them, and the counts a change lowers."""

from parley.events.publish import publish_to_users
from parley.messaging.events import read_event
from parley.messaging.models import Conversation, Mention, Message, Participant


def store_mentions(message: Message, user_ids: list[int], *, replace: bool = False) -> None:
    """Make the message's Mention rows match `user_ids` (the sender never counts).

    `replace` for an edited message: mentions no longer in it are removed.
    """
    wanted = [uid for uid in user_ids if uid != message.sender_id]
    if replace:
        Mention.objects.filter(message=message).exclude(user_id__in=wanted).delete()
    if wanted:
        Mention.objects.bulk_create(
            [
                Mention(
                    message=message,
                    user_id=uid,
                    conversation_id=message.conversation_id,
                    seq=message.seq,
                )
                for uid in wanted
            ],
            ignore_conflicts=True,
        )


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

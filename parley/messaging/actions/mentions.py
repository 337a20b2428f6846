"""@mentions: which names in a body are members, and the Mention rows that count them."""

from django.db.models.functions import Lower

from parley.messaging.models import Mention, Message, Participant
from parley.messaging.rendering import Mentionable, mentioned_names


def mentionable_members(conversation_id: int, body: str) -> Mentionable:
    """The members of a conversation named after an "@" in `body` (no query without one)."""
    names = mentioned_names(body) if "@" in body else set()
    if not names:
        return {}
    rows = (
        Participant.objects.filter(conversation_id=conversation_id, user__is_active=True)
        .annotate(lowered=Lower("user__username"))
        .filter(lowered__in=names)
        .values_list("lowered", "user_id", "user__username")
    )
    return {lowered: (user_id, username) for lowered, user_id, username in rows}


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

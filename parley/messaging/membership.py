"""Telling a user's sockets that they joined or left a conversation."""

from parley.messaging.events import membership_event
from parley.messaging.models import Conversation
from parley.realtime.publish import publish_membership


def announce_joined(conversation: Conversation, user_id: int) -> None:
    """After commit: `user_id`'s sockets start following `conversation` from its current seq."""
    from parley.accounts.models import User
    from parley.messaging.selectors import conversation_summary

    user = User.objects.get(pk=user_id)
    publish_membership(
        user_id,
        membership_event(
            conversation.pk,
            "joined",
            conversation.last_seq,
            conversation_summary(user, conversation.pk),
        ),
    )


def announce_left(conversation_id: int, user_id: int) -> None:
    """After commit: `user_id`'s sockets stop receiving the conversation at once."""
    publish_membership(user_id, membership_event(conversation_id, "left", 0))

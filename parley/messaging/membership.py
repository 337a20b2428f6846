"""Telling a user's sockets that they joined or left a conversation."""

from collections.abc import Iterable

from parley.messaging.events import conversation_updated_event, membership_event
from parley.messaging.models import Conversation
from parley.realtime.publish import publish_membership, publish_to_conversation_members


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


def announce_updated(conversations: Iterable[Conversation]) -> None:
    """After commit: every member's sockets learn the new names and state of these chats."""
    for conversation in conversations:
        publish_to_conversation_members(conversation.pk, conversation_updated_event(conversation))

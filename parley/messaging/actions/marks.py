"""A member's own marks on a conversation: muted and starred (see Participant)."""

from parley.accounts.models import User
from parley.events.catalogue import ConversationMarked
from parley.events.publish import publish_to_users
from parley.messaging.access import access_participant
from parley.messaging.models import Participant


def check_mark_conversation(
    user: User, conversation_id: int, *, muted: bool | None = None, starred: bool | None = None
) -> ConversationMarked:
    """Set `user`'s marks on a conversation they are in (not found otherwise); a mark left
    None stays as it is."""
    return do_mark_conversation(access_participant(user, conversation_id), muted, starred)


def do_mark_conversation(
    participant: Participant, muted: bool | None, starred: bool | None
) -> ConversationMarked:
    """Store the marks and tell every socket of the user's (conversation.marked), so that
    their other tabs and devices follow."""
    changes: dict[str, bool] = {}
    if muted is not None:
        changes["muted"] = participant.muted = muted
    if starred is not None:
        changes["starred"] = participant.starred = starred
    if changes:
        Participant.objects.filter(pk=participant.pk).update(**changes)
    event = ConversationMarked(
        conversation=participant.conversation_id,
        muted=participant.muted,
        starred=participant.starred,
    )
    if changes:
        publish_to_users([participant.user_id], event)
    return event

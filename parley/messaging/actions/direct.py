"""Direct conversations: one per pair of users, created by the first message."""

from django.db import IntegrityError, transaction

from parley.accounts.models import User
from parley.accounts.selectors import is_blocked_either_way
from parley.core.errors import ErrorCode, ParleyError, not_found
from parley.messaging.access import may_message_directly
from parley.messaging.actions._membership import announce_joined, record_membership_change
from parley.messaging.models import Conversation, Participant
from parley.messaging.selectors import direct_key


def check_direct_conversation(sender: User, to_user_id: int) -> Conversation:
    """The direct conversation between `sender` and a user, created if allowed.

    An unknown, inactive or not-reachable recipient is not_found; blocked is forbidden.
    """
    recipient = User.objects.filter(pk=to_user_id, is_active=True).first()
    if recipient is None:
        raise not_found("That person")
    if recipient.pk == sender.pk:
        raise ParleyError(ErrorCode.INVALID, "Write to yourself in a note, not a message.")
    existing = Conversation.objects.filter(direct_key=direct_key(sender.pk, recipient.pk)).first()
    if existing is not None:
        if is_blocked_either_way(sender, recipient):
            raise ParleyError(ErrorCode.FORBIDDEN, f"You can't message {recipient.name}.")
        return existing
    if not may_message_directly(sender, recipient):
        raise ParleyError(
            ErrorCode.FORBIDDEN,
            f"You can message {recipient.name} once you are friends or share a room.",
        )
    return do_create_direct_conversation(sender, recipient)


def do_create_direct_conversation(sender: User, recipient: User) -> Conversation:
    """Create the direct conversation of two users (or return the one a concurrent
    request just created) and announce it to both."""
    key = direct_key(sender.pk, recipient.pk)
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(
                kind=Conversation.Kind.DIRECT, direct_key=key, created_by=sender
            )
            Participant.objects.bulk_create(
                Participant(conversation=conversation, user=u) for u in (sender, recipient)
            )
            record_membership_change([sender.pk, recipient.pk])
            announce_joined(conversation, [sender.pk, recipient.pk])
            return conversation
    except IntegrityError:
        return Conversation.objects.get(direct_key=key)


def check_direct_not_blocked(sender: User, conversation: Conversation) -> None:
    """Refuse an edit or a reaction in a direct conversation when either person blocked
    the other (sends meet the same rule in SEND_RULES, parley/messaging/access.py)."""
    if conversation.kind != Conversation.Kind.DIRECT or not conversation.direct_key:
        return
    other_id = next(int(i) for i in conversation.direct_key.split(":") if int(i) != sender.pk)
    if is_blocked_either_way(sender.pk, other_id):  # one query on the send path
        raise ParleyError(ErrorCode.FORBIDDEN, "You can't message this person.")

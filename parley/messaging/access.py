"""Fetch-with-permission for conversations: missing and forbidden look the same."""

from parley.accounts.models import User
from parley.core.errors import not_found
from parley.messaging.models import Conversation, Message, Participant, Room, RoomMember


def access_participant(user: User, conversation_id: int) -> Participant:
    """`user`'s participation in a conversation they belong to, with the conversation."""
    participant = (
        Participant.objects.select_related("conversation", "conversation__room")
        .filter(user=user, conversation_id=conversation_id)
        .first()
    )
    if participant is None:
        raise not_found("That conversation")
    return participant


def access_conversation(user: User, conversation_id: int) -> Conversation:
    return access_participant(user, conversation_id).conversation


def access_room(user: User, slug: str) -> tuple[Room, RoomMember | None]:
    """A room `user` may see (public, or private and a member), with their membership."""
    room = Room.objects.filter(slug=slug).first()
    if room is None:
        raise not_found("That room")
    membership = RoomMember.objects.filter(room=room, user=user).first()
    if membership is None and not room.is_public:
        raise not_found("That room")
    return room, membership


def access_message(user: User, message_id: int) -> Message:
    """A message in a conversation `user` is in, with its conversation and room."""
    message = (
        Message.objects.select_related("conversation__room", "sender")
        .filter(pk=message_id, conversation__participants__user=user)
        .first()
    )
    if message is None:
        raise not_found("That message")
    return message

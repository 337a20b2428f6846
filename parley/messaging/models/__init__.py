"""The messaging models, importable from one place."""

from parley.messaging.models.conversations import Conversation, MembershipStamp, Participant
from parley.messaging.models.messages import (
    ConversationEvent,
    Mention,
    Message,
    MessageEdit,
    Reaction,
)
from parley.messaging.models.rooms import Room, RoomInvite, RoomMember

__all__ = [
    "Conversation",
    "ConversationEvent",
    "MembershipStamp",
    "Mention",
    "Message",
    "MessageEdit",
    "Participant",
    "Reaction",
    "Room",
    "RoomInvite",
    "RoomMember",
]

from parley.messaging.models.conversations import Conversation, Participant
from parley.messaging.models.messages import Message
from parley.messaging.models.rooms import Room, RoomInvite, RoomMember

__all__ = ["Conversation", "Message", "Participant", "Room", "RoomInvite", "RoomMember"]

"""The real-time events about conversations and messages, as clients receive them.

Every event is listed in docs/protocol.md; keep the two in step.
"""

from typing import Any

from parley.accounts.events import user_summary
from parley.messaging.models import Conversation, Message


def message_dict(message: Message) -> dict[str, Any]:
    """A message as clients see it, in events, acks of resends, history and resume."""
    return {
        "id": message.pk,
        "conversation": message.conversation_id,
        "seq": message.seq,
        "sender": user_summary(message.sender),
        "client_id": message.client_id,
        "body": message.body,
        "html": message.html,
        "created_at": message.created_at.isoformat(),
    }


def message_event(message: Message) -> dict[str, Any]:
    return {
        "type": "message",
        "conversation": message.conversation_id,
        "seq": message.seq,
        "message": message_dict(message),
    }


def membership_event(
    conversation_id: int, change: str, seq: int, summary: dict[str, Any] | None = None
) -> dict[str, Any]:
    """membership.changed, to the user who joined or left: "joined" carries the summary."""
    event: dict[str, Any] = {
        "type": "membership.changed",
        "conversation": conversation_id,
        "change": change,
        "seq": seq,
    }
    if summary is not None:
        event["summary"] = summary
    return event


def read_event(conversation_id: int, seq: int, unread: int) -> dict[str, Any]:
    return {"type": "read", "conversation": conversation_id, "seq": seq, "unread": unread}


def conversation_updated_event(conversation: Conversation) -> dict[str, Any]:
    """conversation.updated: a chat or its room was renamed, moved or (un)archived."""
    room = conversation.room
    return {
        "type": "conversation.updated",
        "conversation": conversation.pk,
        "title": f"{room.title} › {conversation.title}" if room else conversation.title,
        "chat": conversation.title if room else None,
        "description": conversation.description,
        "room": (
            {"id": room.pk, "slug": room.slug, "title": room.title, "archived": room.is_archived}
            if room
            else None
        ),
    }

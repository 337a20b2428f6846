"""Reads for the settings page."""

from typing import Any

from parley.accounts.models import User
from parley.messaging.models import Conversation, Participant, RoomMember
from parley.messaging.selectors import other_members, title_for
from parley.notifications.models import ConversationLevel, NotificationSettings
from parley.notifications.policy import default_level


def settings_of(user: User) -> NotificationSettings:
    """The user's switches (an unsaved row of defaults if they never saved any)."""
    return NotificationSettings.objects.filter(user=user).first() or NotificationSettings(user=user)


def places_of(user: User) -> list[dict[str, Any]]:
    """The user's direct and group conversations and their rooms, each with its key
    ("c<id>" or "r<id>"), title, chosen level and default. A fixed number of queries."""
    chosen: dict[tuple[int | None, int | None], str] = {
        (c, r): level
        for c, r, level in ConversationLevel.objects.filter(user=user).values_list(
            "conversation_id", "room_id", "level"
        )
    }
    conversation_ids = list(
        Participant.objects.filter(user=user, conversation__room__isnull=True).values_list(
            "conversation_id", flat=True
        )
    )
    people = other_members(user, conversation_ids)
    places: list[dict[str, Any]] = []
    for conversation in Conversation.objects.filter(pk__in=conversation_ids).order_by("pk"):
        default = default_level(conversation.kind).value
        places.append(
            {
                "key": f"c{conversation.pk}",
                "title": title_for(user, conversation, people.get(conversation.pk, [])),
                "level": chosen.get((conversation.pk, None), default),
                "default": default,
            }
        )
    for member in (
        RoomMember.objects.filter(user=user).select_related("room").order_by("room__title")
    ):
        default = default_level(Conversation.Kind.CHAT).value
        places.append(
            {
                "key": f"r{member.room_id}",
                "title": f"Room {member.room.title}",
                "level": chosen.get((None, member.room_id), default),
                "default": default,
            }
        )
    return places

"""Notification preferences: the switches, the email delay and the levels
(docs/notifications.md), over the same actions as Settings → Notifications."""

from typing import Annotated, Any, Literal

from annotated_types import Interval
from ninja import Router
from pydantic import Field

from parley.api.shapes import ERRORS, NotificationLevel, NotificationPreferences
from parley.api.types import Id, Input
from parley.core.http import AuthenticatedRequest
from parley.core.ratelimit import check_rate
from parley.notifications.actions import (
    MAX_EMAIL_DELAY_SECONDS,
    check_set_level,
    check_set_room_level,
    check_update_settings,
)
from parley.notifications.models import ConversationLevel
from parley.notifications.policy import preferences_of

router = Router(tags=["notifications"])

LevelName = Literal["everything", "mentions", "nothing"]


def _preferences(user_id: int) -> dict[str, Any]:
    return preferences_of(user_id)


@router.get("", response={200: NotificationPreferences, **ERRORS}, url_name="notifications")
def get_preferences(request: AuthenticatedRequest) -> dict[str, Any]:
    """Your switches, email delay, and the levels you chose (the defaults apply to every
    other conversation: direct and group everything, rooms mentions)."""
    return _preferences(request.user.pk)


class PreferencesChange(Input):
    do_not_disturb: bool | None = Field(None, description="true: no notification on any channel.")
    email: bool | None = Field(None, description="Missed-message email on or off.")
    push: bool | None = Field(None, description="Web Push on or off.")
    desktop: bool | None = Field(None, description="Desktop notifications on or off.")
    email_rooms: bool | None = Field(
        None, description="Email room messages that do not mention you (rooms at everything)."
    )
    email_delay_seconds: Annotated[int, Interval(ge=0, le=MAX_EMAIL_DELAY_SECONDS)] | None = Field(
        None, description="Seconds from a first missed message to its email (0 to 86400)."
    )


_FIELDS = {"email": "email_enabled", "push": "push_enabled", "desktop": "desktop_enabled"}


@router.patch("", response={200: NotificationPreferences, **ERRORS}, url_name="notifications")
def change_preferences(request: AuthenticatedRequest, data: PreferencesChange) -> dict[str, Any]:
    """Change some of your switches or the email delay (fields left out or null stay)."""
    check_rate("notification", request.user.pk)
    changes = {
        _FIELDS.get(name, name): value for name, value in data.model_dump(exclude_none=True).items()
    }
    if changes:
        check_update_settings(request.user, **changes)
    return _preferences(request.user.pk)


class LevelIn(Input):
    level: LevelName = Field(description="everything, mentions or nothing.")


def _level(row: ConversationLevel) -> dict[str, Any]:
    return {"conversation": row.conversation_id, "room": row.room_id, "level": row.level}


@router.put(
    "/conversations/{conversation_id}",
    response={200: NotificationLevel, **ERRORS},
    url_name="conversation_notifications",
)
def set_conversation_level(
    request: AuthenticatedRequest, conversation_id: Id, data: LevelIn
) -> dict[str, Any]:
    """Your level for a conversation you are in; for a room's chat, it is the room's
    (the answer says which). 404 for a conversation you are not in."""
    check_rate("notification", request.user.pk)
    return _level(check_set_level(request.user, conversation_id, data.level))


@router.put(
    "/rooms/{room_id}", response={200: NotificationLevel, **ERRORS}, url_name="room_notifications"
)
def set_room_level(request: AuthenticatedRequest, room_id: Id, data: LevelIn) -> dict[str, Any]:
    """Your level for a room you are a member of (all its chats). 404 otherwise."""
    check_rate("notification", request.user.pk)
    return _level(check_set_room_level(request.user, room_id, data.level))

"""Changing notification preferences: check_* validates and authorises, do_* writes.

Called by the settings page and the conversation menu (views here) and by the API."""

from django.db import transaction

from parley.accounts.models import User
from parley.core.errors import ErrorCode, ParleyError, not_found
from parley.messaging.access import access_participant
from parley.messaging.models import RoomMember
from parley.notifications.models import ConversationLevel, Level, NotificationSettings

MAX_EMAIL_DELAY_SECONDS = 24 * 3600
SWITCHES = (
    "do_not_disturb",
    "email_enabled",
    "email_rooms",
    "push_enabled",
    "desktop_enabled",
)


def check_update_settings(user: User, **changes: object) -> NotificationSettings:
    """Change some of a user's switches (SWITCHES, booleans) and the email delay (whole
    seconds, 0 to a day). Anything else, or a value of the wrong type, is refused and
    nothing changes."""
    for name, value in changes.items():
        if name == "email_delay_seconds":
            if (
                not isinstance(value, int)
                or isinstance(value, bool)
                or not 0 <= value <= MAX_EMAIL_DELAY_SECONDS
            ):
                raise ParleyError(
                    ErrorCode.INVALID,
                    f"The delay is a whole number of seconds from 0 to {MAX_EMAIL_DELAY_SECONDS}.",
                    field=name,
                )
        elif name in SWITCHES:
            if not isinstance(value, bool):
                raise ParleyError(ErrorCode.INVALID, f"{name} is true or false.", field=name)
        else:
            raise ParleyError(ErrorCode.INVALID, f"Unknown setting {name!r}.", field=name)
    return do_update_settings(user, changes)


def do_update_settings(user: User, changes: dict[str, object]) -> NotificationSettings:
    """Write the changes (trusted), creating the row with the defaults if needed."""
    with transaction.atomic():
        row, _ = NotificationSettings.objects.select_for_update().get_or_create(user=user)
        for name, value in changes.items():
            setattr(row, name, value)
        row.save()
    return row


def _level(value: str) -> Level:
    try:
        return Level(value)
    except ValueError:
        choices = ", ".join(level.value for level in Level)
        raise ParleyError(
            ErrorCode.INVALID, f"The level is one of {choices}.", field="level"
        ) from None


def check_set_level(user: User, conversation_id: int, level: str) -> ConversationLevel:
    """Set the user's level for a conversation they are in; for a room's chat, the level
    of the whole room. not_found for a conversation they are not in."""
    chosen = _level(level)
    conversation = access_participant(user, conversation_id).conversation
    if conversation.room_id is not None:
        return do_set_level(user, chosen, room_id=conversation.room_id)
    return do_set_level(user, chosen, conversation_id=conversation.pk)


def check_set_room_level(user: User, room_id: int, level: str) -> ConversationLevel:
    """Set the user's level for a room they are a member of (not_found otherwise)."""
    chosen = _level(level)
    if not RoomMember.objects.filter(room_id=room_id, user=user).exists():
        raise not_found("That room")
    return do_set_level(user, chosen, room_id=room_id)


def do_set_level(
    user: User, level: Level, *, conversation_id: int | None = None, room_id: int | None = None
) -> ConversationLevel:
    """Write one level (trusted: exactly one of conversation_id and room_id)."""
    rows = ConversationLevel.objects
    if room_id is None:
        row, _ = rows.update_or_create(
            user=user, conversation_id=conversation_id, defaults={"level": level.value}
        )
    else:
        row, _ = rows.update_or_create(user=user, room_id=room_id, defaults={"level": level.value})
    return row

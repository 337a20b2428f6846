"""Who wants to be told of a message, and on which channel: the one policy that email, Web
Push and desktop notifications all follow.

A user is told of a message in a conversation when, in order:
1. do-not-disturb is off (it silences every channel);
2. the channel is switched on (NotificationSettings.email_enabled / push_enabled /
   desktop_enabled);
3. the conversation's level allows it: "everything", or "mentions" and the message
   mentions them; "nothing" never. Defaults (no ConversationLevel row), as Zulip's:
   direct and group conversations everything, rooms mentions only. A room's level covers
   all its chats;
4. for email only, a room message that does not mention them needs the user's rooms
   opt-in (NotificationSettings.email_rooms) on top of a level of everything.

The sender is never told of their own message (notification_targets); whether the user is
connected, idle or has read the message is the channel's business (see presence.py here).
Reads only; every function costs a fixed number of queries.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from parley.messaging.models import Conversation, Message, Participant
from parley.notifications.models import (
    DEFAULT_EMAIL_DELAY_SECONDS,
    ConversationLevel,
    Level,
    NotificationSettings,
)

Channel = Literal["email", "push", "desktop"]
CHANNELS: tuple[Channel, ...] = ("email", "push", "desktop")


@dataclass(frozen=True)
class Switches:
    """A user's switches (the defaults when they never saved any)."""

    do_not_disturb: bool = False
    email: bool = True
    push: bool = True
    desktop: bool = True
    email_rooms: bool = False
    email_delay_seconds: int = DEFAULT_EMAIL_DELAY_SECONDS

    def channel_on(self, channel: Channel) -> bool:
        return {"email": self.email, "push": self.push, "desktop": self.desktop}[channel]


def _switches(row: NotificationSettings) -> Switches:
    return Switches(
        do_not_disturb=row.do_not_disturb,
        email=row.email_enabled,
        push=row.push_enabled,
        desktop=row.desktop_enabled,
        email_rooms=row.email_rooms,
        email_delay_seconds=row.email_delay_seconds,
    )


def switches_for(user_ids: Iterable[int]) -> dict[int, Switches]:
    """Each user's switches, defaults for those with no row (one query)."""
    wanted = set(user_ids)
    found = {
        row.user_id: _switches(row)
        for row in NotificationSettings.objects.filter(user_id__in=wanted)
    }
    return {user_id: found.get(user_id, Switches()) for user_id in wanted}


def default_level(kind: str) -> Level:
    """The level of a conversation of this kind for a user who chose none."""
    return Level.MENTIONS if kind == Conversation.Kind.CHAT else Level.EVERYTHING


def levels_for(user_ids: Iterable[int], conversation: Conversation) -> dict[int, Level]:
    """Each user's level for `conversation` (its room's, for a chat), with the default
    for those who chose none (one query)."""
    wanted = set(user_ids)
    rows = ConversationLevel.objects.filter(user_id__in=wanted)
    if conversation.room_id is not None:
        rows = rows.filter(room_id=conversation.room_id)
    else:
        rows = rows.filter(conversation_id=conversation.pk)
    chosen = {user_id: Level(level) for user_id, level in rows.values_list("user_id", "level")}
    default = default_level(conversation.kind)
    return {user_id: chosen.get(user_id, default) for user_id in wanted}


def allows(
    switches: Switches,
    level: Level,
    *,
    mentioned: bool,
    room: bool,
    channel: Channel,
) -> bool:
    """The rule above, for one user, message and channel (no query)."""
    if switches.do_not_disturb or not switches.channel_on(channel):
        return False
    if level == Level.NOTHING:
        return False
    if mentioned:
        return True
    if level != Level.EVERYTHING:
        return False
    return not (channel == "email" and room and not switches.email_rooms)


def wants_notification(
    user_id: int,
    conversation_id: int,
    *,
    mentioned: bool,
    direct: bool,
    channel: Channel,
) -> bool:
    """Whether `user_id` wants to be told on `channel` of a message in `conversation_id`
    that mentions them (`mentioned`) or not. `direct`: the conversation is a direct or
    group one (not a room's chat); the conversation's own kind decides when the two
    disagree. False for a conversation that does not exist. Three queries (one when the
    conversation does not exist)."""
    conversation = Conversation.objects.filter(pk=conversation_id).only("kind", "room_id").first()
    if conversation is None:
        return False
    level = levels_for([user_id], conversation)[user_id]
    switches = switches_for([user_id])[user_id]
    room = conversation.kind == Conversation.Kind.CHAT
    return allows(switches, level, mentioned=mentioned, room=room, channel=channel)


def notification_targets(message: Message) -> dict[int, set[Channel]]:
    """For a new message: every member of its conversation (the sender aside) who wants
    to be told of it, with the channels they want it on. Four queries.

    Presence and read state are not considered here: email waits and checks them
    (parley.notifications.email), push skips users active anywhere (presence.py here).
    """
    conversation = (
        Conversation.objects.filter(pk=message.conversation_id).only("kind", "room_id").first()
    )
    if conversation is None:
        return {}
    members = Participant.objects.filter(conversation_id=conversation.pk).exclude(
        user_id=message.sender_id
    )
    return targets_among(
        list(members.values_list("user_id", flat=True)), conversation, set(message.mentioned_ids)
    )


def targets_among(
    user_ids: list[int], conversation: Conversation, mentioned: set[int]
) -> dict[int, set[Channel]]:
    """notification_targets for a message in `conversation` mentioning `mentioned`, among
    `user_ids`. Two queries."""
    if not user_ids:
        return {}
    levels = levels_for(user_ids, conversation)
    switches = switches_for(user_ids)
    room = conversation.room_id is not None
    targets: dict[int, set[Channel]] = {}
    for user_id in user_ids:
        channels = {
            channel
            for channel in CHANNELS
            if allows(
                switches[user_id],
                levels[user_id],
                mentioned=user_id in mentioned,
                room=room,
                channel=channel,
            )
        }
        if channels:
            targets[user_id] = channels
    return targets


def preferences_of(user_id: int) -> dict[str, object]:
    """A user's preferences as JSON values, for a client that decides on desktop
    notifications itself: the switches, and the levels chosen per conversation and per
    room (the defaults apply elsewhere)."""
    switches = switches_for([user_id])[user_id]
    rows = ConversationLevel.objects.filter(user_id=user_id)
    levels = list(rows.values_list("conversation_id", "room_id", "level"))
    return {
        "do_not_disturb": switches.do_not_disturb,
        "desktop": switches.desktop,
        "push": switches.push,
        "email": switches.email,
        "email_rooms": switches.email_rooms,
        "email_delay_seconds": switches.email_delay_seconds,
        "conversations": {str(c): level for c, r, level in levels if c is not None},
        "rooms": {str(r): level for c, r, level in levels if r is not None},
        "defaults": {
            "direct": Level.EVERYTHING.value,
            "group": Level.EVERYTHING.value,
            "room": Level.MENTIONS.value,
        },
    }

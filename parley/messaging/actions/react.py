"""Emoji reactions: add or remove yours; the message carries counts and who reacted."""

from typing import Any

import emoji as emoji_lib
from django.db import IntegrityError, transaction
from django.utils import timezone

from parley.accounts.models import User
from parley.core.errors import ErrorCode, ParleyError
from parley.messaging.access import access_message
from parley.messaging.actions._stream import lock_message, next_seq, record_change
from parley.messaging.actions.direct import check_direct_not_blocked
from parley.messaging.actions.edit import check_message_writable
from parley.messaging.models import ConversationEvent, Message, Reaction

MAX_KINDS = 20  # distinct emoji on one message


def check_emoji(value: str) -> str:
    """One emoji (a single grapheme such as 👍, 👍🏽 or 🏳️‍🌈), or refused."""
    if not isinstance(value, str) or not 0 < len(value) <= 32 or not emoji_lib.is_emoji(value):
        raise ParleyError(ErrorCode.INVALID, "A reaction must be a single emoji.")
    return value


def check_react(user: User, message_id: int, emoji: str, on: bool) -> int | None:
    """Add (`on`) or remove `user`'s `emoji` on a message they can read; not in a direct
    conversation where either person blocked the other.

    Returns the change's seq, or None when there was nothing to change.
    """
    check_emoji(emoji)
    message = access_message(user, message_id)
    check_direct_not_blocked(user, message.conversation)
    check_message_writable(message)
    new_kind = on and not any(r["emoji"] == emoji for r in message.reactions)
    if new_kind and len(message.reactions) >= MAX_KINDS:
        raise ParleyError(
            ErrorCode.INVALID, f"A message can have at most {MAX_KINDS} different reactions."
        )
    return do_react(message, user, emoji, on)


NAMES_SHOWN = 10  # per emoji: who reacted, for "Alice, Bob and 3 others"


def _summary(message: Message) -> list[dict[str, Any]]:
    """Reactions grouped by emoji, in the order each emoji was first used: the count, every
    user id, and the names of the first NAMES_SHOWN."""
    grouped: dict[str, list[tuple[int, str]]] = {}
    rows = (
        Reaction.objects.filter(message=message)
        .order_by("created_at", "pk")
        .values_list("emoji", "user_id", "user__display_name", "user__username")
    )
    for emoji, user_id, display_name, username in rows:
        grouped.setdefault(emoji, []).append((user_id, display_name or username))
    return [
        {
            "emoji": emoji,
            "count": len(people),
            "users": [user_id for user_id, _ in people],
            "names": [name for _, name in people[:NAMES_SHOWN]],
        }
        for emoji, people in grouped.items()
    ]


def do_react(message: Message, user: User, emoji: str, on: bool) -> int | None:
    with transaction.atomic():
        now = timezone.now()
        seq, _ = next_seq(message.conversation_id, now)
        current = lock_message(message.pk)
        check_message_writable(current)
        new_kind = on and not any(r["emoji"] == emoji for r in current.reactions)
        if new_kind and len(current.reactions) >= MAX_KINDS:  # checked again under the lock
            raise ParleyError(
                ErrorCode.INVALID, f"A message can have at most {MAX_KINDS} different reactions."
            )
        if on:
            try:
                with transaction.atomic():
                    Reaction.objects.create(message=current, user=user, emoji=emoji, created_at=now)
            except IntegrityError:
                changed = False
            else:
                changed = True
        else:
            mine = Reaction.objects.filter(message=current, user=user, emoji=emoji)
            changed = mine.delete()[0] > 0
        if not changed:
            # Nothing to number: give the seq back by rolling the transaction back.
            transaction.set_rollback(True)
            return None
        current.reactions = _summary(current)
        current.updated_seq = seq
        current.save(update_fields=["reactions", "updated_seq"])
        record_change(
            ConversationEvent.Kind.REACTIONS, current, seq, now, emoji=emoji, user=user.pk, on=on
        )
    return seq

"""The real-time events about conversations and messages, built from the models.

Their types are in parley.events.catalogue (and their prose in docs/protocol.md).
"""

import html
import re
from collections.abc import Mapping
from typing import Any, Literal, cast

from django.utils.html import strip_tags
from msgspec import UNSET

from parley.accounts.events import user_summary
from parley.events import catalogue
from parley.files.links import client_dict
from parley.messaging.models import Conversation, Message, RoomInvite

EXCERPT_CHARS = 140


def conversation_title(conversation: Conversation | None) -> str:
    if conversation is None:
        return ""
    room = conversation.room
    return chat_title(room.title if room else None, conversation.title)


def chat_title(room_title: str | None, title: str) -> str:
    """A conversation's title with its room's, if it has one."""
    return f"{room_title} › {title}" if room_title is not None else title


# Where rendered blocks end: a space there, so that paragraphs do not run together.
_BLOCK_END = re.compile(r"<(?:br|hr)\s*/?>|</(?:p|li|h[1-6]|blockquote|pre|tr|td|th)>")


def excerpt(message: Message, limit: int = EXCERPT_CHARS) -> str:
    """A message as one line of plain text (its rendered text, without Markdown marks),
    cut at `limit` characters; a message of files alone says which (files_note)."""
    text = plain_excerpt(message.html, limit)
    if text or not message.attachments:
        return text
    note = files_note(message)
    return note if len(note) <= limit else note[: limit - 1] + "…"


def files_note(message: Message) -> str:
    """What a message's files are, in words ("sent a file: report.pdf"), for the places
    that show a message as text (push, email, quotes); "" without files."""
    names = [item["name"] for item in message.attachments or []]
    if len(names) == 1:
        return f"sent a file: {names[0]}"
    return f"sent {len(names)} files: {', '.join(names)}" if names else ""


def plain_excerpt(rendered: str, limit: int = EXCERPT_CHARS) -> str:
    """Rendered HTML as one line of plain text, cut at `limit` characters."""
    text = html.unescape(strip_tags(_BLOCK_END.sub(" ", rendered)))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _reply_dict(original: Message) -> catalogue.Quote:
    if original.moved_to_id and original.moved_to is not None:
        original = original.moved_to  # the quote follows the message to its new chat
    sender = original.sender
    return {
        "id": original.pk,
        "conversation": original.conversation_id,
        "seq": original.seq,
        "sender": {"id": sender.pk, "username": sender.username, "name": sender.name},
        "excerpt": "" if original.is_deleted else excerpt(original),
        "deleted": original.is_deleted,
    }


def message_dict(message: Message) -> catalogue.MessageData:
    """A message as clients see it, in events, acks of resends, history and resume.

    Reads reply_to (with its sender), moved_to (with its conversation and room) and
    moved_from (with its room) when set: select_related them (see MESSAGE_RELATED).
    """
    moved_to = message.moved_to
    reply_to = message.reply_to if message.reply_to_id else None
    return {
        "id": message.pk,
        "conversation": message.conversation_id,
        "seq": message.seq,
        "updated_seq": message.updated_seq or message.seq,
        "sender": user_summary(message.sender),
        "client_id": message.client_id,
        "body": message.body,
        "html": message.html,
        "created_at": message.created_at.isoformat(),
        "edited_at": message.edited_at.isoformat() if message.edited_at else None,
        "edit_count": message.edit_count,
        "deleted": message.is_deleted,
        "reply_to": _reply_dict(reply_to) if reply_to is not None else None,
        "mentions": message.mentioned_ids,
        "reactions": message.reactions,
        "attachments": [
            cast(catalogue.Attachment, client_dict(item)) for item in message.attachments or ()
        ],
        "moved_to": (
            {
                "conversation": moved_to.conversation_id,
                "id": moved_to.pk,
                "seq": moved_to.seq,
                "title": conversation_title(moved_to.conversation),
            }
            if moved_to is not None
            else None
        ),
        "moved_from": (
            {
                "conversation": message.moved_from_id,
                "title": conversation_title(message.moved_from),
            }
            if message.moved_from_id
            else None
        ),
        "call": message.call,
    }


# What message_dict reads beyond the message row: pass to select_related.
MESSAGE_RELATED = (
    "sender",
    "reply_to__sender",
    "reply_to__moved_to__sender",
    "moved_to__conversation__room",
    "moved_from__room",
)


def message_event(message: Message) -> catalogue.Message | catalogue.CallStarted:
    """The event of a new message: `message`, or `call.started` for a call's entry."""
    event = catalogue.CallStarted if message.call is not None else catalogue.Message
    return event(
        conversation=message.conversation_id, seq=message.seq, message=message_dict(message)
    )


# The event of each kind of change (ConversationEvent.Kind).
_CHANGES: dict[str, type[catalogue.SequencedEvent]] = {
    "edited": catalogue.MessageEdited,
    "deleted": catalogue.MessageDeleted,
    "reactions": catalogue.MessageReactions,
    "moved": catalogue.MessageMoved,
    "call_joined": catalogue.CallJoined,
    "call_left": catalogue.CallLeft,
    "call_ended": catalogue.CallEnded,
    "call_missed": catalogue.CallMissed,
}


def message_change_event(
    kind: str, message: Message, seq: int, data: Mapping[str, Any] | None = None
) -> catalogue.SequencedEvent:
    """message.edited, message.deleted, message.reactions or message.moved at `seq`.

    Carries the message's whole current state; `data` adds what changed (a reaction's
    emoji, user and on/off).
    """
    return _CHANGES[kind](
        conversation=message.conversation_id, seq=seq, message=message_dict(message), **(data or {})
    )


def membership_event(
    conversation_id: int,
    change: Literal["joined", "left"],
    seq: int,
    summary: Mapping[str, Any] | None = None,
) -> catalogue.MembershipChanged:
    """membership.changed, to the user who joined or left: "joined" carries the summary
    (a selector's dict: the tests check its shape against the catalogue)."""
    return catalogue.MembershipChanged(
        conversation=conversation_id,
        change=change,
        seq=seq,
        summary=UNSET if summary is None else cast(catalogue.ConversationSummary, summary),
    )


def read_event(conversation_id: int, seq: int, unread: int, mentions: int) -> catalogue.Read:
    return catalogue.Read(conversation=conversation_id, seq=seq, unread=unread, mentions=mentions)


def conversation_updated_event(conversation: Conversation) -> catalogue.ConversationUpdated:
    """conversation.updated: a chat or its room was renamed, moved or (un)archived."""
    room = conversation.room
    return catalogue.ConversationUpdated(
        conversation=conversation.pk,
        title=conversation_title(conversation),
        chat=conversation.title if room else None,
        description=conversation.description,
        room=(
            {"id": room.pk, "slug": room.slug, "title": room.title, "archived": room.is_archived}
            if room
            else None
        ),
    )


def invite_data(invite: RoomInvite) -> catalogue.InviteData:
    """An invitation as its invitee's events and chat page carry it (reads its room and
    invited_by: select_related them)."""
    room = invite.room
    return {
        "id": invite.pk,
        "room": {
            "id": room.pk,
            "slug": room.slug,
            "title": room.title,
            "archived": room.is_archived,
        },
        "invited_by": user_summary(invite.invited_by),
        "created_at": invite.created_at.isoformat(),
    }

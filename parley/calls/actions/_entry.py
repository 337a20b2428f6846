"""A call's entry in its conversation's history: a message with `call` set, whose changes
(joined, left, ended, missed) take seqs in the conversation's stream like edits do.

So history, unread counts and resume carry calls with no mechanism of their own: the
entry is a message (it counts as unread for members who were not in the call; the
participants' read markers move past it), and each change is a ConversationEvent that
resume replays from the entry's current state. Runs inside the caller's transaction.
"""

import html
import uuid
from datetime import datetime

from parley.calls.events import call_entry, entry_text
from parley.calls.models import Call
from parley.events.publish import publish_to_conversation
from parley.messaging.actions._stream import lock_message, next_seq, record_change
from parley.messaging.actions.read import do_mark_read
from parley.messaging.events import message_event
from parley.messaging.models import ConversationEvent, Message, Participant


def _html(text: str) -> str:
    return f"<p>{html.escape(text)}</p>"


def create_entry(call: Call, now: datetime) -> Message:
    """The call's entry, at the conversation's next seq (locks its row); published to the
    members after commit as call.started."""
    seq, number = next_seq(call.conversation_id, now, message=True)
    text = entry_text(call)
    message = Message.objects.create(
        conversation_id=call.conversation_id,
        seq=seq,
        number=number,
        updated_seq=seq,
        sender_id=call.started_by_id,
        client_id=f"call-{uuid.uuid4().hex}",
        body=text,
        html=_html(text),
        created_at=now,
        call=call_entry(call),
    )
    call.message = message
    call.save(update_fields=["message"])
    publish_to_conversation(call.conversation_id, seq, message_event(message))
    return message


def change_entry(call: Call, kind: ConversationEvent.Kind, now: datetime, **data: int | str) -> int:
    """Record a change of the call (its entry rewritten from the call's state) at the
    conversation's next seq; published after commit. Returns the seq."""
    seq, _ = next_seq(call.conversation_id, now)
    assert call.message_id is not None  # every call has its entry from its start
    message = lock_message(call.message_id)
    text = entry_text(call)
    message.call, message.body, message.html = call_entry(call), text, _html(text)
    message.updated_seq = seq
    message.save(update_fields=["call", "body", "html", "updated_seq"])
    record_change(kind, message, seq, now, **data)
    return seq


def mark_seen(call: Call, user_id: int) -> None:
    """`user_id` took part in the call: their read marker moves past its entry."""
    if call.message_id is None:
        return
    seq = Message.objects.values_list("seq", flat=True).get(pk=call.message_id)
    participant = (
        Participant.objects.select_related("conversation")
        .filter(user_id=user_id, conversation_id=call.conversation_id)
        .first()
    )
    if participant is not None and participant.last_read_seq < seq:
        do_mark_read(participant, seq)

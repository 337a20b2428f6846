"""Leaving and ending a call: shared by hanging up, declining, the ring timeout and the
liveness checks. Each runs inside the caller's transaction, with the call's row locked
(lock_call), and publishes after commit."""

from datetime import datetime

from parley.calls.actions._entry import change_entry
from parley.calls.events import MISSED, call_dict
from parley.calls.models import Call, CallParticipant, Ring
from parley.events import catalogue
from parley.events.publish import publish_to_conversation_members, publish_to_users
from parley.jobs.queue import enqueue_on_commit
from parley.messaging.models import Conversation, ConversationEvent


def lock_call(call_id: int) -> Call | None:
    """The call's row, locked until the transaction ends (re-read: its state is current)."""
    return Call.objects.select_for_update().select_related("started_by").filter(pk=call_id).first()


def publish_updated(call: Call) -> None:
    """call.updated to every member of the call's conversation, after commit."""
    event = catalogue.CallUpdated(call=call_dict(call))
    publish_to_conversation_members(call.conversation_id, event)


def stop_ringing(call: Call, users: list[int], reason: catalogue.RingStopReason) -> None:
    if users:
        publish_to_users(users, catalogue.CallRingStopped(call=call.pk, reason=reason))


def end_call(call: Call, reason: Call.EndReason, now: datetime) -> None:
    """End a live call: everyone still in it leaves, ringing stops (its callees missed
    it), the entry says how it went (call.ended, or call.missed if nobody answered)."""
    if call.ended_at is not None:
        return
    call.ended_at, call.end_reason, call.live_conversation = now, reason, None
    call.save(update_fields=["ended_at", "end_reason", "live_conversation"])
    CallParticipant.objects.filter(call=call, left_at__isnull=True).update(
        left_at=now, live_user=None, socket="", left_reason=CallParticipant.LeftReason.HANGUP
    )
    ringing = list(
        Ring.objects.filter(call=call, state=Ring.State.RINGING).values_list("user_id", flat=True)
    )
    Ring.objects.filter(call=call, state=Ring.State.RINGING).update(
        state=Ring.State.MISSED, updated_at=now
    )
    stop_ringing(call, ringing, "timeout" if reason == Call.EndReason.TIMEOUT else "ended")
    kind = (
        ConversationEvent.Kind.CALL_MISSED
        if reason in MISSED
        else ConversationEvent.Kind.CALL_ENDED
    )
    change_entry(call, kind, now)
    publish_updated(call)
    if call.mode == Call.Mode.SFU:
        from parley.calls.jobs import destroy_sfu_room  # jobs import the actions

        enqueue_on_commit(destroy_sfu_room, call.pk)


def leave_call(
    call: Call,
    participant: CallParticipant,
    now: datetime,
    reason: CallParticipant.LeftReason = CallParticipant.LeftReason.HANGUP,
) -> None:
    """`participant` leaves, for `reason` (hung up; dropped: their socket went away;
    removed: they lost access to the conversation). A direct call then ends (either
    person leaving ends it); any other call ends when nobody is left in it; else the
    others hear of it (call.left with the reason)."""
    participant.left_at, participant.live_user, participant.socket = now, None, ""
    participant.left_reason = reason
    participant.save(update_fields=["left_at", "live_user", "socket", "left_reason"])
    left = CallParticipant.objects.filter(call=call, left_at__isnull=True).count()
    direct = Conversation.objects.filter(
        pk=call.conversation_id, kind=Conversation.Kind.DIRECT
    ).exists()
    if left == 0 or (direct and call.answered_at is not None):
        if call.answered_at is None:
            ended = Call.EndReason.CANCELLED
        elif reason == CallParticipant.LeftReason.DROPPED:
            ended = Call.EndReason.DROPPED
        else:
            ended = Call.EndReason.HANGUP
        end_call(call, ended, now)
        return
    change_entry(
        call, ConversationEvent.Kind.CALL_LEFT, now, user=participant.user_id, reason=reason.value
    )
    publish_updated(call)

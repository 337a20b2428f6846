"""Calls' timers as jobs (docs/jobs.md): they outlive the process that set them."""

from django.db import transaction
from django.utils import timezone

from parley.calls import sfu
from parley.calls.actions._end import end_call, lock_call, publish_updated, stop_ringing
from parley.calls.actions.liveness import expire
from parley.calls.models import Call, Ring
from parley.jobs.queue import job


@job(max_attempts=5, retry_seconds=2)
def ring_timeout(call_id: int) -> None:
    """CALL_RING_SECONDS after the start: whoever is still ringing missed it, and a call
    nobody answered ends (timeout: a missed call). Nothing if all that happened already."""
    with transaction.atomic():
        call = lock_call(call_id)
        if call is None or call.ended_at is not None:
            return
        now = timezone.now()
        if call.answered_at is None:
            end_call(call, Call.EndReason.TIMEOUT, now)
            return
        rings = Ring.objects.filter(call=call, state=Ring.State.RINGING)
        ringing = list(rings.values_list("user_id", flat=True))
        if ringing:
            Ring.objects.filter(call=call, user_id__in=ringing).update(
                state=Ring.State.MISSED, updated_at=now
            )
            stop_ringing(call, ringing, "timeout")
            publish_updated(call)


@job(max_attempts=5, retry_seconds=2)
def participant_gone(participant_id: int) -> None:
    """CALL_GRACE_SECONDS after a participant's socket closed: they leave unless a socket
    of theirs joined the call again meanwhile."""
    expire(participant_id)


@job(max_attempts=5, retry_seconds=5)
def destroy_sfu_room(call_id: int) -> None:
    """An SFU call ended: its Janus room goes (Janus hangs up on anyone still in it)."""
    sfu.destroy_room(call_id)


@job(max_attempts=5, retry_seconds=2)
def kick_from_sfu_room(call_id: int, user_id: int) -> None:
    """A participant of an SFU call lost access to its conversation: Janus puts them out
    of the room (idempotent), so their media stops for the others too."""
    sfu.kick(call_id, user_id)

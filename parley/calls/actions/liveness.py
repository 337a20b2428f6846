"""Participants' liveness: no call stays "ongoing" after its people's sockets are gone.

A participant is in a call on one socket. That socket pings every CALL_HEARTBEAT_SECONDS
(heartbeat: `seen_at`). When it closes, socket_gone clears it and schedules a check
CALL_GRACE_SECONDS later (a job: it survives the process); by then a reconnected socket
has joined again (`socket` set anew, parley.calls.actions.join) and stays in, otherwise
the participant leaves. A process that dies closes nothing: sweep_stale, run by every
serving process, lets go of participants whose last heartbeat is older than the grace
period plus a heartbeat.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from parley.calls.actions._end import leave_call, lock_call
from parley.calls.models import CallParticipant
from parley.jobs.queue import enqueue_on_commit


def grace() -> timedelta:
    return timedelta(seconds=settings.CALL_GRACE_SECONDS)


def heartbeat(socket: str) -> int:
    """The socket is alive: its participant (if any) is seen now. Returns rows touched."""
    return CallParticipant.objects.filter(socket=socket, left_at__isnull=True).update(
        seen_at=timezone.now()
    )


def socket_gone(socket: str) -> None:
    """The socket closed: its participant (if any) has CALL_GRACE_SECONDS to come back."""
    from parley.calls.jobs import participant_gone  # jobs import the actions

    with transaction.atomic():
        now = timezone.now()
        ids = list(
            CallParticipant.objects.filter(socket=socket, left_at__isnull=True).values_list(
                "pk", flat=True
            )
        )
        if not ids:
            return
        CallParticipant.objects.filter(pk__in=ids).update(socket="")
        for participant_id in ids:
            enqueue_on_commit(participant_gone.using(run_after=now + grace()), participant_id)


def expire(participant_id: int, now: datetime | None = None) -> bool:
    """Let the participant go if their socket is still gone (none bound, or silent since
    before the grace period). True if they left; idempotent."""
    now = timezone.now() if now is None else now
    with transaction.atomic():
        participant = CallParticipant.objects.filter(pk=participant_id).first()
        if participant is None or participant.left_at is not None:
            return False
        call = lock_call(participant.call_id)
        participant = CallParticipant.objects.get(pk=participant_id)  # after the lock
        if call is None or participant.left_at is not None:
            return False
        silent = now - participant.seen_at >= grace()
        if participant.socket and not silent:
            return False  # a socket of theirs is in the call (again)
        leave_call(call, participant, now, CallParticipant.LeftReason.DROPPED)
        return True


def sweep_stale(now: datetime | None = None) -> int:
    """Participants not heard of for the grace period plus a heartbeat leave (their
    process died, taking its sockets and their close with it). Returns how many."""
    now = timezone.now() if now is None else now
    cutoff = now - grace() - timedelta(seconds=settings.CALL_HEARTBEAT_SECONDS)
    stale = CallParticipant.objects.filter(left_at__isnull=True, seen_at__lt=cutoff)
    return sum(expire(pk, now) for pk in stale.values_list("pk", flat=True)[:100])

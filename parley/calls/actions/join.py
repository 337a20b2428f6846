"""Joining a call: accepting a ring, joining one going on, or taking one's place again
from a new socket after a reconnect (within the grace period)."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from parley.accounts.models import User
from parley.calls import sfu
from parley.calls.access import access_call, call_not_found
from parley.calls.actions._end import lock_call, publish_updated, stop_ringing
from parley.calls.actions._entry import change_entry, mark_seen
from parley.calls.actions.start import Joined, already_in_a_call, mesh_cap
from parley.calls.events import call_dict
from parley.calls.models import Call, CallParticipant, Ring
from parley.core.errors import ErrorCode, ParleyError
from parley.messaging.models import ConversationEvent


def check_join_call(user: User, socket: str, call_id: int) -> Joined:
    """Join a live call of a conversation `user` is in, from the socket named `socket`
    (not found otherwise). Conflict if `user` is in another call or the call is full."""
    access_call(user, call_id, live=True)
    return do_join_call(user, socket, call_id)


def do_join_call(user: User, socket: str, call_id: int) -> Joined:
    """Put `user` in the call on `socket` (or move them to `socket` if they are in it:
    rejoined). Accepting stops the ringing on the user's other devices; the first
    answer makes the call ongoing. Publishes call.joined (the entry), call.updated and
    call.ring_stopped after commit."""
    try:
        with transaction.atomic():
            call = lock_call(call_id)
            if call is None or call.ended_at is not None:
                raise call_not_found(call_id)
            now = timezone.now()
            mine = CallParticipant.objects.filter(live_user=user.pk).first()
            if mine is not None and mine.call_id == call.pk:
                mine.socket, mine.seen_at = socket, now
                mine.save(update_fields=["socket", "seen_at"])
                return Joined(call_dict(call), rejoined=True)
            if mine is not None:
                raise already_in_a_call()
            count = CallParticipant.objects.filter(call=call, left_at__isnull=True).count()
            cap = sfu.ROOM_PUBLISHERS if call.mode == Call.Mode.SFU else mesh_cap(call.kind)
            if count >= cap:
                raise _full(call, cap)
            CallParticipant.objects.create(
                call=call, user=user, live_user=user.pk, socket=socket, joined_at=now, seen_at=now
            )
            rang = Ring.objects.filter(call=call, user=user, state=Ring.State.RINGING).update(
                state=Ring.State.ACCEPTED, updated_at=now
            )
            if rang:
                stop_ringing(call, [user.pk], "accepted")
            if call.answered_at is None:
                call.answered_at = now
                call.save(update_fields=["answered_at"])
            change_entry(call, ConversationEvent.Kind.CALL_JOINED, now, user=user.pk)
            mark_seen(call, user.pk)
            publish_updated(call)
            return Joined(call_dict(call), rejoined=False)
    except IntegrityError as error:
        raise already_in_a_call() from error  # joined another call meanwhile


def _full(call: Call, cap: int) -> ParleyError:
    """The refusal of one more participant than `call` holds. A mesh call keeps its mode
    (switching would renegotiate everyone), so with an SFU configured the message says
    that the next call can be bigger."""
    what = "a voice" if call.kind == Call.Kind.VOICE else "a video"
    message = f"This call is full: at most {cap} people in {what} call."
    if call.mode == Call.Mode.MESH and settings.JANUS_URL:
        message += (
            " It connects everyone directly and stays so; a call started after it ends"
            " goes through the media server and holds more."
        )
    return ParleyError(ErrorCode.CONFLICT, message, call=call.pk, limit=cap)

"""Losing access to a conversation takes a user out of its call at once.

Connected to parley.core.access's access_ended (CallsConfig.ready), which every action
that ends access sends inside its transaction (leaving or removal from a room, a room
deleted, a block, a deactivated account). Each user in a call there leaves it (reason
"removed": call.left to the others, or the call ends if they were the last, or if it was
a direct call); their own pages hear call.removed; their ringing for a call there stops
(an unanswered call with nobody else to answer it ends, cancelled); and in an SFU call
Janus puts them out of the room (a job), so their media stops for the others too.
"""

from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from parley.calls.actions._end import end_call, leave_call, lock_call, publish_updated, stop_ringing
from parley.calls.models import Call, CallParticipant, Ring
from parley.core.access import AccessEndReason
from parley.events import catalogue
from parley.events.publish import publish_to_users
from parley.jobs.queue import enqueue_on_commit
from parley.messaging.models import Conversation, Participant


def on_access_ended(
    sender: Any,
    *,
    user_ids: list[int],
    conversations: list[int] | None,
    peer: int | None,
    reason: AccessEndReason,
    **kwargs: Any,
) -> None:
    """access_ended's receiver: end these users' part in the calls concerned."""
    end_participation(user_ids, _scope(conversations, peer), reason)


def _scope(conversations: list[int] | None, peer: int | None) -> Q:
    """Which calls: those of `conversations` (None: all), or of direct conversations that
    `peer` is in."""
    scope = Q()
    if conversations is not None:
        scope &= Q(call__conversation_id__in=conversations)
    if peer is not None:
        peer_in = Participant.objects.filter(conversation_id=OuterRef("call__conversation_id"))
        scope &= Q(call__conversation__kind=Conversation.Kind.DIRECT) & Q(
            Exists(peer_in.filter(user_id=peer))
        )
    return scope


def end_participation(user_ids: list[int], scope: Q, reason: AccessEndReason) -> None:
    """Take `user_ids` out of the live calls in `scope` and stop their ringing there.
    Inside the caller's transaction (its own when there is none); publishes after commit."""
    with transaction.atomic():
        participants: QuerySet[CallParticipant] = CallParticipant.objects.filter(
            scope, user_id__in=user_ids, left_at__isnull=True
        )
        rings: QuerySet[Ring] = Ring.objects.filter(
            scope, user_id__in=user_ids, state=Ring.State.RINGING, call__ended_at__isnull=True
        )
        call_ids = set(participants.values_list("call_id", flat=True))
        call_ids |= set(rings.values_list("call_id", flat=True))
        for call_id in sorted(call_ids):  # locked in id order: no deadlock with another
            call = lock_call(call_id)
            if call is not None and call.ended_at is None:
                _take_out(call, user_ids, reason)


def _take_out(call: Call, user_ids: list[int], reason: AccessEndReason) -> None:
    now = timezone.now()
    rang = list(
        Ring.objects.filter(call=call, user_id__in=user_ids, state=Ring.State.RINGING).values_list(
            "user_id", flat=True
        )
    )
    if rang:
        Ring.objects.filter(call=call, user_id__in=rang, state=Ring.State.RINGING).update(
            state=Ring.State.MISSED, updated_at=now
        )
        stop_ringing(call, rang, "ended")
    out = CallParticipant.objects.filter(call=call, user_id__in=user_ids, left_at__isnull=True)
    for participant in list(out.order_by("user_id")):
        if call.ended_at is None:  # (else the call ended as an earlier one left)
            leave_call(call, participant, now, CallParticipant.LeftReason.REMOVED)
            if call.mode == Call.Mode.SFU and call.ended_at is None:
                from parley.calls.jobs import kick_from_sfu_room  # jobs import the actions

                # An ended call's room is destroyed instead (end_call's job).
                enqueue_on_commit(kick_from_sfu_room, call.pk, participant.user_id)
        publish_to_users([participant.user_id], catalogue.CallRemoved(call=call.pk, reason=reason))
    if call.ended_at is None and rang:
        still_ringing = Ring.objects.filter(call=call, state=Ring.State.RINGING).exists()
        if call.answered_at is None and not still_ringing:
            end_call(call, Call.EndReason.CANCELLED, now)
        else:
            publish_updated(call)

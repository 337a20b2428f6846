"""Starting a call in a conversation: the caller is in it at once, the other members of a
direct or group conversation are rung, a room chat's members see it going on."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from parley.accounts.events import user_summary
from parley.accounts.models import User
from parley.calls.actions._end import end_call, publish_updated
from parley.calls.actions._entry import create_entry, mark_seen
from parley.calls.events import call_dict
from parley.calls.models import Call, CallParticipant, Ring
from parley.core.errors import ErrorCode, ParleyError
from parley.events import catalogue
from parley.events.publish import publish_to_users
from parley.jobs.queue import enqueue_on_commit
from parley.messaging.access import access_for_send
from parley.messaging.models import Conversation


@dataclass(frozen=True)
class Joined:
    """A user is in a call (call.session's contents, but the ICE servers)."""

    call: catalogue.CallData
    rejoined: bool


def already_in_a_call() -> ParleyError:
    return ParleyError(ErrorCode.CONFLICT, "You are in another call; leave it first.")


def check_start_call(user: User, socket: str, conversation_id: int, kind: str) -> Joined:
    """Start a call in a conversation `user` may send to (the rules of `send`: a member,
    not an archived room, nobody blocked or deactivated in a direct conversation), from
    the socket named `socket`. Conflict if a call is live there or `user` is in one."""
    conversation = access_for_send(user, conversation_id)
    if CallParticipant.objects.filter(live_user=user.pk).exists():
        raise already_in_a_call()
    return do_start_call(user, socket, conversation, Call.Kind(kind))


def _live_call_conflict(conversation_id: int) -> ParleyError:
    live = Call.objects.filter(live_conversation=conversation_id).values_list("pk", flat=True)
    call_id = live.first()
    details = {"call": call_id} if call_id is not None else {}
    return ParleyError(
        ErrorCode.CONFLICT, "A call is going on in this conversation already: join it.", **details
    )


def do_start_call(user: User, socket: str, conversation: Conversation, kind: Call.Kind) -> Joined:
    """Create the call, its entry and the caller's place in it; ring the callees (those
    in another call answer busy). Publishes call.started, call.updated, call.ring and
    call.busy after commit, and schedules the ring timeout."""
    from parley.calls.jobs import ring_timeout  # jobs import the actions

    try:
        with transaction.atomic():
            now = timezone.now()
            rings = conversation.kind != Conversation.Kind.CHAT
            call = Call.objects.create(
                conversation_id=conversation.pk,
                live_conversation=conversation.pk,
                started_by=user,
                kind=kind,
                started_at=now,
                answered_at=None if rings else now,  # a room call is going on at once
            )
            CallParticipant.objects.create(
                call=call, user=user, live_user=user.pk, socket=socket, joined_at=now, seen_at=now
            )
            create_entry(call, now)
            mark_seen(call, user.pk)
            busy = _ring(call, user) if rings else []
            if busy and conversation.kind == Conversation.Kind.DIRECT:
                end_call(call, Call.EndReason.BUSY, now)
            else:
                publish_updated(call)
                ringing = list(
                    Ring.objects.filter(call=call, state=Ring.State.RINGING).values_list(
                        "user_id", flat=True
                    )
                )
                if ringing:
                    publish_to_users(ringing, catalogue.CallRing(call=call_dict(call)))
                    run_after = now + timedelta(seconds=settings.CALL_RING_SECONDS)
                    enqueue_on_commit(ring_timeout.using(run_after=run_after), call.pk)
            for callee in busy:
                publish_to_users([user.pk], catalogue.CallBusy(call=call.pk, user=callee))
            return Joined(call_dict(call), rejoined=False)
    except IntegrityError as error:
        # Lost a race: a call started there meanwhile, or the caller joined another.
        if Call.objects.filter(live_conversation=conversation.pk).exists():
            raise _live_call_conflict(conversation.pk) from error
        raise already_in_a_call() from error


def _ring(call: Call, caller: User) -> list[catalogue.UserSummary]:
    """Ring every other active member (bots don't take calls); returns those who are in
    another call (they answer busy and are not rung)."""
    members = list(
        User.objects.filter(
            participations__conversation_id=call.conversation_id, is_active=True, is_bot=False
        ).exclude(pk=caller.pk)
    )
    in_calls = set(
        CallParticipant.objects.filter(live_user__in=[m.pk for m in members]).values_list(
            "user_id", flat=True
        )
    )
    Ring.objects.bulk_create(
        Ring(
            call=call,
            user=member,
            state=Ring.State.BUSY if member.pk in in_calls else Ring.State.RINGING,
            updated_at=call.started_at,
        )
        for member in members
    )
    return [user_summary(m) for m in members if m.pk in in_calls]

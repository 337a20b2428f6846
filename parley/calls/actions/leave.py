"""Hanging up and declining."""

from django.db import transaction
from django.utils import timezone

from parley.accounts.events import user_summary
from parley.accounts.models import User
from parley.calls.access import access_call, call_not_found
from parley.calls.actions._end import end_call, leave_call, lock_call, publish_updated, stop_ringing
from parley.calls.models import Call, CallParticipant, Ring
from parley.events import catalogue
from parley.events.publish import publish_to_users


def check_leave_call(user: User, call_id: int) -> None:
    """`user` hangs up (not found unless they are in the live call)."""
    access_call(user, call_id, live=True)
    with transaction.atomic():
        call = lock_call(call_id)
        participant = CallParticipant.objects.filter(call_id=call_id, live_user=user.pk).first()
        if call is None or call.ended_at is not None or participant is None:
            raise call_not_found(call_id)
        leave_call(call, participant, timezone.now())


def check_decline_call(user: User, call_id: int) -> None:
    """`user` declines a call ringing for them (not found if it is not): their devices
    stop ringing, the participants hear call.declined; when nobody is left to answer an
    unanswered call, it ends (declined)."""
    access_call(user, call_id, live=True)
    with transaction.atomic():
        call = lock_call(call_id)
        if call is None or call.ended_at is not None:
            raise call_not_found(call_id)
        now = timezone.now()
        declined = Ring.objects.filter(call=call, user=user, state=Ring.State.RINGING).update(
            state=Ring.State.DECLINED, updated_at=now
        )
        if not declined:
            raise call_not_found(call_id)
        stop_ringing(call, [user.pk], "declined")
        in_call = list(
            CallParticipant.objects.filter(call=call, left_at__isnull=True).values_list(
                "user_id", flat=True
            )
        )
        publish_to_users(in_call, catalogue.CallDeclined(call=call.pk, user=user_summary(user)))
        still_ringing = Ring.objects.filter(call=call, state=Ring.State.RINGING).exists()
        if call.answered_at is None and not still_ringing:
            end_call(call, Call.EndReason.DECLINED, now)
        else:
            publish_updated(call)
